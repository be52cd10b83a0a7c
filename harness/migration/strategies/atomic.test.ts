import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UsageError } from "../../errors.ts";
import type { LocalCluster } from "../../providers/local.ts";
import { runMigration } from "../driver.ts";
import { planMigration, readTopology } from "../planner.ts";
import { migratePhase, preloadKeys, startTestCluster, tagForSlot, testDataset, verifyPlacement, type PhaseResult } from "../testkit.ts";
import type { MigrationEvent } from "../types.ts";

describe("atomic strategy (valkey 9.1)", () => {
  let cluster: LocalCluster;
  const data = testDataset(3000);
  let out: PhaseResult;

  beforeAll(async () => {
    cluster = await startTestCluster("valkey-9.1");
    await preloadKeys(cluster, data.entries);
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it("scales out 3→4 under load; every preloaded key exactly once on its new owner", { timeout: 120_000 }, async () => {
    out = await migratePhase(cluster, { scaleOut: 1 }, "atomic", {}, data);
    expect(out.outcome.outcome, out.outcome.error).toBe("success");
    expect(out.outcome.verification?.healthy).toBe(true);
    expect(out.outcome.slotsMoved).toBe(4096);
    expect(out.placement).toMatchObject({ missing: [], duplicated: [], misplaced: [], wrongValue: [] });
    // one job per source→target pair, each seen through its states to success on both sides
    const states = out.events.filter((e) => e.kind === "job-state");
    const jobs = new Set(states.map((e) => e.jobId));
    expect(jobs.size).toBe(3);
    for (const j of jobs) {
      expect(states.filter((e) => e.jobId === j && e.side === "export").at(-1)?.state).toBe("success");
      expect(states.some((e) => e.jobId === j && e.side === "import")).toBe(true);
    }
    expect(states.every((e, i) => i === 0 || e.atMs >= states[i - 1].atMs)).toBe(true);
    console.log(`atomic scale-out: ${out.outcome.durationMs} ms, ${out.outcome.keysMoved} keys, errors ${JSON.stringify(out.errors)}, load ${out.load.ops} ops; states ${[...new Set(states.map((e) => `${e.side}:${e.state}`))].join(" ")}`);
  });

  it("never redirects with ASK or answers TRYAGAIN", () => {
    expect(out.load.ops).toBeGreaterThan(100);
    expect(out.errors.ASK ?? 0).toBe(0);
    expect(out.errors.TRYAGAIN ?? 0).toBe(0);
  });

  it("scales back in 4→3 and removes new:0", { timeout: 120_000 }, async () => {
    const back = await migratePhase(cluster, { scaleIn: 1 }, "atomic", { parallel: 1 }, data);
    expect(back.outcome.outcome, back.outcome.error).toBe("success");
    expect(back.removed).toEqual(["new:0"]);
    expect(back.placement).toMatchObject({ missing: [], duplicated: [], misplaced: [], wrongValue: [] });
    expect(back.errors.ASK ?? 0).toBe(0);
    expect(back.errors.TRYAGAIN ?? 0).toBe(0);
    expect((await cluster.health()).ok).toBe(true);
    console.log(`atomic scale-in: ${back.outcome.durationMs} ms, ${back.outcome.keysMoved} keys, errors ${JSON.stringify(back.errors)}`);
  });

  it("cancels its jobs with CLUSTER CANCELSLOTMIGRATIONS when aborted", { timeout: 120_000 }, async () => {
    // enough data that the snapshot takes a while
    const big = new Map<string, string>();
    const value = "z".repeat(8192);
    for (let s = 0; s < 1000; s++) for (let i = 0; i < 12; i++) big.set(`{${tagForSlot(s)}}:big${i}`, value);
    await preloadKeys(cluster, big);
    const plan = planMigration({ moves: [{ slots: "0-999", from: "primary:0", to: "primary:1" }] }, await readTopology(cluster));
    const ac = new AbortController();
    const events: MigrationEvent[] = [];
    const t0 = performance.now();
    const outcome = await runMigration(plan, "atomic", { cluster, signal: ac.signal, now: () => performance.now() - t0, params: {} }, (e) => {
      events.push(e);
      if (e.kind === "move-started") ac.abort();
    });
    expect(outcome.outcome).toBe("cancelled");
    expect(events.some((e) => e.kind === "job-state" && e.state === "cancelled")).toBe(true);
    expect(outcome.verification?.healthy).toBe(true);
    // nothing half-moved: every key still on primary:0, which still owns the slots
    const placement = await verifyPlacement(cluster, big);
    expect(placement).toMatchObject({ missing: [], duplicated: [], misplaced: [], wrongValue: [] });
    const first = (await readTopology(cluster)).find((n) => n.name === "primary:0")!.slots[0];
    expect(first[0]).toBe(0);
    expect(first[1]).toBeGreaterThanOrEqual(999);
  });
});

describe("atomic strategy (redis 7.0)", () => {
  it("refuses with a clear error naming the server version", async () => {
    const cluster = await startTestCluster("redis-7.0");
    try {
      const plan = planMigration({ moves: [{ slots: "0-10", from: "primary:0", to: "primary:1" }] }, await readTopology(cluster));
      const run = runMigration(plan, "atomic", { cluster, signal: new AbortController().signal, now: () => 0, params: {} });
      await expect(run).rejects.toBeInstanceOf(UsageError);
      await expect(run).rejects.toThrow(/atomic.*Valkey 9\.0 or newer.*redis-7\.0 version 7\.0\.15/);
    } finally {
      await cluster.stop();
    }
  });
});
