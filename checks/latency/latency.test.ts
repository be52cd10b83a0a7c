import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { RunRecordForChecks } from "../../results/model.ts";
import type { LatencySummary, MetricsWindow } from "../../workloads/metrics-types.ts";
import { checkLatency, isSpike, latency, pickBaselinePhase, seriesFigures, throughput } from "./index.ts";

const sum = (p99Us: number, count = 100, maxUs = p99Us * 2): LatencySummary => ({ count, p50: p99Us / 4, p90: p99Us / 2, p99: p99Us, p999: p99Us * 1.5, max: maxUs, mean: p99Us / 3 });

function win(startMs: number, p99Us: number, extra: Partial<MetricsWindow> = {}): MetricsWindow {
  return {
    startMs, durationMs: 1000, ops: 1000, latency: sum(p99Us), service: sum(p99Us),
    byClass: {}, bySlotClass: {}, errors: {}, redirects: { MOVED: 0, ASK: 0, TRYAGAIN: 0 }, late: 0, dropped: 0, ...extra,
  };
}

/** 10 s baseline at 1 ms p99, then a 10 s migration phase with the given p99s. */
function run(migrationP99s: number[], extra: (i: number) => Partial<MetricsWindow> = () => ({})): RunRecordForChecks {
  const windows: MetricsWindow[] = [];
  for (let i = 0; i < 10; i++) windows.push(win(i * 1000, 1000, extra(i)));
  migrationP99s.forEach((p, i) => windows.push(win(10_000 + i * 1000, p, extra(10 + i))));
  return {
    windows,
    phases: [{ name: "baseline", startMs: 0, endMs: 10_000 }, { name: "migrate", startMs: 10_000, endMs: 10_000 + migrationP99s.length * 1000 }],
    migration: { strategy: "legacy", outcome: "success", startedAtMs: 10_000, finishedAtMs: 15_000, durationMs: 5000, slotsPlanned: 10, slotsMoved: 10, keysMoved: 100 },
    migrationEvents: [],
    faults: [],
    migratingSlots: [],
  };
}

describe("spike rule", () => {
  it("needs both the factor and the floor", () => {
    const rule = { factor: 5, floorMs: 5 };
    expect(isSpike(5_001, 1000, rule)).toBe(false); // 5x but only +4 ms
    expect(isSpike(6_001, 1000, rule)).toBe(true); // 6x and +5 ms
    expect(isSpike(30_000, 20_000, rule)).toBe(false); // +10 ms but only 1.5x
    expect(isSpike(100_001, 20_000, rule)).toBe(true);
  });

  it("merges consecutive spike windows into one spike and measures its span", () => {
    const f = seriesFigures(run([1000, 9000, 20_000, 8000, 1000, 7000]).windows, 1000, { factor: 5, floorMs: 5 });
    expect(f.spikeCount).toBe(2);
    expect(f.spikes[0]).toMatchObject({ startMs: 11_000, endMs: 14_000, peakP99Us: 20_000, ratio: 20, windows: 3 });
    expect(f.spikes[1]).toMatchObject({ startMs: 15_000, endMs: 16_000, peakP99Us: 7000, windows: 1 });
    expect(f.spikeMs).toBe(4000);
    expect(f.worstP99Ratio).toBe(20);
    expect(f.worstP99AtMs).toBe(12_000);
  });

  it("property: spike time equals the time of windows that satisfy the rule; ratio is the max", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 200_000 }), { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 100, max: 20_000 }),
        fc.double({ min: 1, max: 20, noNaN: true }),
        fc.double({ min: 0, max: 50, noNaN: true }),
        (p99s, base, factor, floorMs) => {
          const ws = p99s.map((p, i) => win(i * 1000, p));
          const rule = { factor, floorMs };
          const f = seriesFigures(ws, base, rule);
          const hot = p99s.filter((p) => isSpike(p, base, rule)).length;
          expect(f.spikeMs).toBe(hot * 1000);
          expect(f.spikes.reduce((a, s) => a + s.windows, 0)).toBe(hot);
          expect(f.worstP99Ratio).toBeCloseTo(Math.max(...p99s) / base, 9);
          for (const s of f.spikes) expect(s.ratio).toBeGreaterThan(factor);
          // spikes never touch: a gap separates them
          for (let i = 1; i < f.spikes.length; i++) expect(f.spikes[i].startMs).toBeGreaterThan(f.spikes[i - 1].endMs);
        },
      ),
    );
  });
});

