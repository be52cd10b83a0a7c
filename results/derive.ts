// Headline figures of a run, computed the same way for the report, summary.md, the console
// and run comparison. Where a checker already reported a figure, its value wins.
import type { MetricsWindow } from "../workloads/metrics-types.ts";
import { latencySpikes, type LatencySpike } from "./figures.ts";
import type { RunResult } from "./model.ts";

/** a window is in a spike when its p99 exceeds this multiple of the baseline p99 */
export const SPIKE_FACTOR = 3;

export interface KeyFigures {
  durationMs: number;
  ops: number;
  opsPerSec: number;
  /** migration duration and speed (undefined when it did not run) */
  migrationMs?: number;
  keysPerSec?: number;
  /** median window p99 before the migration started, µs */
  baselineP99Us?: number;
  /** worst window p99 while the migration ran, µs (whole run when there was no migration) */
  worstP99Us?: number;
  worstP99AtMs?: number;
  worstP99Ratio?: number;
  /** total time windows spent above SPIKE_FACTOR × baseline p99 */
  spikeMs: number;
  spikes: LatencySpike[];
  /** whether spikes came from the latency checker or were derived here */
  spikesFrom: "checker" | "windows";
  redirects: { MOVED: number; ASK: number; TRYAGAIN: number; total: number };
  errors: Record<string, number>;
  errorsTotal: number;
  late: number;
  dropped: number;
  /** harness event-loop lag p99, µs: the measurement noise floor */
  noiseP99Us?: number;
}

