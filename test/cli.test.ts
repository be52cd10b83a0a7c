// The CLI as a user meets it: exit codes, one-line errors, and nothing left behind
// after Ctrl-C or after a SIGKILLed harness followed by `slotproof clean`.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { packageRoot } from "../harness/paths.ts";
import { track, trackState } from "./cleanup.ts";

const BIN = path.join(packageRoot, "bin", "slotproof.mjs");

/** Each test gets its own live-run registry so tests running in parallel never sweep each other. */
function isolatedEnv(): NodeJS.ProcessEnv {
  return { ...process.env, SLOTPROOF_STATE: trackState(mkdtempSync(path.join(os.tmpdir(), "slotproof-state-"))) };
}

function cli(args: string[], env = isolatedEnv()) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", env, timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Alive and not a zombie (an orphan killed under a PID 1 that does not reap stays a zombie). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return !/^\d+ \(.*\) [ZX] /.test(stat);
  } catch {
    return false;
  }
}

/** Starts `cluster up` in the background and resolves with its node pids once the seed is printed. */
function clusterUp(env: NodeJS.ProcessEnv) {
  const child = track(spawn(process.execPath, [BIN, "cluster", "up", "--primaries", "3", "--replicas", "0"], { env, stdio: ["ignore", "pipe", "pipe"] }));
  let out = "";
  const ready = new Promise<{ pids: number[]; seed: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`cluster up did not print its nodes in 60 s:\n${out}`)), 60_000);
    child.stdout.on("data", (d) => {
      out += d;
      if (out.includes("press Ctrl-C")) {
        clearTimeout(timer);
        resolve({ pids: [...out.matchAll(/pid (\d+)/g)].map((m) => Number(m[1])), seed: /seed: (\S+)/.exec(out)![1] });
      }
    });
    child.once("exit", (code) => reject(new Error(`cluster up exited early (${code}):\n${out}`)));
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, ready, exited, output: () => out };
}

describe("slotproof CLI", () => {
  it("prints help and exits 0", () => {
    const r = cli(["--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/cluster/);
    expect(cli(["cluster", "up", "--help"]).stdout).toMatch(/--primaries/);
  });

  it.each([
    [["cluster", "up", "--server", "valky-9.1"], 64, /unknown server 'valky-9.1'.*did you mean 'valkey-9.1'/],
    [["cluster", "up", "--primaries", "0"], 64, /--primaries: '0' is not allowed: use a whole number from 1 to 100/],
    [["cluster", "up", "--server-bin", "/nonexistent/valkey-server"], 64, /--server-bin: '\/nonexistent\/valkey-server' does not exist/],
    [["cluster", "check", "10.1.2.3:7000"], 64, /only talks to loopback/],
    [["cluster", "check", "nonsense"], 64, /not an address/],
    [["servers", "install", "mysql"], 64, /unknown server 'mysql'/],
    [["no-such-command"], 64, /unknown command/],
  ])("rejects bad input %j with exit %i and one clear line", (args, code, message) => {
    const r = cli(args as string[]);
    expect(r.code).toBe(code);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it("reports an unreachable cluster as a harness error (exit 4)", async () => {
    const net = await import("node:net");
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, "127.0.0.1", () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const r = cli(["cluster", "check", `127.0.0.1:${port}`]);
    expect(r.code).toBe(4);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/cannot reach 127\.0\.0\.1/);
  });

  it("stops the cluster and removes everything on Ctrl-C", async () => {
    const env = isolatedEnv();
    const up = clusterUp(env);
    const { pids, seed } = await up.ready;
    expect(pids).toHaveLength(3);
    for (const pid of pids) expect(alive(pid)).toBe(true);
    const check = cli(["cluster", "check", seed, "--json"], env);
    expect(check.code).toBe(0);
    expect(JSON.parse(check.stdout).slotsCovered).toBe(16384);
    up.child.kill("SIGINT");
    expect(await up.exited).toBe(0);
    for (const pid of pids) expect(alive(pid)).toBe(false);
    expect(readdirSync(env.SLOTPROOF_STATE!)).toEqual([]);
  });

  it("after a SIGKILLed harness, `slotproof clean` kills its servers and removes its dirs", async () => {
    const env = isolatedEnv();
    const up = clusterUp(env);
    const { pids } = await up.ready;
    const runs = readdirSync(env.SLOTPROOF_STATE!);
    expect(runs).toHaveLength(1);
    const entry = JSON.parse(await import("node:fs").then((fs) => fs.readFileSync(path.join(env.SLOTPROOF_STATE!, runs[0], "run.json"), "utf8")));
    up.child.kill("SIGKILL");
    await up.exited;
    // The servers outlive a SIGKILLed harness: that is what clean is for.
    for (const pid of pids) expect(alive(pid)).toBe(true);
    const r = cli(["clean"], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/1 dead runs released, 3 processes killed/);
    await new Promise((res) => setTimeout(res, 200));
    for (const pid of pids) expect(alive(pid)).toBe(false);
    for (const d of entry.dirs as string[]) expect(existsSync(d)).toBe(false);
    expect(readdirSync(env.SLOTPROOF_STATE!)).toEqual([]);
  });

  it("`cluster up --check-and-exit` brings a cluster up, prints what it saw and tears it down", () => {
    const env = isolatedEnv();
    const r = cli(["cluster", "up", "--primaries", "3", "--replicas", "1", "--check-and-exit"], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/OK: 6 nodes, 3 primaries, 16384\/16384 slots covered, agreement yes/);
    const pids = [...r.stdout.matchAll(/pid (\d+)/g)].map((m) => Number(m[1]));
    expect(pids).toHaveLength(6);
    for (const pid of pids) expect(alive(pid)).toBe(false);
  });
});
