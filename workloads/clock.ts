// The run clock: one monotonic origin (process.hrtime.bigint()) shared by the main
// thread and every worker, so history times and windows from all threads line up.
import { performance } from "node:perf_hooks";

export interface RunClock {
  /** origin on the process-wide monotonic clock (process.hrtime.bigint()) */
  readonly originNs: bigint;
  /** ms since the origin (fractional, µs resolution) */
  nowMs(): number;
  /** integer ns since the origin (history `t`) */
  nowNs(): number;
  /** `nowMs()` is `performance.now() + perfOffsetMs` on this thread (converts a performance.now() reading taken earlier) */
  readonly perfOffsetMs: number;
}

/**
 * A clock anchored at `originNs` (default: now). `process.hrtime.bigint()` and
 * `performance.now()` read the same monotonic source, so the hot path uses the
 * cheap float `performance.now()` plus a constant offset measured once; worker
 * threads (whose performance.timeOrigin differs) compute their own offset.
 */
export function createClock(originNs: bigint = process.hrtime.bigint()): RunClock {
  const offsetMs = Number(process.hrtime.bigint() - originNs) / 1e6 - performance.now();
  return {
    originNs,
    perfOffsetMs: offsetMs,
    nowMs: () => performance.now() + offsetMs,
    nowNs: () => Math.round((performance.now() + offsetMs) * 1e6),
  };
}

/**
 * The clock of a run whose start was taken as `performance.now()` on this thread
 * (e.g. `const t0 = performance.now(); const now = () => performance.now() - t0`):
 * windows and history times then line up with that `now()`.
 */
export function clockFromPerformanceStart(t0: number): RunClock {
  const sinceStartNs = BigInt(Math.round((performance.now() - t0) * 1e6));
  return createClock(process.hrtime.bigint() - sinceStartNs);
}
