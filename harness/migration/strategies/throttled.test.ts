import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UsageError } from "../../errors.ts";
import type { LocalCluster } from "../../providers/local.ts";
import { runMigration } from "../driver.ts";
import { parseThrottledParams, resolveBudgetUs } from "./throttled.ts";
import { AimdController, BatchSizer, RateLimiter } from "../pacing.ts";
import { planMigration, readTopology } from "../planner.ts";
import { migratePhase, preloadKeys, startTestCluster, tagForSlot, testDataset, verifyPlacement } from "../testkit.ts";
import type { MigrationEvent, MigrationOutcome } from "../types.ts";

describe("pacing", () => {
  it("spreads work at the rate without bursts after a stall", () => {
    const r = new RateLimiter(100);
    expect(r.reserve(10, 0)).toBe(0);
    expect(r.reserve(10, 0)).toBe(100);
    expect(r.reserve(10, 50)).toBe(150);
    expect(r.reserve(10, 10_000)).toBe(0); // idle time is not saved up
    expect(r.reserve(10, 10_000)).toBe(100);
  });

  it("AIMD halves on a p99 over budget and adds while under", () => {
    const c = new AimdController({ budgetUs: 5000, startRate: 1000, minRate: 100, maxRate: 1200, increase: 100, decreaseFactor: 0.5 });
    expect(c.decide(9000)).toMatchObject({ decision: "decrease", rateKeysPerSec: 500 });
    expect(c.decide(undefined)).toMatchObject({ decision: "hold", rateKeysPerSec: 500 });
    expect(c.decide(1000)).toMatchObject({ decision: "increase", rateKeysPerSec: 600 });
    for (let i = 0; i < 10; i++) c.decide(1000);
    expect(c.decide(1000)).toMatchObject({ decision: "hold", rateKeysPerSec: 1200 });
    for (let i = 0; i < 10; i++) c.decide(99_000);
    expect(c.rateKeysPerSec).toBe(100);
  });
});

