import * as hdr from "hdr-histogram-js";
import { describe, expect, it } from "vitest";
import type { MetricsWindow } from "../../workloads/metrics-types.ts";
import { makeLargeFixture, makeRunFixture } from "../fixtures/run-fixture.ts";
import { percentileCurves } from "./percentiles.ts";

const monotone = (xs: (number | null)[]) => {
  const v = xs.filter((x): x is number => x !== null);
  return v.every((x, i) => i === 0 || x >= v[i - 1]);
};

describe("percentileCurves", () => {
  it("merges embedded HdrHistograms exactly, per phase and for the whole run", () => {
    const r = makeRunFixture();
    const c = percentileCurves(r.windows, r.phases);
    expect(c.series.map((s) => s.name)).toEqual(["whole run", ...r.phases.map((p) => p.name)]);
    const whole = c.series[0];
    expect(whole.source).toBe("hdr");
    const merged = hdr.build();
    for (const w of r.windows) merged.add(hdr.decodeFromCompressedBase64(w.hdr!));
    const i99 = c.x.findIndex((x) => Math.abs(x - 100) < 1e-9);
    expect(whole.valuesUs[i99]).toBe(merged.getValueAtPercentile(99));
    expect(whole.count).toBe(merged.totalCount);
    for (const s of c.series) expect(monotone(s.valuesUs)).toBe(true);
  });

  it("does not draw percentiles the data cannot support", () => {
    const r = makeRunFixture({ durationS: 4 });
    const c = percentileCurves(r.windows, []);
    const s = c.series[0];
    c.x.forEach((x, i) => { if (x > s.count) expect(s.valuesUs[i]).toBeNull(); });
  });

  it("estimates from summaries when windows carry no histogram, and says so", () => {
    const w: MetricsWindow = {
      startMs: 0, durationMs: 1000, ops: 10_000,
      latency: { count: 10_000, p50: 200, p90: 400, p99: 1000, p999: 3000, max: 9000, mean: 260 },
      service: { count: 10_000, p50: 200, p90: 400, p99: 1000, p999: 3000, max: 9000, mean: 260 },
      byClass: {}, bySlotClass: {}, errors: {}, redirects: { MOVED: 0, ASK: 0, TRYAGAIN: 0 }, late: 0, dropped: 0,
    };
    const same = Array.from({ length: 20 }, (_, i) => ({ ...w, startMs: i * 1000 }));
    const c = percentileCurves(same, []);
    const s = c.series[0];
    expect(s.source).toBe("estimate");
    const at = (x: number) => s.valuesUs[c.x.findIndex((v) => Math.abs(v - x) < 1e-9)]!;
    // identical windows: the mixture is the window itself
    expect(at(2) / 200).toBeCloseTo(1, 1);
    expect(at(10) / 400).toBeCloseTo(1, 1);
    expect(at(100) / 1000).toBeCloseTo(1, 1);
    expect(at(1000) / 3000).toBeCloseTo(1, 1);
    expect(s.valuesUs[0]).toBeNull(); // below the median is not drawn
    expect(monotone(s.valuesUs)).toBe(true);
  });

  it("handles an hour of 100 ms windows", () => {
    const r = makeLargeFixture({ durationS: 3600 });
    const c = percentileCurves(r.windows, r.phases);
    expect(c.series.every((s) => s.source === "estimate")).toBe(true);
    expect(c.series[0].count).toBe(r.windows.reduce((a, w) => a + w.latency.count, 0));
  });
});
