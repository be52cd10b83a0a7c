import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ArrivalSchedule, WorkerArrivals } from "./arrival.ts";

describe("arrival schedules", () => {
  it("constant rate: op j at j/rate", () => {
    const s = new ArrivalSchedule({ rate: 2000 });
    expect(s.timeOf(0)).toBe(0);
    expect(s.timeOf(2000)).toBeCloseTo(1000, 9);
    expect(s.dueAt(0)).toBe(1);
    expect(s.dueAt(1000)).toBe(2001);
  });

  it("a linear ramp delivers its area, then the last rate holds", () => {
    const s = new ArrivalSchedule({ ramp: [{ from: 0, to: 1000, durationMs: 2000 }, { from: 1000, to: 1000, durationMs: 1000 }] });
    expect(s.countAt(2000)).toBeCloseTo(1000, 6);
    expect(s.countAt(3000)).toBeCloseTo(2000, 6);
    expect(s.countAt(4000)).toBeCloseTo(3000, 6);
    expect(s.rateAt(1000)).toBeCloseTo(500, 6);
    // half the first step's ops arrive in its last 30% of time (rate grows linearly)
    expect(s.timeOf(500)).toBeCloseTo(2000 * Math.SQRT1_2, 6);
  });

  it("timeOf and dueAt agree for arbitrary ramps", () => {
    const step = fc.record({ from: fc.integer({ min: 0, max: 5000 }), to: fc.integer({ min: 0, max: 5000 }), durationMs: fc.integer({ min: 1, max: 5000 }) });
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 4 }), fc.integer({ min: 1, max: 3000 }), (ramp, j) => {
        const s = new ArrivalSchedule({ ramp });
        const t = s.timeOf(j);
        if (t === Infinity) return s.countAt(1e9) < j + 1;
        // op j is due at its time and not noticeably before
        return s.dueAt(t + 1e-6) >= j + 1 && (t < 1e-3 || s.dueAt(t - 1e-3) <= j + 1) && s.timeOf(j + 1) >= t;
      }),
      { numRuns: 500 },
    );
  });

  it("workers interleave one schedule without gaps or overlaps", () => {
    const s = new ArrivalSchedule({ rate: 3000 });
    const ws = [0, 1, 2].map((w) => new WorkerArrivals(s, w, 3));
    for (const t of [0, 0.5, 1, 7.3, 1000]) expect(ws.reduce((a, w) => a + w.dueAt(t), 0)).toBe(s.dueAt(t));
    const times = ws.flatMap((w) => Array.from({ length: 100 }, (_, i) => w.timeOf(i))).sort((a, b) => a - b);
    for (let i = 0; i < 300; i++) expect(times[i]).toBeCloseTo(i / 3, 9);
  });

  it("rejects a missing or non-positive rate", () => {
    expect(() => new ArrivalSchedule({})).toThrow(/workload.rate/);
    expect(() => new ArrivalSchedule({ ramp: [{ from: -1, to: 1, durationMs: 5 }] })).toThrow(/ramp\[0\].from/);
  });
});
