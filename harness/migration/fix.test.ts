import { execFile } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UsageError } from "../errors.ts";
import { startLocalCluster, type LocalCluster } from "../providers/local.ts";
import type { NodeInfo } from "../providers/types.ts";
import { runMigration } from "./driver.ts";
import { fixCluster, formatFixReport } from "./fix.ts";
import { planMigration, readTopology } from "./planner.ts";
import { freezeClusterBus, preloadKeys, startTestCluster, tagForSlot, verifyPlacement } from "./testkit.ts";

describe("fixCluster", () => {
  let cluster: LocalCluster;
  let a: string, b: string, c: string;
  const keys = new Map<string, string>();
  const keysOf = (slot: number) => Array.from({ length: 20 }, (_, i) => `{${tagForSlot(slot)}}:k${i}`);

  beforeAll(async () => {
    cluster = await startTestCluster("valkey-9.1");
    [a, b, c] = ["primary:0", "primary:1", "primary:2"].map((n) => cluster.node(n).id);
    for (const s of [10, 20, 30, 40, 50, 16000]) for (const k of keysOf(s)) keys.set(k, `v-${k}`);
    await preloadKeys(cluster, keys);
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  const A = () => cluster.admin("primary:0");
  const B = () => cluster.admin("primary:1");
  const owner = async (slot: number) => (await readTopology(cluster)).find((n) => n.slots.some(([x, y]) => slot >= x && slot <= y))?.name;
  const migrateSome = async (slot: number, n: number) => {
    const b1 = cluster.node("primary:1");
    await A().call("MIGRATE", b1.host, String(b1.port), "", "0", "5000", "KEYS", ...keysOf(slot).slice(0, n));
  };

  it("reports nothing to do on a healthy cluster", async () => {
    const r = await fixCluster(cluster.seed());
    expect(r).toMatchObject({ ok: true, actions: [] });
    expect(formatFixReport(r)).toContain("nothing to fix");
  });

  it("finishes a slot left MIGRATING on the source and IMPORTING on the target", async () => {
    await B().call("CLUSTER", "SETSLOT", 10, "IMPORTING", a);
    await A().call("CLUSTER", "SETSLOT", 10, "MIGRATING", b);
    await migrateSome(10, 7);
    const r = await fixCluster(cluster.seed());
    expect(r.before.ok).toBe(false);
    expect(r.before.openSlots.map((o) => o.state).sort()).toEqual(["importing", "migrating"]);
    expect(r.actions).toHaveLength(1);
    expect(r.actions[0]).toMatch(/^slot 10 .*finished the move — 13 keys migrated/);
    expect(r.ok).toBe(true);
    expect(await owner(10)).toBe("primary:1");
    expect(await verifyPlacement(cluster, keys)).toMatchObject({ missing: [], duplicated: [], misplaced: [], wrongValue: [] });
  });

  it("closes a lone IMPORTING slot and a lone MIGRATING slot where they are", async () => {
    await B().call("CLUSTER", "SETSLOT", 20, "IMPORTING", a);
    await A().call("CLUSTER", "SETSLOT", 30, "MIGRATING", c);
    const r = await fixCluster(cluster.seed());
    expect(r.actions).toHaveLength(2);
    expect(r.actions[0]).toMatch(/^slot 20 \(importing on .*\): kept on .*\(its owner\).*STABLE/);
    expect(r.actions[1]).toMatch(/^slot 30 \(migrating on .*\): kept on .*\(its owner\).*STABLE/);
    expect(r.ok).toBe(true);
    expect([await owner(20), await owner(30)]).toEqual(["primary:0", "primary:0"]);
    expect(await verifyPlacement(cluster, keys)).toMatchObject({ missing: [], duplicated: [], misplaced: [], wrongValue: [] });
  });

  it("moves keys stranded on a node that stopped importing back to the owner", async () => {
    await B().call("CLUSTER", "SETSLOT", 40, "IMPORTING", a);
    await A().call("CLUSTER", "SETSLOT", 40, "MIGRATING", b);
    await migrateSome(40, 7);
    await B().call("CLUSTER", "SETSLOT", 40, "STABLE"); // B keeps 7 keys of a slot it does not own
    const r = await fixCluster(cluster.seed());
    expect(r.actions).toHaveLength(1);
    expect(r.actions[0]).toMatch(/^slot 40 \(migrating on .*\): kept on .*\(its owner\), 7 keys moved to it, CLUSTER SETSLOT 40 STABLE/);
    expect(r.ok, r.after.problems.join("; ")).toBe(true);
    expect(await owner(40)).toBe("primary:0");
    expect(Number(await B().call("CLUSTER", "COUNTKEYSINSLOT", 40))).toBe(0);
    expect(await verifyPlacement(cluster, keys)).toMatchObject({ missing: [], duplicated: [], misplaced: [], wrongValue: [] });
  });

  it("covers a slot nobody owns on the node that holds its keys", async () => {
    await Promise.all(["primary:0", "primary:1", "primary:2"].map((n) => cluster.admin(n).call("CLUSTER", "DELSLOTS", 16000).catch(() => {})));
    const r = await fixCluster(cluster.seed());
    expect(r.before.uncoveredSlots).toEqual([[16000, 16000]]);
    expect(r.actions).toEqual([expect.stringMatching(/^slots 16000 were not covered: CLUSTER ADDSLOTS on /)]);
    expect(r.ok).toBe(true);
    expect(await owner(16000)).toBe("primary:2");
    expect(await verifyPlacement(cluster, keys)).toMatchObject({ missing: [], duplicated: [], misplaced: [], wrongValue: [] });
  });

  it("repairs what an aborted legacy migration left open", { timeout: 120_000 }, async () => {
    // Five small slots, then big ones (100 MIGRATEs each): the abort, 15 ms after the fifth
    // slot is done, lands inside the sixth rather than between two slots (which leaves nothing open).
    const many = new Map<string, string>();
    for (let s = 1000; s < 1020; s++) for (let i = 0; i < (s < 1005 ? 30 : 300); i++) many.set(`{${tagForSlot(s)}}:m${i}`, "x".repeat(200));
    await preloadKeys(cluster, many);
    const plan = planMigration({ moves: [{ slots: "1000-1019", from: "primary:0", to: "primary:2" }] }, await readTopology(cluster));
    const ac = new AbortController();
    let seen = 0;
    const outcome = await runMigration(plan, "legacy", { cluster, signal: ac.signal, now: () => performance.now(), params: { pipeline: 3 } }, (e) => {
      if (e.kind === "slot-done" && ++seen === 5) setTimeout(() => ac.abort(), 15);
    }, { settleMs: 500 });
    expect(outcome.outcome).toBe("cancelled");
    expect(outcome.verification?.healthy).toBe(false);
    expect(outcome.verification?.problems.join(" ")).toMatch(/slot \d+ is open/);
    const r = await fixCluster(cluster.seed());
    expect(r.actions.length).toBeGreaterThan(0);
    expect(r.ok, r.after.problems.join("; ")).toBe(true);
    expect(await verifyPlacement(cluster, many)).toMatchObject({ missing: [], duplicated: [], misplaced: [], wrongValue: [] });
  });

  it("refuses non-loopback and malformed seeds", async () => {
    await expect(fixCluster("10.0.0.1:7000")).rejects.toBeInstanceOf(UsageError);
    await expect(fixCluster("nonsense")).rejects.toThrow(/seed: 'nonsense' is not allowed: use host:port/);
  });
});

// Two primaries claiming one slot only lasts while the cluster bus is cut: with gossip
// flowing, Valkey settles the double claim by config epoch within a second and the losing
// primary deletes its copies of the slot's keys. So the bus is frozen on every node
// (DEBUG DROP-CLUSTER-PACKET-FILTER -2, closing links on each drop so they reconnect at
// once when it thaws), with a node timeout long enough that nobody is flagged failing meanwhile.
describe("fixCluster: a slot two primaries claim (split brain on a frozen cluster bus)", () => {
  let cluster: LocalCluster;
  let A: NodeInfo, B: NodeInfo, C: NodeInfo;
  const admin = (n: NodeInfo) => cluster.admin(n.name);
  const setBus = (frozen: boolean) => freezeClusterBus(cluster, frozen);

  /** The real `valkey-cli --cluster check` of the installed server, bounded. */
  function cliCheck(...extra: string[]): Promise<{ code: number; out: string }> {
    return new Promise((resolve) => {
      execFile(cluster.cliPath, ["--cluster", "check", cluster.seed(), ...extra], { timeout: 20_000 }, (err, stdout, stderr) => {
        const code = err ? (typeof err.code === "number" ? err.code : -1) : 0;
        resolve({ code, out: `${stdout}${stderr}` });
      });
    });
  }

  const ownerName = async (slot: number) => (await readTopology(cluster)).find((n) => n.slots.some(([x, y]) => slot >= x && slot <= y))?.name;
  const keysIn = (slot: number, prefix: string, n: number) => Array.from({ length: n }, (_, i) => `{${tagForSlot(slot)}}:${prefix}${i}`);
  const setAll = async (n: NodeInfo, entries: Array<[string, string]>) => {
    for (const [k, v] of entries) await admin(n).set(k, v);
  };

  beforeAll(async () => {
    cluster = await startLocalCluster({ server: "valkey-9.1", primaries: 3, replicasPerPrimary: 0, config: { "cluster-node-timeout": "15000" } });
    [A, B, C] = ["primary:0", "primary:1", "primary:2"].map((n) => cluster.node(n));
  });
  afterAll(async () => {
    if (cluster) await setBus(false).catch(() => {});
    await cluster?.stop();
  });

  it("refuses, like valkey-cli, when the claimants hold different values of one key; fixes it once the stale copy is gone", { timeout: 60_000 }, async () => {
    const slot = 200; // owned by primary:0
    const own = keysIn(slot, "a", 3).map((k) => [k, `A-${k}`] as [string, string]);
    const [clash] = keysIn(slot, "clash", 1);
    await setAll(A, [...own, [clash, "from-A"]]);
    await setBus(true);
    try {
      await admin(B).call("CLUSTER", "SETSLOT", slot, "NODE", B.id);
      await admin(B).set(clash, "from-B");
      await expect(fixCluster(cluster.seed())).rejects.toThrow(new RegExp(`slot ${slot}: 1 key\\(s\\) exist on both nodes with different values \\(${clash.replace(/[{}]/g, "\\$&")}\\)`));
      // Nothing was lost: both copies are still there, each on its claimant.
      expect([await admin(A).get(clash), await admin(B).get(clash)]).toEqual(["from-A", "from-B"]);
      // The operator decides: B's copy goes. Now the fix goes through.
      await admin(B).del(clash);
      const r = await fixCluster(cluster.seed());
      expect(r.actions).toEqual([expect.stringMatching(new RegExp(`^slot ${slot} \\(claimed by .* and .*\\): kept on .*\\(${A.id.slice(0, 8)}\\) \\(chosen among 2 claimants by keys held\\)`))]);
      expect(r.ok, r.after.problems.join("; ")).toBe(true);
    } finally {
      await setBus(false);
    }
    await cluster.waitHealthy(15_000);
    expect(await ownerName(slot)).toBe("primary:0");
    expect(await verifyPlacement(cluster, new Map([...own, [clash, "from-A"]]))).toMatchObject({ missing: [], duplicated: [], misplaced: [], wrongValue: [] });
  });

  it("keeps each slot on the claimant with most keys, moves the other's keys to it; valkey-cli --cluster check agrees", { timeout: 90_000 }, async () => {
    const s1 = 100, s2 = 16000; // owned by primary:0 and primary:2
    const onA = keysIn(s1, "a", 4).map((k) => [k, `A-${k}`] as [string, string]);
    const shared: [string, string] = [keysIn(s1, "same", 1)[0], "same value on both"];
    const onB1 = keysIn(s1, "b", 6).map((k) => [k, `B-${k}`] as [string, string]);
    const onC = keysIn(s2, "c", 6).map((k) => [k, `C-${k}`] as [string, string]);
    const onB2 = keysIn(s2, "b", 2).map((k) => [k, `B-${k}`] as [string, string]);
    await setAll(A, [...onA, shared]);
    await setAll(C, onC);
    await setBus(true);
    let before: { code: number; out: string };
    try {
      // primary:1 claims both slots in its own view and takes writes for them.
      await admin(B).call("CLUSTER", "SETSLOT", s1, "NODE", B.id);
      await admin(B).call("CLUSTER", "SETSLOT", s2, "NODE", B.id);
      await setAll(B, [...onB1, shared, ...onB2]);
      before = await cliCheck("--cluster-search-multiple-owners");
      const r = await fixCluster(cluster.seed());
      expect(r.before.agreement).toBe(false);
      expect(r.actions).toHaveLength(2);
      // s1: primary:1 holds 7 keys, primary:0 5 (one the same): primary:1 keeps it, even though
      // most nodes routed to primary:0; the equal copy is replaced, not refused.
      expect(r.actions[0]).toMatch(new RegExp(`^slot ${s1} \\(claimed by .*\\): kept on .*\\(${B.id.slice(0, 8)}\\) \\(chosen among 2 claimants by keys held\\), 5 keys moved to it, .*CLUSTER BUMPEPOCH on the owner`));
      // s2: primary:2 holds 6, primary:1 2: primary:2 keeps it.
      expect(r.actions[1]).toMatch(new RegExp(`^slot ${s2} \\(claimed by .*\\): kept on .*\\(${C.id.slice(0, 8)}\\) \\(chosen among 2 claimants by keys held\\), 2 keys moved to it`));
      expect(r.ok, r.after.problems.join("; ")).toBe(true);
    } finally {
      await setBus(false);
    }
    // Before: valkey-cli saw the disagreement and both owners.
    expect(before.code).not.toBe(0);
    expect(before.out).toContain("[ERR] Nodes don't agree about configuration!");
    expect(before.out).toMatch(new RegExp(`Slot ${s1} has 2 owners`));
    expect(before.out).toMatch(new RegExp(`Slot ${s2} has 2 owners`));
    // After, with gossip flowing again: one slot map, healthy, every key once on its owner.
    await cluster.waitHealthy(15_000);
    const after = await cliCheck("--cluster-search-multiple-owners");
    expect(after.code, after.out).toBe(0);
    expect(after.out).toContain("[OK] All nodes agree about slots configuration.");
    expect(after.out).toContain("[OK] All 16384 slots covered.");
    expect(after.out).toContain("[OK] No multiple owners found.");
    expect([await ownerName(s1), await ownerName(s2)]).toEqual(["primary:1", "primary:2"]);
    const all = new Map([...onA, shared, ...onB1, ...onC, ...onB2]);
    expect(all.size).toBe(4 + 1 + 6 + 6 + 2);
    expect(await verifyPlacement(cluster, all)).toMatchObject({ checked: 19, missing: [], duplicated: [], misplaced: [], wrongValue: [] });
  });
});