describe("throttled strategy (valkey 9.1)", () => {
  let cluster: LocalCluster;
  const data = testDataset(3000);

  beforeAll(async () => {
    cluster = await startTestCluster("valkey-9.1");
    await preloadKeys(cluster, data.entries);
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it("rejects unknown and bad parameters naming the field", async () => {
    const plan = planMigration({ moves: [{ slots: "0", from: "primary:0", to: "primary:1" }] }, await readTopology(cluster));
    const run = (params: Record<string, unknown>) => runMigration(plan, "throttled", { cluster, signal: new AbortController().signal, now: () => 0, params });
    await expect(run({ maxKeyPerSec: 10 })).rejects.toThrow(/migration\.params\.maxKeyPerSec: unknown parameter.*did you mean "maxKeysPerSec"/);
    await expect(run({ parallel: 0 })).rejects.toThrow(UsageError);
    await expect(run({ adaptive: { intervalMs: 100 } })).rejects.toThrow(/adaptive\.p99BudgetMs: missing/);
  });

  it("scales out 3→4 and back in, three slots in flight across source→target pairs", { timeout: 300_000 }, async () => {
    const out = await migratePhase(cluster, { scaleOut: 1 }, "throttled", { parallel: 3, maxKeysPerSec: 100_000 }, data);
    expect(out.outcome.outcome, out.outcome.error).toBe("success");
    expect(out.placement).toMatchObject({ missing: [], duplicated: [], misplaced: [], wrongValue: [] });
    const kinds = out.events.map((e) => e.kind);
    // all three moves start before the first one ends: they ran side by side
    expect(kinds.lastIndexOf("move-started")).toBeLessThan(kinds.indexOf("move-finished"));
    const back = await migratePhase(cluster, { scaleIn: 1 }, "throttled", { parallel: 3 }, data);
    expect(back.outcome.outcome, back.outcome.error).toBe("success");
    expect(back.removed).toEqual(["new:0"]);
    expect(back.placement).toMatchObject({ missing: [], duplicated: [], misplaced: [], wrongValue: [] });
    console.log(`throttled parallel 3: scale-out ${out.outcome.durationMs} ms, scale-in ${back.outcome.durationMs} ms, errors ${JSON.stringify(out.errors)} / ${JSON.stringify(back.errors)}`);
  });

  describe("pacing against legacy on the same kind of move", () => {
    // 100 slots with 30 keys each (3000 keys) per run, in disjoint ranges of primary:0
    const value = "p".repeat(1000);
    const keysIn = (from: number) => {
      const m = new Map<string, string>();
      for (let s = from; s < from + 100; s++) for (let i = 0; i < 30; i++) m.set(`{${tagForSlot(s)}}:pace${i}`, value);
      return m;
    };
    const move = async (from: number, strategy: string, params: Record<string, unknown>, liveP99Us?: () => number) => {
      const keys = keysIn(from);
      await preloadKeys(cluster, keys);
      const plan = planMigration({ moves: [{ slots: `${from}-${from + 99}`, from: "primary:0", to: "primary:1" }] }, await readTopology(cluster));
      const events: MigrationEvent[] = [];
      const t0 = performance.now();
      const outcome: MigrationOutcome = await runMigration(plan, strategy, { cluster, signal: new AbortController().signal, now: () => performance.now() - t0, params, liveP99Us }, (e) => events.push(e));
      expect(outcome.outcome, outcome.error).toBe("success");
      expect(await verifyPlacement(cluster, keys)).toMatchObject({ missing: [], duplicated: [], misplaced: [], wrongValue: [] });
      return { outcome, events, keys: keys.size };
    };
    let legacyMs = 0;

    it("a keys/s ceiling makes the move take about keys/rate, well beyond legacy", { timeout: 120_000 }, async () => {
      const legacy = await move(1000, "legacy", {});
      legacyMs = legacy.outcome.durationMs!;
      const rate = 600;
      const slow = await move(1100, "throttled", { maxKeysPerSec: rate });
      const floor = (slow.keys / rate) * 1000; // 5 s
      console.log(`legacy ${legacyMs} ms vs throttled@${rate} keys/s ${slow.outcome.durationMs} ms for ${slow.keys} keys (floor ${floor} ms), ${slow.outcome.keysPerSec} keys/s`);
      expect(slow.outcome.durationMs!).toBeGreaterThanOrEqual(floor * 0.9);
      // the ceiling adds its wait to legacy's own per-slot work, at most
      expect(slow.outcome.durationMs!).toBeLessThan(floor * 1.5 + legacyMs * 1.5);
      expect(slow.outcome.durationMs!).toBeGreaterThan(legacyMs * 1.3);
      expect(slow.outcome.keysPerSec!).toBeLessThanOrEqual(rate * 1.1);
    });

    it("a bytes/s ceiling paces by MEMORY USAGE of each batch", { timeout: 120_000 }, async () => {
      const slow = await move(1200, "throttled", { maxBytesPerSec: 1_000_000 });
      const bytes = slow.outcome.bytesMoved!;
      expect(bytes).toBeGreaterThan(3000 * 1000);
      const floor = (bytes / 1_000_000) * 1000;
      console.log(`throttled@1 MB/s: ${slow.outcome.durationMs} ms for ~${bytes} bytes (floor ${floor.toFixed(0)} ms)`);
      expect(slow.outcome.durationMs!).toBeGreaterThanOrEqual(floor * 0.8);
    });

    it("adaptive mode slows down while p99 is over budget and speeds up when it recovers", { timeout: 120_000 }, async () => {
      let calls = 0;
      // p99 of 40 ms for the first three decisions, then 1 ms
      const p99 = () => (++calls <= 3 ? 40_000 : 1_000);
      const r = await move(1300, "throttled", { adaptive: { p99BudgetMs: 10, intervalMs: 400, startKeysPerSec: 800, increaseKeysPerSec: 100 } }, p99);
      const decisions = r.events.filter((e) => e.kind === "controller");
      console.log(decisions.map((d) => `${d.decision}@${d.rateKeysPerSec} (achieved ${d.achievedKeysPerSec})`).join(" "));
      expect(decisions[0]).toMatchObject({ decision: "start", rateKeysPerSec: 800, budgetUs: 10_000 });
      expect(decisions.slice(1, 4).map((d) => d.decision)).toEqual(["decrease", "decrease", "decrease"]);
      // each decrease at least halves the limit (from the achieved rate when that was lower)
      for (let i = 1; i <= 3; i++) expect(Number(decisions[i].rateKeysPerSec)).toBeLessThanOrEqual(Number(decisions[i - 1].rateKeysPerSec) / 2 + 0.1);
      expect(decisions[3]).toMatchObject({ p99Us: 40_000 });
      // then within budget: the limit grows again by the configured step
      expect(decisions[4]).toMatchObject({ decision: "increase", p99Us: 1000 });
      expect(Number(decisions[4].rateKeysPerSec)).toBeCloseTo(Number(decisions[3].rateKeysPerSec) + 100, 0);
      expect(decisions.every((d, i) => i === 0 || d.atMs >= decisions[i - 1].atMs)).toBe(true);
    });
  });
});

describe("adaptive pacing, unit", () => {
  const base = { budgetUs: 10_000, startRate: 1000, minRate: 5, maxRate: 5000, decreaseFactor: 0.5 };

  it("halves from the rate achieved when the limit was out of reach", () => {
    const c = new AimdController(base);
    // the limit says 1000 keys/s but big keys moved only 80: halving 1000 would change nothing
    expect(c.decide(50_000, 80)).toMatchObject({ decision: "decrease", rateKeysPerSec: 40, achievedKeysPerSec: 80 });
  });

  it("does not raise a limit the migration is not reaching, and grows by 10% of the rate by default", () => {
    const c = new AimdController({ ...base, startRate: 100 });
    expect(c.decide(1_000, 30)).toMatchObject({ decision: "hold", rateKeysPerSec: 100 });
    expect(c.decide(1_000, 95)).toMatchObject({ decision: "increase", rateKeysPerSec: 110 });
    expect(c.decide(1_000, undefined)).toMatchObject({ decision: "increase", rateKeysPerSec: 121 });
  });

  it("sizes batches to the block budget from the measured time per key", () => {
    const s = new BatchSizer(10, 10);
    expect(s.size).toBe(1); // nothing measured yet: one key first
    s.record(1, 4); // 4 ms a key
    expect(s.size).toBe(2);
    s.record(2, 1); // 0.5 ms a key: grows, but slowly
    expect(s.size).toBeGreaterThan(2);
    for (let i = 0; i < 20; i++) s.record(10, 1);
    expect(s.size).toBe(10); // never beyond the pipeline
    s.record(1, 40); // one big key: shrinks at once
    expect(s.size).toBe(1);
  });
});

describe("adaptive budget", () => {
  const adaptive = (a: Record<string, unknown>) => parseThrottledParams({ adaptive: a }).adaptive!;

  it("is fixed, a factor of the run's baseline p99, or the larger of both", () => {
    expect(resolveBudgetUs(adaptive({ p99BudgetMs: 30 }), 4000)).toBe(30_000);
    expect(resolveBudgetUs(adaptive({ p99BudgetFactor: 3 }), 4000)).toBe(12_000);
    expect(resolveBudgetUs(adaptive({ p99BudgetMs: 20, p99BudgetFactor: 3 }), 4000)).toBe(20_000);
    expect(resolveBudgetUs(adaptive({ p99BudgetMs: 20, p99BudgetFactor: 3 }), 9000)).toBe(27_000);
    // no baseline: the fixed part, or a clear error naming the field
    expect(resolveBudgetUs(adaptive({ p99BudgetMs: 20, p99BudgetFactor: 3 }), undefined)).toBe(20_000);
    expect(() => resolveBudgetUs(adaptive({ p99BudgetFactor: 3 }), undefined)).toThrow(/adaptive\.p99BudgetFactor: the run has no baseline/);
  });

  it("needs one of the two, and a factor of at least 1", () => {
    expect(() => adaptive({ intervalMs: 500 })).toThrow(/p99BudgetMs: missing.*p99BudgetFactor/);
    expect(() => adaptive({ p99BudgetFactor: 0.5 })).toThrow(/adaptive\.p99BudgetFactor/);
  });
});
