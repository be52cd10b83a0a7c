import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { UsageError } from "../harness/errors.ts";
import { makeRunFixture } from "../results/fixtures/run-fixture.ts";
import type { RunResult } from "../results/model.ts";
import { writeResultJson } from "../results/outputs/json.ts";
import type { HistoryEvent } from "../workloads/history-types.ts";
import { inferModel, recheck } from "./recheck.ts";
import type { ClusterSnapshot } from "./types.ts";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "slotproof-recheck-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const history: HistoryEvent[] = [
  { p: 1, type: "invoke", f: "write", key: "k1", value: "a", t: 1000 },
  { p: 1, type: "ok", f: "write", key: "k1", value: "a", t: 2000 },
  { p: 2, type: "invoke", f: "write", key: "k2", value: "b", t: 1500 },
  { p: 2, type: "ok", f: "write", key: "k2", value: "b", t: 2500 },
  { p: 1, type: "invoke", f: "read", key: "k1", value: null, t: 3000 },
  { p: 1, type: "ok", f: "read", key: "k1", value: "a", t: 3500 },
];

const snapshot = (keys: Record<string, string>): ClusterSnapshot => ({
  takenAt: "2025-01-01T00:00:00Z",
  slotOwners: new Array(16384).fill("A"),
  nodes: [{ id: "A", name: "primary:0", role: "primary", host: "127.0.0.1", port: 1, keys, ownSlots: [[0, 16383]] }],
  health: { ok: true, problems: [], agreement: true, slotsCovered: 16384, uncoveredSlots: [], openSlots: [], clusterStateOk: true, unreachable: [], replicasAttached: true, replicas: {}, keysPerPrimary: {}, slotsPerPrimary: {}, activeMigrations: [] },
});

async function writeRunDir(opts: { keys: Record<string, string>; document?: unknown; snapshot?: boolean }): Promise<RunResult> {
  const result = makeRunFixture({ outcome: "pass" });
  if (opts.document !== undefined) result.scenario.document = opts.document;
  result.files = { history: "history.ndjson.gz" };
  await writeFile(join(dir, "history.ndjson.gz"), gzipSync(history.map((e) => JSON.stringify(e)).join("\n") + "\n"));
  if (opts.snapshot !== false) {
    result.files.snapshot = "snapshot.json";
    await writeFile(join(dir, "snapshot.json"), JSON.stringify(snapshot(opts.keys)));
  }
  await writeFile(join(dir, "preload.json"), JSON.stringify({ keys: { p1: "x" } }));
  await writeResultJson(result, dir);
  return result;
}

const document = { name: "t", checks: { latency: { baselinePhase: "baseline" } }, gates: ["lost == 0", "p99_spike_ratio < 5000"], workload: { history: { model: "register" } } };

describe("recheck", () => {
  it("re-runs the scenario's checkers and gates on a saved run: a lost key fails it", async () => {
    await writeRunDir({ keys: { k1: "a", p1: "x" }, document });
    const r = await recheck(dir);
    expect(r.inputs).toMatchObject({ historyEvents: 6, settingsFrom: "scenario" });
    expect(Object.keys(r.checks)).toEqual(["linearizable", "completeness", "topology", "latency"]);
    expect(r.checks.linearizable.valid).toBe(true);
    expect(r.checks.completeness).toMatchObject({ valid: false, counts: { lost: 1, ok: 2 } });
    expect(r.checks.topology.valid).toBe(true);
    expect(r.checks.latency.baselinePhase).toBe("baseline");
    expect(r.gates.map((g) => [g.expr, g.passed])).toEqual([["lost == 0", false], ["p99_spike_ratio < 5000", true]]);
    expect(r).toMatchObject({ verdict: "fail", exitCode: 1 });
    expect(r.result.verdict).toBe("fail");
  });

  it("passes when everything is there, and can rewrite result.json", async () => {
    await writeRunDir({ keys: { k1: "a", k2: "b", p1: "x" }, document });
    const r = await recheck(dir, { write: true });
    expect(r).toMatchObject({ verdict: "pass", exitCode: 0 });
    const saved = JSON.parse(await readFile(join(dir, "result.json"), "utf8")) as RunResult;
    expect(saved.verdict).toBe("pass");
    expect(saved.checks.completeness.counts).toMatchObject({ ok: 3 });
  });

  it("without a readable scenario, reruns what the record lists; gates it cannot parse are unknown", async () => {
    await writeRunDir({ keys: { k1: "a", k2: "b", p1: "x" } }); // the fixture's document is no valid scenario
    const r = await recheck(dir);
    expect(r.inputs.settingsFrom).toBe("record");
    expect(Object.keys(r.checks)).toEqual(["linearizable", "completeness", "topology", "latency"]);
    expect(r.gates.some((g) => g.passed === "unknown" && /unknown metric/.test(g.message))).toBe(true);
    expect(r.verdict).toBe("unknown");
  });

  it("a run directory without snapshot makes completeness unknown, not a crash", async () => {
    await writeRunDir({ keys: {}, document, snapshot: false });
    const r = await recheck(dir, { checks: ["completeness"], gates: [] });
    expect(r.checks.completeness.valid).toBe("unknown");
    expect(r).toMatchObject({ verdict: "unknown", exitCode: 2 });
  });

  it("gates given by the user are parsed first: a typo is a usage error", async () => {
    await writeRunDir({ keys: {}, document });
    await expect(recheck(dir, { gates: ["lsot == 0"] })).rejects.toThrow(/gate "lsot == 0": unknown metric "lsot" — did you mean "lost"/);
  });

  it("a directory that is not a run directory is a usage error", async () => {
    await expect(recheck(dir)).rejects.toThrow(UsageError);
  });

  it("infers the model from the operations when no scenario says", () => {
    expect(inferModel(history)).toBe("register");
    expect(inferModel([{ p: 1, type: "invoke", f: "incr", key: "c", value: 1, t: 1 }])).toBe("counter");
    expect(inferModel([{ p: 1, type: "invoke", f: "append", key: "c", value: "x", t: 1 }])).toBe("kv-append");
    expect(inferModel([{ p: 1, type: "ok", f: "read", key: "c", value: ["x"], t: 1 }])).toBe("list-append");
  });
});
