import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalCluster } from "../../providers/local.ts";
import { migratePhase, startTestCluster, testDataset, preloadKeys, type PhaseResult } from "../testkit.ts";

describe("legacy strategy (valkey 9.1)", () => {
  let cluster: LocalCluster;
  const data = testDataset(3000);
  let out: PhaseResult;
  let back: PhaseResult;

  beforeAll(async () => {
    cluster = await startTestCluster("valkey-9.1");
    await preloadKeys(cluster, data.entries);
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it("scales out 3→4 under load; every preloaded key exactly once on its new owner", { timeout: 300_000 }, async () => {
    out = await migratePhase(cluster, { scaleOut: 1 }, "legacy", {}, data);
    expect(out.outcome.outcome, out.outcome.error).toBe("success");
    expect(out.outcome.verification?.healthy).toBe(true);
    expect(out.outcome.slotsMoved).toBe(4096);
    expect(out.placement).toMatchObject({ missing: [], duplicated: [], misplaced: [], wrongValue: [] });
    expect(out.load.ops).toBeGreaterThan(100);
    const slotDone = out.events.filter((e) => e.kind === "slot-done");
    expect(slotDone).toHaveLength(4096);
    // keys the observer saw move: the preloaded ones in the planned slots (and some load keys)
    expect(out.outcome.keysMoved).toBeGreaterThan(700 + 64 * 40 / 4);
    console.log(`legacy scale-out: ${out.outcome.durationMs} ms, ${out.outcome.keysMoved} keys, errors ${JSON.stringify(out.errors)}, load ${out.load.ops} ops`);
  });

  it("redirects clients with ASK and answers multi-key commands with TRYAGAIN while slots are open", () => {
    expect(out.errors.ASK ?? 0).toBeGreaterThan(0);
    expect(out.errors.TRYAGAIN ?? 0).toBeGreaterThan(0);
  });

  it("scales back in 4→3 and removes new:0", { timeout: 300_000 }, async () => {
    back = await migratePhase(cluster, { scaleIn: 1 }, "legacy", { pipeline: 25 }, data);
    expect(back.plan.removedPrimaries).toEqual(["new:0"]);
    expect(back.outcome.outcome, back.outcome.error).toBe("success");
    expect(back.removed).toEqual(["new:0"]);
    expect(cluster.nodes().filter((n) => n.role === "primary").map((n) => n.name)).toEqual(["primary:0", "primary:1", "primary:2"]);
    expect(back.placement).toMatchObject({ missing: [], duplicated: [], misplaced: [], wrongValue: [] });
    expect((await cluster.health()).ok).toBe(true);
    console.log(`legacy scale-in: ${back.outcome.durationMs} ms, ${back.outcome.keysMoved} keys, errors ${JSON.stringify(back.errors)}`);
  });
});

describe("legacy strategy (redis 7.0)", () => {
  it("moves explicit slots between primaries", async () => {
    const cluster = await startTestCluster("redis-7.0");
    try {
      const data = testDataset(2000);
      await preloadKeys(cluster, data.entries);
      const r = await migratePhase(cluster, { moves: [{ slots: "0-300", from: "primary:0", to: "primary:1" }] }, "legacy", { pipeline: 5 }, data);
      expect(r.outcome.outcome, r.outcome.error).toBe("success");
      expect(r.outcome.slotsMoved).toBe(301);
      expect(r.placement).toMatchObject({ missing: [], duplicated: [], misplaced: [], wrongValue: [] });
      expect(r.errors.ASK ?? 0).toBeGreaterThan(0);
    } finally {
      await cluster.stop();
    }
  });
});
