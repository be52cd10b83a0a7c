// `slotproof run` end to end against real servers: the run directory's contents and the
// exit codes a CI pipeline relies on.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { packageRoot } from "../harness/paths.ts";
import { track, trackState } from "./cleanup.ts";

const BIN = path.join(packageRoot, "bin", "slotproof.mjs");

function tmp(prefix: string): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

function env(): NodeJS.ProcessEnv {
  return { ...process.env, CI: "true", SLOTPROOF_STATE: trackState(tmp("slotproof-state-")) };
}

function scenarioFile(text: string): string {
  const f = path.join(tmp("slotproof-scn-"), "e2e.yaml");
  writeFileSync(f, text);
  return f;
}

/** A small, quick scenario: 3 primaries, legacy-free atomic scale-out, short phases. */
const SMALL = `
name: e2e-small
seed: 7
deadline: 3m
cluster: { primaries: 3, replicas: 0 }
dataset: { keys: 500, valueSize: 64 }
workload:
  rate: 300
  workers: 1
  history: { keys: 10, model: register }
phases:
  - { name: baseline, duration: 2s }
  - { name: migrate, until: migration-done, timeout: 90s }
  - { name: cooldown, duration: 1s }
migration: { strategy: atomic, plan: { scaleOut: 1 } }
gates: [ "lost == 0", "linearizable" ]
`;

function runCli(args: string[], e = env()) {
  const r = spawnSync(process.execPath, [BIN, "run", ...args], { encoding: "utf8", env: e, timeout: 240_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Server pids the run registered in its live-run registry. */
function pidsOfServers(stateDir: string): number[] {
  return readdirSync(stateDir).flatMap((run) => JSON.parse(readFileSync(path.join(stateDir, run, "run.json"), "utf8")).pids as number[]);
}

describe("slotproof run", () => {
  it("runs a small scenario to a pass and writes the whole run directory", () => {
    const out = path.join(tmp("slotproof-out-"), "run");
    const r = runCli([scenarioFile(SMALL), "--out", out]);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const result = JSON.parse(readFileSync(path.join(out, "result.json"), "utf8"));
    expect(result.verdict, `${result.reason ?? ""}\n${r.stdout}\n${r.stderr}`).toBe("pass");
    expect(r.code).toBe(0);
    expect(result.schemaVersion).toBe(1);
    expect(Object.keys(result.checks).sort()).toEqual(["completeness", "latency", "linearizable", "topology"]);
    for (const c of Object.values(result.checks) as Array<{ valid: unknown }>) expect(c.valid).toBe(true);
    expect(result.gates.map((g: { passed: unknown }) => g.passed)).toEqual([true, true]);
    expect(result.migration.strategy).toBe("atomic");
    expect(result.migration.outcome).toBe("success");
    expect(result.migration.slotsMoved).toBe(result.migration.slotsPlanned);
    expect(result.windows.length).toBeGreaterThan(2);
    for (const f of ["report.html", "junit.xml", "summary.md", "scenario.json", "snapshot.json", "history.ndjson.gz"]) expect(existsSync(path.join(out, f)), f).toBe(true);
    const history = gunzipSync(readFileSync(path.join(out, "history.ndjson.gz"))).toString("utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(history.length).toBeGreaterThan(20);
    expect(history[0]).toMatchObject({ type: "invoke" });
    expect(r.stdout).toMatch(/report: .*report\.html/);
  });

  it("a clean legacy migration under load raises no false alarm either (every check valid)", () => {
    const out = path.join(tmp("slotproof-out-"), "run");
    const r = runCli([scenarioFile(SMALL), "--out", out, "--set", "migration.strategy=legacy", "--set", "dataset.keys=300"]);
    const result = JSON.parse(readFileSync(path.join(out, "result.json"), "utf8"));
    expect(result.verdict, `${result.reason ?? ""}\n${r.stdout}\n${r.stderr}`).toBe("pass");
    expect(r.code).toBe(0);
    expect(result.migration).toMatchObject({ strategy: "legacy", outcome: "success" });
    for (const c of Object.values(result.checks) as Array<{ valid: unknown }>) expect(c.valid).toBe(true);
    expect(result.checks.completeness.counts.lost).toBe(0);
  }, 240_000);

  it("exits 3 when a gate fails (and the checks pass)", () => {
    const out = path.join(tmp("slotproof-out-"), "run");
    const r = runCli([scenarioFile(SMALL), "--out", out, "--set", "gates=[\"migration_seconds < 0.001\"]"]);
    const result = JSON.parse(readFileSync(path.join(out, "result.json"), "utf8"));
    expect(result.verdict, result.reason).toBe("fail");
    expect(r.code).toBe(3);
    expect(result.gates[0].passed).toBe(false);
  });

  it("exits 64 for an invalid scenario, naming the field", () => {
    const r = runCli([scenarioFile(SMALL.replace("strategy: atomic", "strategy: atomc"))]);
    expect(r.code).toBe(64);
    expect(r.stderr).toMatch(/migration\.strategy/);
    expect(r.stderr).toMatch(/did you mean .?atomic/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it("on Ctrl-C mid-run writes a result with verdict error and leaves nothing behind", async () => {
    const e = env();
    const out = path.join(tmp("slotproof-out-"), "run");
    const child = track(spawn(process.execPath, [BIN, "run", scenarioFile(SMALL.replace("duration: 2s", "duration: 30s")), "--out", out], { env: e, stdio: ["ignore", "pipe", "pipe"] }));
    let text = "";
    child.stdout.on("data", (d) => (text += d));
    child.stderr.on("data", (d) => (text += d));
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no baseline phase in 60 s:\n${text}`)), 60_000);
      const poll = setInterval(() => {
        if (/phase 1\/3 baseline/.test(text)) {
          clearInterval(poll);
          clearTimeout(t);
          resolve();
        }
      }, 100);
    });
    const before = pidsOfServers(e.SLOTPROOF_STATE!);
    expect(before.length).toBeGreaterThanOrEqual(3);
    child.kill("SIGINT");
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    expect(code).toBe(4);
    const result = JSON.parse(readFileSync(path.join(out, "result.json"), "utf8"));
    expect(result.verdict).toBe("error");
    expect(result.reason).toMatch(/interrupted by SIGINT/);
    const left = before.filter((p) => existsSync(`/proc/${p}`) && !/ Z /.test(readFileSync(`/proc/${p}/stat`, "utf8")));
    expect(left).toEqual([]);
    expect(readdirSync(e.SLOTPROOF_STATE!)).toEqual([]);
  });
});