describe("latency checker", () => {
  it("baseline is the phase before the migration's; figures for a spike", () => {
    const r = checkLatency(run([1000, 1000, 50_000, 1000]));
    expect(r.baselinePhase).toBe("baseline");
    expect(r.baselineP99Us).toBe(1000);
    expect(r.worstP99Ratio).toBe(50);
    expect(r.spikeCount).toBe(1);
    expect(r.spikeMs).toBe(1000);
    expect(r.maxLatencyUs).toBe(100_000);
    expect(r.worstWindow).toMatchObject({ startMs: 12_000, p99Us: 50_000, p999Us: 75_000, maxUs: 100_000, opsPerSec: 1000, late: 0 });
    expect(r.valid).toBe(true); // spikes are figures; no hard limit set
  });

  it("a hard limit makes it fail, naming the limit", () => {
    const r = checkLatency(run([1000, 50_000]), { maxP99SpikeRatio: 10 });
    expect(r.valid).toBe(false);
    expect(r.summary).toMatch(/maxP99SpikeRatio 10 exceeded: 50/);
    expect(checkLatency(run([1000, 5000]), { maxP99SpikeRatio: 10 }).valid).toBe(true);
  });

  it("is unknown without windows", () => {
    const r = run([]);
    r.windows = [];
    expect(checkLatency(r).valid).toBe("unknown");
  });

  it("reports reads vs writes and migrating vs other keys separately", () => {
    const r = checkLatency(run([1000, 1000, 1000], (i) => ({
      byClass: { read: sum(1000), write: sum(i === 11 ? 40_000 : 1000) },
      bySlotClass: { migrating: sum(i === 11 ? 80_000 : 2000), other: sum(1000) },
    })));
    expect(r.byClass.read?.spikeCount).toBe(0);
    expect(r.byClass.write?.worstP99Ratio).toBe(40);
    expect(r.bySlotClass.migrating?.worstP99Ratio).toBe(40);
    expect(r.bySlotClass.other?.spikeCount).toBe(0);
  });

  it("throughput dip: deepest fall below the baseline rate, ignoring a short last window", () => {
    const r = run([1000, 1000, 1000], (i) => ({ ops: i === 11 ? 250 : 1000 }));
    r.windows.push({ ...win(13_000, 1000), durationMs: 100, ops: 1 });
    const tp = throughput(r.windows.slice(10), r.windows.slice(0, 10));
    expect(tp.baselineOpsPerSec).toBe(1000);
    expect(tp.minOpsPerSec).toBe(250);
    expect(tp.dip).toBeCloseTo(0.75);
  });

  it("picks baseline phases by name, the phase before the migration, or 'baseline'", () => {
    const r = run([1000]);
    r.phases = [{ name: "warmup", startMs: 0, endMs: 2000 }, { name: "steady", startMs: 2000, endMs: 10_000 }, { name: "migrate", startMs: 10_000, endMs: 11_000 }];
    expect(pickBaselinePhase(r)?.name).toBe("steady");
    expect(pickBaselinePhase(r, "warmup")?.name).toBe("warmup");
    expect(() => pickBaselinePhase(r, "nope")).toThrow(/no phase is called "nope"; phases of this run: warmup, steady, migrate/);
  });

  it("rejects unknown params through the Checker", async () => {
    await expect(latency.check({ history: [], model: "register", run: run([1000]), params: { fator: 3 } })).rejects.toThrow(/latency param "fator" is unknown/);
  });
});
