import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { MetricsWindow } from "../workloads/metrics-types.ts";
import { deriveSpikes, keyFigures } from "./derive.ts";
import { makeErrorFixture, makeRunFixture } from "./fixtures/run-fixture.ts";

const win = (i: number, p99: number, count = 100): MetricsWindow => ({
  startMs: i * 1000, durationMs: 1000, ops: count,
  latency: { count, p50: 100, p90: 200, p99, p999: p99, max: p99, mean: 120 },
  service: { count, p50: 100, p90: 200, p99, p999: p99, max: p99, mean: 120 },
  byClass: {}, bySlotClass: {}, errors: {}, redirects: { MOVED: 0, ASK: 0, TRYAGAIN: 0 }, late: 0, dropped: 0,
});

describe("deriveSpikes", () => {
  it("merges consecutive hot windows into disjoint spans that cover exactly the hot windows", () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 1, max: 10_000 }), { maxLength: 200 }), (p99s) => {
      const ws = p99s.map((p, i) => win(i, p));
      const spikes = deriveSpikes(ws, 1000, 3);
      const hot = ws.filter((w) => w.latency.p99 > 3000).length;
      expect(spikes.reduce((a, s) => a + (s.endMs - s.startMs), 0)).toBe(hot * 1000);
      spikes.forEach((s, i) => {
        if (i > 0) expect(s.startMs).toBeGreaterThan(spikes[i - 1].endMs);
        expect(s.ratio).toBe((s.peakP99Us ?? 0) / 1000);
      });
    }));
  });
});

describe("keyFigures", () => {
  it("prefers the latency checker's figures and derives the rest from windows", () => {
    const f = keyFigures(makeRunFixture());
    expect(f.baselineP99Us).toBe(950);
    expect(f.worstP99Ratio).toBe(1053);
    expect(f.spikesFrom).toBe("checker");
    expect(f.spikeMs).toBe(4000 + 4200);
    expect(f.migrationMs).toBe(23_100);
    expect(f.keysPerSec).toBeCloseTo(25_000 / 23.1, 6);
    expect(f.redirects.total).toBe(f.redirects.MOVED + f.redirects.ASK + f.redirects.TRYAGAIN);
  });

  it("derives baseline and spikes from windows when no checker gave them", () => {
    const r = makeRunFixture();
    delete r.checks.latency;
    const f = keyFigures(r);
    expect(f.spikesFrom).toBe("windows");
    expect(f.baselineP99Us).toBeGreaterThan(800);
    expect(f.baselineP99Us).toBeLessThan(1100);
    expect(f.spikes.length).toBeGreaterThanOrEqual(2);
    expect(f.worstP99Ratio).toBeGreaterThan(100);
  });

  it("copes with a run that has no windows", () => {
    const f = keyFigures(makeErrorFixture());
    expect(f.ops).toBe(0);
    expect(f.baselineP99Us).toBeUndefined();
    expect(f.spikes).toEqual([]);
  });
});
