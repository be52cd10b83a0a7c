// Latency figures from per-window summaries: baseline, spikes, worst ratio, throughput dip.
// Pure functions over MetricsWindow[]; the checker (index.ts) picks the windows and limits.
//
// Spike rule: a window is a spike when its p99 exceeds BOTH `factor × baseline p99` AND
// `baseline p99 + floorMs`. Defaults factor 5, floorMs 5: a sub-millisecond baseline p99 is
// jittery (0.3 ms → 1.6 ms is 5× and means nothing to a client), so the absolute floor keeps
// noise out, while the factor keeps a slow-but-steady system (baseline 20 ms) from flagging
// every +5 ms wobble. Consecutive spike windows merge into one spike.
import type { LatencySummary, MetricsWindow } from "../../workloads/metrics-types.ts";

export const DEFAULT_FACTOR = 5;
export const DEFAULT_FLOOR_MS = 5;

export interface Spike {
  startMs: number;
  endMs: number;
  peakP99Us: number;
  baselineP99Us: number;
  ratio: number;
  windows: number;
}

export interface SeriesFigures {
  /** windows with ops in the scope */
  windows: number;
  baselineP99Us?: number;
  worstP99Us?: number;
  worstP99AtMs?: number;
  /** worst window p99 / baseline p99 (the `p99_spike_ratio` gate metric) */
  worstP99Ratio?: number;
  maxLatencyUs?: number;
  spikes: Spike[];
  spikeCount: number;
  spikeMs: number;
}

export interface SpikeRule {
  factor: number;
  floorMs: number;
}

export const median = (xs: number[]): number | undefined => {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

export type SummaryOf = (w: MetricsWindow) => LatencySummary | undefined;
export const overall: SummaryOf = (w) => w.latency;

/** The windows wholly inside [from, to] ms (a window that straddles an edge holds ops of both sides). */
export function wholeWindows(windows: MetricsWindow[], from: number, to: number): MetricsWindow[] {
  return windows.filter((w) => w.startMs >= from && w.startMs + w.durationMs <= to + 1);
}

/** Median window p99 (µs) over the baseline windows that had ops. */
export function baselineP99(baseline: MetricsWindow[], pick: SummaryOf = overall): number | undefined {
  return median(baseline.map(pick).filter((s): s is LatencySummary => !!s && s.count > 0).map((s) => s.p99));
}

export function isSpike(p99Us: number, baselineUs: number, rule: SpikeRule): boolean {
  return p99Us > rule.factor * baselineUs && p99Us > baselineUs + rule.floorMs * 1000;
}

/** Figures of one series (overall, reads, writes, migrating keys ...) over the scope windows. */
export function seriesFigures(scope: MetricsWindow[], baselineUs: number | undefined, rule: SpikeRule, pick: SummaryOf = overall): SeriesFigures {
  const out: SeriesFigures = { windows: 0, spikes: [], spikeCount: 0, spikeMs: 0 };
  if (baselineUs !== undefined && baselineUs > 0) out.baselineP99Us = baselineUs;
  let cur: Spike | undefined;
  for (const w of [...scope].sort((a, b) => a.startMs - b.startMs)) {
    const s = pick(w);
    if (!s || s.count === 0) {
      cur = undefined;
      continue;
    }
    out.windows++;
    if (out.worstP99Us === undefined || s.p99 > out.worstP99Us) {
      out.worstP99Us = s.p99;
      out.worstP99AtMs = w.startMs;
    }
    if (out.maxLatencyUs === undefined || s.max > out.maxLatencyUs) out.maxLatencyUs = s.max;
    if (out.baselineP99Us === undefined || !isSpike(s.p99, out.baselineP99Us, rule)) {
      cur = undefined;
      continue;
    }
    const end = w.startMs + w.durationMs;
    if (cur && w.startMs <= cur.endMs + 1e-6) {
      cur.endMs = end;
      cur.windows++;
      if (s.p99 > cur.peakP99Us) cur.peakP99Us = s.p99;
    } else {
      cur = { startMs: w.startMs, endMs: end, peakP99Us: s.p99, baselineP99Us: out.baselineP99Us, ratio: 0, windows: 1 };
      out.spikes.push(cur);
    }
  }
  for (const sp of out.spikes) sp.ratio = sp.peakP99Us / sp.baselineP99Us;
  out.spikeCount = out.spikes.length;
  out.spikeMs = out.spikes.reduce((a, sp) => a + (sp.endMs - sp.startMs), 0);
  if (out.worstP99Us !== undefined && out.baselineP99Us) out.worstP99Ratio = out.worstP99Us / out.baselineP99Us;
  return out;
}

export interface Throughput {
  baselineOpsPerSec?: number;
  minOpsPerSec?: number;
  minAtMs?: number;
  /** 1 - min / baseline, clamped at 0: the deepest fall of completed ops/s below the baseline */
  dip?: number;
}

/**
 * Completed ops per second per window. Windows shorter than half the usual window (the last,
 * partial one) are skipped: their rate is noise.
 */
export function throughput(scope: MetricsWindow[], baseline: MetricsWindow[]): Throughput {
  const usual = median([...scope, ...baseline].map((w) => w.durationMs)) ?? 0;
  const rate = (w: MetricsWindow) => (w.ops * 1000) / w.durationMs;
  const full = (ws: MetricsWindow[]) => ws.filter((w) => w.durationMs > 0 && w.durationMs >= usual / 2);
  const out: Throughput = { baselineOpsPerSec: median(full(baseline).map(rate)) };
  for (const w of full(scope)) {
    const r = rate(w);
    if (out.minOpsPerSec === undefined || r < out.minOpsPerSec) {
      out.minOpsPerSec = r;
      out.minAtMs = w.startMs;
    }
  }
  if (out.baselineOpsPerSec && out.minOpsPerSec !== undefined) out.dip = Math.max(0, 1 - out.minOpsPerSec / out.baselineOpsPerSec);
  return out;
}
