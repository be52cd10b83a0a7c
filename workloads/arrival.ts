// Open-loop arrival schedules: when each op is *intended* to start. Constant rate or
// piecewise-linear ramps (k6 ramping-arrival-rate style); after the last step the
// last rate holds. Workers interleave one global schedule (worker w takes arrivals
// w, w+W, w+2W, ...) so that the sum is exactly the requested rate, without bursts.
import { UsageError } from "../harness/errors.ts";

export interface RampStep {
  /** ops/s at the start of the step */
  from: number;
  /** ops/s at the end of the step */
  to: number;
  durationMs: number;
}

interface Segment {
  startMs: number;
  startCount: number;
  /** rates in ops per ms */
  a: number;
  b: number;
  durMs: number;
}

export class ArrivalSchedule {
  private readonly segments: Segment[];
  private readonly tailRate: number; // ops/ms after the last segment
  private readonly tailStartMs: number;
  private readonly tailStartCount: number;

  constructor(spec: { rate?: number; ramp?: RampStep[] }, field = "workload") {
    const steps = spec.ramp ?? [];
    if (steps.length === 0) {
      if (spec.rate === undefined || !(spec.rate > 0) || !Number.isFinite(spec.rate)) {
        throw new UsageError(`${field}.rate: ${String(spec.rate)} must be ops/s > 0 for the open-loop executor (or give ${field}.ramp)`);
      }
    }
    this.segments = [];
    let t = 0;
    let n = 0;
    steps.forEach((s, i) => {
      for (const k of ["from", "to", "durationMs"] as const) {
        if (!(s[k] >= 0) || !Number.isFinite(s[k])) throw new UsageError(`${field}.ramp[${i}].${k}: ${String(s[k])} must be a number >= 0`);
      }
      const a = s.from / 1000;
      const b = s.to / 1000;
      this.segments.push({ startMs: t, startCount: n, a, b, durMs: s.durationMs });
      t += s.durationMs;
      n += ((a + b) / 2) * s.durationMs;
    });
    this.tailStartMs = t;
    this.tailStartCount = n;
    this.tailRate = steps.length > 0 ? steps[steps.length - 1].to / 1000 : spec.rate! / 1000;
  }

  /** ops/s intended at time t (ms since the schedule start) */
  rateAt(tMs: number): number {
    for (const s of this.segments) {
      if (tMs < s.startMs + s.durMs) return (s.a + ((s.b - s.a) * (tMs - s.startMs)) / s.durMs) * 1000;
    }
    return this.tailRate * 1000;
  }

  /** expected arrivals in [0, t] (real-valued) */
  countAt(tMs: number): number {
    if (tMs <= 0) return 0;
    for (const s of this.segments) {
      if (tMs < s.startMs + s.durMs) {
        const tau = tMs - s.startMs;
        return s.startCount + s.a * tau + ((s.b - s.a) * tau * tau) / (2 * s.durMs);
      }
    }
    return this.tailStartCount + this.tailRate * (tMs - this.tailStartMs);
  }

  /** intended time (ms) of arrival j (0-based): the first t with countAt(t) >= j; Infinity if never */
  timeOf(j: number): number {
    if (j <= 0) return 0;
    for (const s of this.segments) {
      const end = s.startCount + ((s.a + s.b) / 2) * s.durMs;
      if (j <= end && end > s.startCount) {
        const n = j - s.startCount;
        if (n <= 0) return s.startMs;
        const slope = (s.b - s.a) / s.durMs;
        // stable root of slope/2·τ² + a·τ − n = 0
        const tau = slope === 0 ? n / s.a : (2 * n) / (s.a + Math.sqrt(s.a * s.a + 2 * slope * n));
        return s.startMs + Math.min(tau, s.durMs);
      }
    }
    if (this.tailRate <= 0) return Infinity;
    return this.tailStartMs + Math.max(0, j - this.tailStartCount) / this.tailRate;
  }

  /** arrivals with intended time <= t: j = 0 .. due-1 (j=0 is at t=0) */
  dueAt(tMs: number): number {
    if (tMs < 0) return 0;
    return Math.floor(this.countAt(tMs) + 1e-9) + 1;
  }
}

/** The share of a global schedule that worker `w` of `W` runs: arrivals w, w+W, ... */
export class WorkerArrivals {
  constructor(
    private readonly schedule: ArrivalSchedule,
    private readonly w: number,
    private readonly W: number,
  ) {}

  /** this worker's arrivals due by t: local indices 0 .. n-1 */
  dueAt(tMs: number): number {
    const g = this.schedule.dueAt(tMs);
    return g > this.w ? Math.floor((g - 1 - this.w) / this.W) + 1 : 0;
  }

  /** intended time of local arrival i */
  timeOf(i: number): number {
    return this.schedule.timeOf(this.w + i * this.W);
  }
}
