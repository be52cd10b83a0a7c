import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalCluster } from "../providers/local.ts";
import { runMigration } from "./driver.ts";
import { planMigration, readTopology } from "./planner.ts";
import { ProgressObserver } from "./progress.ts";
import { preloadKeys, startTestCluster, tagForSlot } from "./testkit.ts";
import type { MigrationEvent, ProgressSample } from "./types.ts";

describe("ProgressObserver", () => {
  let cluster: LocalCluster;
  beforeAll(async () => {
    cluster = await startTestCluster("valkey-9.1");
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  for (const strategy of ["legacy", "atomic"] as const) {
    it(`${strategy}: reports slots and keys over time and fires progress points`, { timeout: 120_000 }, async () => {
      const from = strategy === "legacy" ? 2000 : 3000;
      const keys = new Map<string, string>();
      for (let s = from; s < from + 200; s++) for (let i = 0; i < 5; i++) keys.set(`{${tagForSlot(s)}}:p${i}`, "v");
      await preloadKeys(cluster, keys);
      const plan = planMigration({ moves: [{ slots: `${from}-${from + 199}`, from: "primary:0", to: "primary:2" }] }, await readTopology(cluster));
      const t0 = performance.now();
      const now = () => performance.now() - t0;
      const observer = new ProgressObserver(cluster, plan, { now, intervalMs: 50 });
      const half: ProgressSample[] = [];
      observer.at(0.5, (s) => half.push(s));
      const done = observer.whenAt(1);
      const events: MigrationEvent[] = [];
      const outcome = await runMigration(plan, strategy, { cluster, signal: new AbortController().signal, now, params: {} }, (e) => events.push(e), { observer });
      expect(outcome.outcome, outcome.error).toBe("success");
      const samples = observer.samples();
      expect(samples[0]).toMatchObject({ slotsMoved: 0, slotsPlanned: 200, keysMoved: 0, keysPlanned: 1000 });
      expect(samples.at(-1)).toMatchObject({ slotsMoved: 200, slotsPlanned: 200, keysMoved: 1000, keysPlanned: 1000 });
      expect(samples.every((s, i) => i === 0 || (s.atMs >= samples[i - 1].atMs && s.slotsMoved >= samples[i - 1].slotsMoved))).toBe(true);
      expect(half).toHaveLength(1);
      expect(half[0].slotsMoved).toBeGreaterThanOrEqual(100);
      expect((await done)?.slotsMoved).toBe(200);
      const progress = events.filter((e) => e.kind === "progress");
      expect(progress.length).toBeGreaterThanOrEqual(2);
      expect(events[0]).toMatchObject({ kind: "started", strategy, slotsPlanned: 200, keysPlanned: 1000 });
      expect(events.at(-1)).toMatchObject({ kind: "finished", outcome: "success", keysMoved: 1000 });
      expect(outcome).toMatchObject({ slotsMoved: 200, keysMoved: 1000 });
      expect(outcome.keysPerSec).toBeGreaterThan(0);
      if (strategy === "legacy") {
        // legacy moves slot by slot: the observer sees intermediate points, and the 50% point fires mid-way
        expect(progress.some((e) => Number(e.slotsMoved) > 0 && Number(e.slotsMoved) < 200)).toBe(true);
        expect(half[0].slotsMoved).toBeLessThan(200);
        expect(half[0].atMs).toBeLessThan(outcome.finishedAtMs!);
      }
    });
  }
});
