// Verdict paths that synthetic snapshots cannot vouch for, produced on real Valkey 9.1:
// a key two primaries serve (`duplicate`), the same double claim settled by the servers
// themselves (`lost`), and an atomic slot migration job left running (topology).
//
// A double claim only lasts while the cluster bus is cut: with gossip flowing Valkey settles
// it by config epoch within a second (the second test shows it). So the duplicate test freezes
// the bus on every node (DEBUG DROP-CLUSTER-PACKET-FILTER -2, links closed on each drop so they
// reconnect as soon as it thaws); the node timeout is long enough that nobody is flagged
// failing meanwhile.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "../harness/errors.ts";
import { freezeClusterBus } from "../harness/migration/testkit.ts";
import { startLocalCluster, type LocalCluster } from "../harness/providers/local.ts";
import type { NodeInfo } from "../harness/providers/types.ts";
import type { HealthReport } from "../harness/topology.ts";
import type { HistoryEvent } from "../workloads/history-types.ts";
import { keySlot, slotTag } from "../workloads/slots.ts";
import { completeness } from "./completeness/index.ts";
import type { CompletenessResult } from "./completeness/check.ts";
import { takeSnapshot } from "./snapshot.ts";
import { topology, type TopologyFinding } from "./topology.ts";

let cluster: LocalCluster;
let A: NodeInfo, B: NodeInfo, C: NodeInfo;
const admin = (n: NodeInfo) => cluster.admin(n.name);
const keyIn = (slot: number, name: string) => `{${slotTag(slot)}}:${name}`;

let clock = 0;
/** An acknowledged write in Jepsen history form. */
function write(key: string, value: string, p = 1): HistoryEvent[] {
  clock += 10;
  return [
    { p, type: "invoke", f: "write", key, value, t: clock },
    { p, type: "ok", f: "write", key, value, t: clock + 5 },
  ];
}

async function check(history: HistoryEvent[], preload?: Record<string, string>) {
  const snap = await takeSnapshot(cluster);
  const input = { history, model: "register" as const, snapshot: snap, preload: preload ? { keys: preload } : undefined };
  const c = (await completeness.check(input)) as CompletenessResult;
  const t = await topology.check(input);
  return { snap, completeness: c, topology: t, findings: t.findings as TopologyFinding[] };
}

const setBus = (frozen: boolean) => freezeClusterBus(cluster, frozen);

async function flushAll(): Promise<void> {
  for (const n of [A, B, C]) await admin(n).call("FLUSHALL");
}

beforeAll(async () => {
  cluster = await startLocalCluster({ server: "valkey-9.1", primaries: 3, replicasPerPrimary: 0, config: { "cluster-node-timeout": "15000" } });
  [A, B, C] = ["primary:0", "primary:1", "primary:2"].map((n) => cluster.node(n)); // slots 0-5460, 5461-10921, 10922-16383
});

afterAll(async () => {
  if (cluster) {
    await setBus(false).catch(() => {});
    await admin(A).call("DEBUG", "SLOTMIGRATION", "PREVENT-PAUSE", "0").catch(() => {});
  }
  await cluster?.stop();
});

