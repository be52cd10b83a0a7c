import { describe, expect, it } from "vitest";
import type { HealthReport } from "../harness/topology.ts";
import type { RunRecordForChecks } from "../results/model.ts";
import { checkTopology, convergenceEvents, convergenceTimes, finalFindings } from "./topology.ts";
import type { ClusterSnapshot, TopologySample } from "./types.ts";

const healthy: HealthReport = {
  ok: true, problems: [], agreement: true, slotsCovered: 16384, uncoveredSlots: [], openSlots: [], clusterStateOk: true,
  unreachable: [], replicasAttached: true, replicas: {}, keysPerPrimary: {}, slotsPerPrimary: {}, activeMigrations: [],
};
const A = "a".repeat(40), B = "b".repeat(40);
const snapshot = (health: HealthReport): ClusterSnapshot => ({
  takenAt: "", slotOwners: [], health,
  nodes: [
    { id: A, name: "primary:0", role: "primary", host: "127.0.0.1", port: 1, keys: {} },
    { id: B, name: "new:0", role: "primary", host: "127.0.0.1", port: 2, keys: {} },
  ],
});

const run = (samples: TopologySample[]): RunRecordForChecks => ({
  windows: [], phases: [], migratingSlots: [], topologySamples: samples,
  migration: { strategy: "atomic", outcome: "success", startedAtMs: 1000, finishedAtMs: 9000, slotsPlanned: 2, slotsMoved: 2, keysMoved: 10 },
  migrationEvents: [
    { kind: "move-started", atMs: 1000 },
    { kind: "move-finished", atMs: 4000, slots: "0-99" },
    { kind: "move-finished", atMs: 8000 },
    { kind: "finished", atMs: 9000 },
  ],
  faults: [{ kind: "pause", target: "primary:1", startMs: 5000, endMs: 6000 }, { kind: "failover", target: "primary:2", startMs: 7000 }],
});

describe("convergence", () => {
  it("lists migration steps and faults (heal time, or start when never healed), in time order", () => {
    expect(convergenceEvents(run([])).map((e) => [e.event, e.atMs])).toEqual([
      ["move 1/2 finished (slots 0-99)", 4000],
      ["pause primary:1 healed", 6000],
      ["failover primary:2 injected", 7000],
      ["move 2/2 finished", 8000],
      ["migration finished (success)", 9000],
    ]);
  });

  it("measures event → first healthy sample at or after it", () => {
    const samples = [4000, 4500, 5000, 6000, 6500, 7500, 8000, 8500].map((atMs) => ({ atMs, ok: ![5000, 6000, 8000].includes(atMs), problems: [] }));
    const c = convergenceTimes(convergenceEvents(run([])), samples);
    expect(c.map((x) => x.seconds)).toEqual([0, 0.5, 0.5, 0.5, null]);
  });

  it("a convergence over the limit fails the check; without a limit it is a figure", async () => {
    const samples = [{ atMs: 4000, ok: false, problems: ["slot 5 is open"] }, { atMs: 7000, ok: true, problems: [] }, { atMs: 9500, ok: true, problems: [] }];
    const input = { history: [], model: "register" as const, snapshot: snapshot(healthy), run: run(samples) };
    const free = await checkTopology(input);
    expect(free.valid).toBe(true);
    expect(free.maxConvergenceSeconds).toBe(3);
    const limited = await checkTopology({ ...input, params: { maxConvergenceSeconds: 2 } });
    expect(limited.valid).toBe(false);
    expect(limited.summary).toMatch(/move 1\/2 finished \(slots 0-99\): converged after 3\.0 s, limit 2 s/);
  });
});

describe("final topology", () => {
  it("names open slots and atomic jobs by node name", () => {
    const h: HealthReport = {
      ...healthy, ok: false,
      openSlots: [{ nodeId: A, slot: 42, state: "migrating", peerId: B }, { nodeId: B, slot: 42, state: "importing", peerId: A }],
      activeMigrations: [{ state: "running", observer: B, slot_ranges: "42-42" }],
      problems: ["slot 42 is open (migrating) on node aaaaaaaa", "slot 42 is open (importing) on node bbbbbbbb", "atomic slot migration still running on node bbbbbbbb"],
    };
    const f = finalFindings(h, snapshot(h));
    expect(f.map((x) => x.message)).toEqual([
      "slot 42 is left open: migrating on primary:0 to new:0",
      "slot 42 is left open: importing on new:0 from primary:0",
      "atomic slot migration job still running: slots 42-42 (job on new:0: running)",
    ]);
  });

  it("uncovered slots and disagreement are errors; a clean report has no findings", async () => {
    const h: HealthReport = { ...healthy, ok: false, agreement: false, slotsCovered: 16284, uncoveredSlots: [[0, 99]], problems: ["nodes 127.0.0.1:1 and 127.0.0.1:2 disagree on slots 0-99", "100 slots not covered: 0-99"] };
    const r = await checkTopology({ history: [], model: "register", snapshot: snapshot(h) });
    expect(r.valid).toBe(false);
    expect(r.findings).toEqual([
      { severity: "error", message: "nodes 127.0.0.1:1 and 127.0.0.1:2 disagree on slots 0-99" },
      { severity: "error", message: "100 slots are not covered: 0-99", slot: "0-99" },
    ]);
    expect((await checkTopology({ history: [], model: "register", snapshot: snapshot(healthy) })).findings).toEqual([]);
  });

  it("is unknown without a health report", async () => {
    expect((await checkTopology({ history: [], model: "register" })).valid).toBe("unknown");
  });
});
