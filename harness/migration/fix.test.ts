import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UsageError } from "../errors.ts";
import type { LocalCluster } from "../providers/local.ts";
import { runMigration } from "./driver.ts";
import { fixCluster, formatFixReport } from "./fix.ts";
import { planMigration, readTopology } from "./planner.ts";
import { preloadKeys, startTestCluster, tagForSlot, verifyPlacement } from "./testkit.ts";

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
    const many = new Map<string, string>();
    for (let s = 1000; s < 1100; s++) for (let i = 0; i < 30; i++) many.set(`{${tagForSlot(s)}}:m${i}`, "x".repeat(200));
    await preloadKeys(cluster, many);
    const plan = planMigration({ moves: [{ slots: "1000-1099", from: "primary:0", to: "primary:2" }] }, await readTopology(cluster));
    const ac = new AbortController();
    let seen = 0;
    const outcome = await runMigration(plan, "legacy", { cluster, signal: ac.signal, now: () => performance.now(), params: { pipeline: 3 } }, (e) => {
      if (e.kind === "slot-done" && ++seen === 5) setTimeout(() => ac.abort(), 5);
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