describe("completeness: duplicate against real servers", () => {
  it("a key two primaries serve is a duplicate naming key, slot and both nodes; a stale copy on a non-owner stays an orphan", { timeout: 60_000 }, async () => {
    const slot = 100; // primary:0's
    const dup = [0, 1, 2].map((i) => keyIn(slot, `dup${i}`));
    const orphanSlot = 16000; // primary:2's
    const orphan = keyIn(orphanSlot, "orphan");
    const history = [...dup.flatMap((k) => write(k, `v-${k}`)), ...write(orphan, "v-orphan")];
    for (const k of dup) await admin(A).set(k, `v-${k}`);
    await admin(C).set(orphan, "v-orphan");
    // An ordinary orphan: a copy on primary:1, which does not own (nor claim) the slot.
    await admin(B).call("CLUSTER", "SETSLOT", orphanSlot, "IMPORTING", C.id);
    const [[askErr], [setErr]] = (await admin(B).pipeline().call("ASKING").set(orphan, "v-orphan").exec())!;
    expect([askErr, setErr]).toEqual([null, null]);
    await admin(B).call("CLUSTER", "SETSLOT", orphanSlot, "STABLE");

    await setBus(true);
    try {
      // A move of the slot to primary:1 that only primary:1 finalised: it imports a copy of
      // the keys (MIGRATE COPY, the source keeps them), then claims the slot (SETSLOT NODE
      // itself, which also bumps its epoch). primary:0 and primary:2 never hear of it.
      await admin(B).call("CLUSTER", "SETSLOT", slot, "IMPORTING", A.id);
      expect(await admin(A).call("MIGRATE", B.host, String(B.port), "", "0", "5000", "COPY", "KEYS", ...dup)).toBe("OK");
      await admin(B).call("CLUSTER", "SETSLOT", slot, "NODE", B.id);

      const r = await check(history);
      // The snapshot: the majority says primary:0 owns the slot, primary:1 says it does.
      expect(r.snap.slotOwners[slot]).toBe(A.id);
      const snapB = r.snap.nodes.find((n) => n.id === B.id)!;
      expect(snapB.ownSlots).toContainEqual([slot, slot]);
      expect(Object.keys(snapB.keys).filter((k) => dup.includes(k)).sort()).toEqual(dup);

      expect(r.completeness.valid).toBe(false);
      expect(r.completeness.counts).toMatchObject({ duplicate: 3, orphan: 1, lost: 0, unexpected: 0 });
      expect(r.completeness.summary).toMatch(/^3 duplicate, 1 orphan/);
      for (const k of dup) {
        expect(r.completeness.examples).toContainEqual({
          kind: "duplicate", key: k, slot, node: B.name, expected: `only on ${A.name}`, actual: `v-${k}`,
          note: `${B.name} also believes it owns slot ${slot}`,
        });
      }
      const orphanExamples = r.completeness.examples.filter((e) => e.key === orphan);
      expect(orphanExamples).toEqual([expect.objectContaining({ kind: "orphan", slot: orphanSlot, node: B.name, note: `${B.name} does not own slot ${orphanSlot}: clients never see this copy` })]);
      // The slot map itself is split: topology says so too.
      expect(r.topology.valid).toBe(false);
      expect(r.findings).toContainEqual(expect.objectContaining({ severity: "error", message: expect.stringMatching(new RegExp(`disagree on slots ${slot}$`)) }));
    } finally {
      // primary:1 drops its copies while it still serves the slot, then hands the claim back.
      await admin(B).call("FLUSHALL");
      await admin(B).call("CLUSTER", "SETSLOT", slot, "NODE", A.id);
      await setBus(false);
    }
    await cluster.waitHealthy(15_000);
    await flushAll();
  });

  it("with the bus up, Valkey settles the same double claim by config epoch and deletes the loser's copy: lost, not duplicate", { timeout: 60_000 }, async () => {
    const slot = 200; // primary:0's, config epoch 1; primary:1 has epoch 2 (or more) and wins
    const k = keyIn(slot, "settled");
    await admin(A).set(k, "v1");
    await admin(B).call("CLUSTER", "SETSLOT", slot, "NODE", B.id);
    try {
      const t0 = Date.now();
      await waitFor(`primary:0 to give slot ${slot} up and delete its keys`, async () => (Number(await admin(A).call("CLUSTER", "COUNTKEYSINSLOT", slot)) === 0 ? true : undefined), { timeoutMs: 10_000 });
      const settledMs = Date.now() - t0;
      expect(settledMs).toBeLessThan(10_000);
      await cluster.waitHealthy(10_000);
      const r = await check(write(k, "v1"));
      expect(r.snap.slotOwners[slot]).toBe(B.id);
      expect(r.completeness.valid).toBe(false);
      expect(r.completeness.counts).toMatchObject({ lost: 1, duplicate: 0, orphan: 0 });
      expect(r.completeness.examples).toContainEqual(expect.objectContaining({ kind: "lost", key: k, slot, node: B.name, actual: "missing" }));
      expect(r.topology.valid).toBe(true); // one slot map again: only the data shows the damage
    } finally {
      for (const n of [B, A, C]) await admin(n).call("CLUSTER", "SETSLOT", slot, "NODE", A.id);
    }
    await cluster.waitHealthy(15_000);
    await flushAll();
  });
});