const median = (xs: number[]): number | undefined => {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

export function migrationSpan(r: RunResult): { startMs: number; endMs: number } | undefined {
  const m = r.migration;
  if (m.startedAtMs === undefined) return undefined;
  const end = m.finishedAtMs ?? (m.durationMs !== undefined ? m.startedAtMs + m.durationMs : r.durationMs);
  return { startMs: m.startedAtMs, endMs: end };
}

export function baselineP99(r: RunResult): number | undefined {
  for (const c of Object.values(r.checks)) if (typeof c.baselineP99Us === "number" && c.baselineP99Us > 0) return c.baselineP99Us;
  const span = migrationSpan(r);
  const busy = r.windows.filter((w) => w.latency.count > 0);
  const warmup = r.phases.find((p) => /warm/i.test(p.name));
  const before = span ? busy.filter((w) => w.startMs + w.durationMs <= span.startMs && !(warmup && w.startMs < warmup.endMs)) : [];
  return median((before.length > 0 ? before : busy).map((w) => w.latency.p99));
}

/** Consecutive windows above factor × baseline, merged into spans. */
export function deriveSpikes(windows: MetricsWindow[], baselineUs: number, factor = SPIKE_FACTOR): LatencySpike[] {
  const spikes: LatencySpike[] = [];
  let cur: LatencySpike | undefined;
  for (const w of windows) {
    const hot = w.latency.count > 0 && w.latency.p99 > factor * baselineUs;
    if (hot) {
      const end = w.startMs + w.durationMs;
      if (cur && w.startMs <= cur.endMs + 1e-6) {
        cur.endMs = end;
        if (w.latency.p99 > (cur.peakP99Us ?? 0)) cur.peakP99Us = w.latency.p99;
      } else {
        cur = { startMs: w.startMs, endMs: end, peakP99Us: w.latency.p99, baselineP99Us: baselineUs };
        spikes.push(cur);
      }
    } else cur = undefined;
  }
  for (const s of spikes) s.ratio = (s.peakP99Us ?? 0) / baselineUs;
  return spikes;
}

export function keyFigures(r: RunResult): KeyFigures {
  const w = r.workload;
  const windows = r.windows;
  const ops = w?.ops ?? windows.reduce((a, x) => a + x.ops, 0);
  const activeMs = w?.durationMs ?? windows.reduce((a, x) => a + x.durationMs, 0);
  const opsPerSec = w?.opsPerSec ?? (activeMs > 0 ? (ops * 1000) / activeMs : 0);

  const span = migrationSpan(r);
  const migrationMs = r.migration.durationMs ?? (span ? span.endMs - span.startMs : undefined);
  // the migration driver may report its own rate (newer records); else keys moved over duration
  const reported = (r.migration as { keysPerSec?: unknown }).keysPerSec;
  const keysPerSec = typeof reported === "number" && Number.isFinite(reported) ? reported
    : migrationMs && migrationMs > 0 ? (r.migration.keysMoved * 1000) / migrationMs : undefined;

  const baselineP99Us = baselineP99(r);
  const during = span ? windows.filter((x) => x.startMs + x.durationMs > span.startMs && x.startMs < span.endMs) : windows;
  let worst: MetricsWindow | undefined;
  for (const x of during) if (x.latency.count > 0 && (!worst || x.latency.p99 > worst.latency.p99)) worst = x;
  const fromCheck = Object.values(r.checks).map((c) => c.worstP99Ratio).find((v): v is number => typeof v === "number");
  const worstP99Ratio = fromCheck ?? (worst && baselineP99Us ? worst.latency.p99 / baselineP99Us : undefined);

  let spikes: LatencySpike[] = [];
  let spikesFrom: KeyFigures["spikesFrom"] = "windows";
  const checkSpikes = Object.values(r.checks).map(latencySpikes).find((s) => s !== undefined);
  if (checkSpikes) {
    spikes = checkSpikes;
    spikesFrom = "checker";
  } else if (baselineP99Us) spikes = deriveSpikes(windows, baselineP99Us);

  const redirects = { MOVED: 0, ASK: 0, TRYAGAIN: 0, total: 0 };
  const errors: Record<string, number> = {};
  let late = 0;
  let dropped = 0;
  if (w) {
    Object.assign(redirects, w.redirects);
    for (const [k, v] of Object.entries(w.errors)) errors[k] = v ?? 0;
    late = w.late;
    dropped = w.dropped;
  } else {
    for (const x of windows) {
      redirects.MOVED += x.redirects.MOVED;
      redirects.ASK += x.redirects.ASK;
      redirects.TRYAGAIN += x.redirects.TRYAGAIN;
      for (const [k, v] of Object.entries(x.errors)) errors[k] = (errors[k] ?? 0) + (v ?? 0);
      late += x.late;
      dropped += x.dropped;
    }
  }
  redirects.total = redirects.MOVED + redirects.ASK + redirects.TRYAGAIN;

  return {
    durationMs: r.durationMs,
    ops,
    opsPerSec,
    migrationMs,
    keysPerSec,
    baselineP99Us,
    worstP99Us: worst?.latency.p99,
    worstP99AtMs: worst?.startMs,
    worstP99Ratio,
    spikeMs: spikes.reduce((a, s) => a + (s.endMs - s.startMs), 0),
    spikes,
    spikesFrom,
    redirects,
    errors,
    errorsTotal: Object.values(errors).reduce((a, b) => a + b, 0),
    late,
    dropped,
    noiseP99Us: w?.eventLoopLag.p99,
  };
}

/** Plain-text formatting shared by markdown and console. */
export const fmt = {
  int: (n: number) => Math.round(n).toLocaleString("en-US"),
  us: (us: number | undefined) =>
    us === undefined ? "n/a" : us >= 1e6 ? `${(us / 1e6).toFixed(2)} s` : us >= 1000 ? `${(us / 1000).toFixed(us >= 1e5 ? 0 : 1)} ms` : `${Math.round(us)} µs`,
  ms: (ms: number | undefined) =>
    ms === undefined ? "n/a" : ms >= 60_000 ? `${Math.floor(ms / 60_000)} min ${((ms % 60_000) / 1000).toFixed(0)} s` : `${(ms / 1000).toFixed(1)} s`,
  ratio: (r: number | undefined) => (r === undefined ? "n/a" : `${r >= 100 ? r.toFixed(0) : r.toFixed(1)}×`),
};
