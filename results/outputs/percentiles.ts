// Latency by percentile (the HdrHistogram "percentile distribution" plot), per phase.
// Exact when every window of a group carries its encoded HdrHistogram; otherwise estimated
// from the per-window summaries, and labelled so.
import * as hdr from "hdr-histogram-js";
import type { MetricsWindow } from "../../workloads/metrics-types.ts";
import type { PhaseRecord } from "../model.ts";

export interface PercentileSeries {
  name: string;
  source: "hdr" | "estimate";
  /** ops the curve is made of */
  count: number;
  /** µs at each x; null where the data cannot support the percentile (fewer than 1/(1-q) ops) */
  valuesUs: (number | null)[];
}

export interface PercentileCurves {
  /** x = 1/(1-q): 1 = 0%, 10 = 90%, 100 = 99%, ... (log axis) */
  x: number[];
  series: PercentileSeries[];
}

const POINTS_PER_DECADE = 16;
const MAX_DECADES = 6; // up to 99.9999%

export function percentileCurves(windows: MetricsWindow[], phases: PhaseRecord[]): PercentileCurves {
  // log-spaced, plus the exact points of the median and the upper quartile
  const x: number[] = [2, 4];
  for (let i = 0; i <= POINTS_PER_DECADE * MAX_DECADES; i++) x.push(10 ** (i / POINTS_PER_DECADE));
  x.sort((a, b) => a - b);
  const groups: Array<{ name: string; ws: MetricsWindow[] }> = [{ name: "whole run", ws: windows }];
  for (const p of phases) {
    const ws = windows.filter((w) => {
      const mid = w.startMs + w.durationMs / 2;
      return mid >= p.startMs && mid < p.endMs;
    });
    if (ws.length > 0) groups.push({ name: p.name, ws });
  }
  const series: PercentileSeries[] = [];
  for (const g of groups) {
    const busy = g.ws.filter((w) => w.latency.count > 0);
    if (busy.length === 0) continue;
    const exact = busy.every((w) => typeof w.hdr === "string" && w.hdr.length > 0) ? fromHdr(busy, x) : undefined;
    series.push(exact ? { name: g.name, source: "hdr", ...exact } : { name: g.name, source: "estimate", ...estimate(busy, x) });
  }
  // drop trailing x where no series has a value
  let last = 0;
  for (const s of series) s.valuesUs.forEach((v, i) => { if (v !== null) last = Math.max(last, i); });
  const keep = last + 1;
  return { x: x.slice(0, keep), series: series.map((s) => ({ ...s, valuesUs: s.valuesUs.slice(0, keep) })) };
}

function fromHdr(ws: MetricsWindow[], x: number[]): { count: number; valuesUs: (number | null)[] } | undefined {
  let acc: hdr.Histogram | undefined;
  try {
    acc = hdr.build({ numberOfSignificantValueDigits: 3 });
    for (const w of ws) {
      const one = hdr.decodeFromCompressedBase64(w.hdr!);
      acc.add(one);
      one.destroy();
    }
    const count = acc.totalCount;
    const h = acc;
    const valuesUs = x.map((xi) => {
      if (xi > count) return null;
      return xi === 1 ? h.minNonZeroValue : h.getValueAtPercentile(100 * (1 - 1 / xi));
    });
    return { count, valuesUs };
  } catch {
    return undefined; // a window's histogram did not decode: fall back to the estimate
  } finally {
    acc?.destroy();
  }
}

/**
 * Mixture of per-window distributions, each known only at p50/p90/p99/p99.9/max: the CDF of a
 * window is log-linear between those knots (and over one decade below p50); the run's CDF is
 * the count-weighted mixture, inverted on a log-spaced value grid. Below p50 it is a guess, so
 * the curve starts at 50%.
 */
function estimate(ws: MetricsWindow[], x: number[]): { count: number; valuesUs: (number | null)[] } {
  const KQ = [0, 0.5, 0.9, 0.99, 0.999, 1];
  let lo = Infinity;
  let hi = 0;
  let count = 0;
  for (const w of ws) {
    lo = Math.min(lo, Math.max(1, w.latency.p50 / 10));
    hi = Math.max(hi, w.latency.max);
    count += w.latency.count;
  }
  hi = Math.max(hi, lo * 1.01);
  const G = 800;
  const lnLo = Math.log(lo);
  const step = (Math.log(hi) - lnLo) / (G - 1);
  const grid = Array.from({ length: G }, (_, i) => lnLo + i * step);
  const cdf = new Float64Array(G);
  for (const w of ws) {
    const s = w.latency;
    // monotone knots in ln(value)
    const kv = [Math.max(1, s.p50 / 10), s.p50, s.p90, s.p99, s.p999, s.max].map((v) => Math.log(Math.max(1, v)));
    for (let k = 1; k < kv.length; k++) kv[k] = Math.max(kv[k], kv[k - 1]);
    let seg = 1;
    for (let i = 0; i < G; i++) {
      const v = grid[i];
      let F: number;
      if (v < kv[0]) F = 0;
      else if (v >= kv[5]) F = 1;
      else {
        while (seg < 5 && v >= kv[seg]) seg++;
        const a = kv[seg - 1];
        const b = kv[seg];
        F = b > a ? KQ[seg - 1] + ((v - a) / (b - a)) * (KQ[seg] - KQ[seg - 1]) : KQ[seg];
      }
      cdf[i] += F * s.count;
    }
  }
  for (let i = 0; i < G; i++) cdf[i] /= count;
  const valuesUs = x.map((xi) => {
    const q = 1 - 1 / xi;
    if (q < 0.5 || xi > count) return null;
    let i = 0;
    while (i < G - 1 && cdf[i] < q) i++;
    if (i === 0) return Math.exp(grid[0]);
    const f = cdf[i] > cdf[i - 1] ? (q - cdf[i - 1]) / (cdf[i] - cdf[i - 1]) : 1;
    return Math.round(Math.exp(grid[i - 1] + f * step));
  });
  return { count, valuesUs };
}