describe("topology: an atomic slot migration job left running", () => {
  const range = [300, 309] as const; // primary:0's
  const preload: Record<string, string> = {};
  const targetKeys = async () => {
    let n = 0;
    for (let s = range[0]; s <= range[1]; s++) n += Number(await admin(B).call("CLUSTER", "COUNTKEYSINSLOT", s));
    return n;
  };
  /** Each end's entry for the job (CLUSTER GETSLOTMIGRATIONS), once both exist and satisfy `ok`. */
  const jobStates = (ok: (source: string, target: string) => boolean) =>
    waitFor(`the job's states on both ends to satisfy ${ok}`, async () => {
      const state = async (n: NodeInfo) => {
        const jobs = (await admin(n).call("CLUSTER", "GETSLOTMIGRATIONS")) as unknown[][];
        const last = jobs[0]; // newest first
        return last ? String(last[last.indexOf("state") + 1]) : "";
      };
      const [s, t] = [await state(A), await state(B)];
      return s && t && ok(s, t) ? { source: s, target: t } : undefined;
    }, { timeoutMs: 15_000 });

  beforeAll(async () => {
    for (let s = range[0]; s <= range[1]; s++) for (let i = 0; i < 20; i++) preload[keyIn(s, `asm${i}`)] = `value-${s}-${i}`;
    const p = admin(A).pipeline();
    for (const [k, v] of Object.entries(preload)) p.set(k, v);
    await p.exec();
  });

  it("names the job by node while it runs; cancelled, the cluster is clean and no key moved", { timeout: 60_000 }, async () => {
    // The source holds the job just before its write pause (the last step), as it does while
    // writes outrun slot-migration-max-failover-repl-bytes.
    await admin(A).call("DEBUG", "SLOTMIGRATION", "PREVENT-PAUSE", "1");
    expect(await admin(A).call("CLUSTER", "MIGRATESLOTS", "SLOTSRANGE", String(range[0]), String(range[1]), "NODE", B.id)).toBe("OK");
    try {
      expect(await jobStates((s, t) => s === "waiting-to-pause" && t === "waiting-for-paused")).toEqual({ source: "waiting-to-pause", target: "waiting-for-paused" });
      const name = String(((await admin(A).call("CLUSTER", "GETSLOTMIGRATIONS")) as string[][])[0][1]);
      const r = await check([], preload);
      const h = r.snap.health as HealthReport;
      expect(h.openSlots).toEqual([]); // CLUSTER NODES shows nothing: only GETSLOTMIGRATIONS does
      expect(h.activeMigrations.map((m) => [m.operation, m.observer, m.state])).toEqual(expect.arrayContaining([
        ["EXPORT", A.id, "waiting-to-pause"],
        ["IMPORT", B.id, "waiting-for-paused"],
      ]));
      expect(r.topology.valid).toBe(false);
      const jobFindings = r.findings.filter((f) => f.job !== undefined);
      expect(jobFindings).toEqual([{
        severity: "error",
        message: `atomic slot migration job ${name.slice(0, 8)} still running: slots ${range[0]}-${range[1]} from ${A.name} to ${B.name} (export on ${A.name}: waiting-to-pause; import on ${B.name}: waiting-for-paused)`,
        node: A.name,
        slot: `${range[0]}-${range[1]}`,
        job: name,
      }]);
      expect(r.topology.summary).toContain(`atomic slot migration job ${name.slice(0, 8)} still running`);
      // The target already holds the keys, hidden from SCAN until the job ends: no false orphans.
      expect(await targetKeys()).toBe(Object.keys(preload).length);
      expect(r.snap.nodes.find((n) => n.id === B.id)!.keys).toEqual({});
      expect(r.completeness.valid).toBe(true);
      expect(r.completeness.counts.ok).toBe(Object.keys(preload).length);
    } finally {
      await admin(A).call("CLUSTER", "CANCELSLOTMIGRATIONS").catch(() => {});
      await admin(A).call("DEBUG", "SLOTMIGRATION", "PREVENT-PAUSE", "0");
    }
    expect(await jobStates((s, t) => s === "cancelled" && t === "failed")).toEqual({ source: "cancelled", target: "failed" });
    await waitFor("the target to drop the keys it had imported", async () => ((await targetKeys()) === 0 ? true : undefined), { timeoutMs: 10_000 });
    const after = await check([], preload);
    expect(after.findings).toEqual([]); // finished jobs stay listed by the servers, but are no finding
    expect(after.topology.valid).toBe(true);
    expect(after.completeness.valid).toBe(true);
    expect(after.snap.slotOwners[range[0]]).toBe(A.id);
  });

  it("a job that finished is no finding, and its keys are complete on the new owner", { timeout: 60_000 }, async () => {
    expect(await admin(A).call("CLUSTER", "MIGRATESLOTS", "SLOTSRANGE", String(range[0]), String(range[1]), "NODE", B.id)).toBe("OK");
    expect(await jobStates((s, t) => s === "success" && t === "success")).toEqual({ source: "success", target: "success" });
    await cluster.waitHealthy(15_000);
    const r = await check([], preload);
    expect((r.snap.health as HealthReport).activeMigrations).toEqual([]);
    expect(r.topology.valid).toBe(true);
    expect(r.snap.slotOwners[range[0]]).toBe(B.id);
    expect(r.completeness.valid).toBe(true);
    expect(r.completeness.counts).toMatchObject({ ok: Object.keys(preload).length, orphan: 0, duplicate: 0 });
    expect(keySlot(Object.keys(preload)[0])).toBe(range[0]);
  });
});
