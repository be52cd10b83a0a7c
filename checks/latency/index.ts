// The "latency" checker: tail latency against a baseline phase, per window.
//
// Baseline: the median window p99 of the phase named by `baselinePhase`; default the phase
// before the one in which the migration started (else a phase called "baseline", else the
// first phase; with no phases, the windows before the migration). Scope: every window from
// the baseline phase's start to the end of the run (windows before it are warm-up).
// Figures: overall, reads vs writes, keys in migrating slots vs others: baseline p99, worst
// window p99 and its ratio to the baseline (p99_spike_ratio), spikes (figures.ts), max
// latency; throughput dip; late and dropped ops.
//
// Verdict: spikes are figures, not failures — gates decide (`p99_spike_ratio < 5`). The
// check fails only when the scenario sets a hard limit (maxP99SpikeRatio, maxSpikeSeconds,
// maxLatencyMs, maxP99Ms, maxThroughputDip) and the run exceeds it; it is unknown when no
// window has ops, or a limit's figure cannot be computed (no baseline).
import { UsageError } from "../../harness/errors.ts";
import type { PhaseRecord, RunRecordForChecks } from "../../results/model.ts";
import type { MetricsWindow, OpClass, SlotClass } from "../../workloads/metrics-types.ts";
import type { Checker, CheckInput, CheckResult } from "../types.ts";
import { DEFAULT_FACTOR, DEFAULT_FLOOR_MS, baselineP99, seriesFigures, throughput, type SeriesFigures, type SpikeRule } from "./figures.ts";

export * from "./figures.ts";

export interface LatencyParams {
  /** phase whose windows are the reference; default: the phase before the migration's */
  baselinePhase?: string;
  /** spike when p99 > factor × baseline p99 ... (default 5) */
  factor?: number;
  /** ... and p99 > baseline p99 + floorMs (default 5) */
  floorMs?: number;
  /** use this baseline p99 (ms) instead of measuring one */
  baselineP99Ms?: number;
  // Hard limits: absent = figures only.
  maxP99SpikeRatio?: number;
  maxSpikeSeconds?: number;
  maxLatencyMs?: number;
  maxP99Ms?: number;
  maxThroughputDip?: number;
}

const NUMBER_PARAMS = ["factor", "floorMs", "baselineP99Ms", "maxP99SpikeRatio", "maxSpikeSeconds", "maxLatencyMs", "maxP99Ms", "maxThroughputDip"] as const;

export function latencyParams(params: Record<string, unknown> | undefined): LatencyParams {
  const out: LatencyParams = {};
  for (const [k, v] of Object.entries(params ?? {})) {
    if (k === "baselinePhase") {
      if (typeof v !== "string" || !v) throw new UsageError(`latency param baselinePhase: ${JSON.stringify(v)} is not allowed: use a phase name`);
      out.baselinePhase = v;
    } else if ((NUMBER_PARAMS as readonly string[]).includes(k)) {
      if (typeof v !== "number" || !Number.isFinite(v) || v < 0 || (k === "factor" && v < 1)) {
        throw new UsageError(`latency param ${k}: ${JSON.stringify(v)} is not allowed: use a number >= ${k === "factor" ? 1 : 0}`);
      }
      (out as Record<string, number>)[k] = v;
    } else {
      throw new UsageError(`latency param ${JSON.stringify(k)} is unknown; allowed: baselinePhase, ${NUMBER_PARAMS.join(", ")}`);
    }
  }
  return out;
}

/** The baseline phase by the rule above, or undefined when the run recorded no phases. */
export function pickBaselinePhase(run: Pick<RunRecordForChecks, "phases" | "migration">, name?: string): PhaseRecord | undefined {
  const phases = run.phases;
  if (name !== undefined) {
    const p = phases.find((x) => x.name === name);
    if (!p) throw new UsageError(`latency param baselinePhase: no phase is called ${JSON.stringify(name)}; phases of this run: ${phases.map((x) => x.name).join(", ") || "(none)"}`);
    return p;
  }
  const m = run.migration.startedAtMs;
  if (m !== undefined) {
    const i = phases.findIndex((p) => m >= p.startMs && m < p.endMs);
    if (i > 0) return phases[i - 1];
  }
  return phases.find((p) => p.name === "baseline") ?? phases[0];
}

const inPhase = (w: MetricsWindow, p: PhaseRecord) => w.startMs >= p.startMs - 1e-6 && w.startMs < p.endMs;

export interface LatencyResult extends CheckResult, SeriesFigures {
  baselinePhase?: string;
  factor: number;
  floorMs: number;
  throughput: ReturnType<typeof throughput>;
  /** the window with the worst p99, in full */
  worstWindow?: { startMs: number; durationMs: number; p50Us: number; p99Us: number; p999Us: number; maxUs: number; opsPerSec?: number; late: number; dropped: number };
  late: number;
  dropped: number;
  byClass: Partial<Record<OpClass, SeriesFigures>>;
  bySlotClass: Partial<Record<SlotClass, SeriesFigures>>;
  limits: Array<{ name: string; limit: number; actual: number | null; exceeded: boolean | "unknown" }>;
}

export function checkLatency(run: RunRecordForChecks, params: LatencyParams = {}): LatencyResult {
  const rule: SpikeRule = { factor: params.factor ?? DEFAULT_FACTOR, floorMs: params.floorMs ?? DEFAULT_FLOOR_MS };
  const phase = pickBaselinePhase(run, params.baselinePhase);
  const windows = run.windows;
  let baseline: MetricsWindow[];
  let scope: MetricsWindow[];
  if (phase) {
    baseline = windows.filter((w) => inPhase(w, phase));
    scope = windows.filter((w) => w.startMs >= phase.startMs - 1e-6);
  } else {
    const m = run.migration.startedAtMs;
    const before = m === undefined ? [] : windows.filter((w) => w.startMs + w.durationMs <= m);
    baseline = before.length ? before : windows;
    scope = windows;
  }
  const fixed = params.baselineP99Ms !== undefined ? params.baselineP99Ms * 1000 : undefined;
  const series = (pick?: (w: MetricsWindow) => MetricsWindow["latency"] | undefined) => seriesFigures(scope, fixed ?? baselineP99(baseline, pick), rule, pick);
  const all = series();
  const byClass: LatencyResult["byClass"] = {};
  for (const c of ["read", "write", "multi"] as const) if (scope.some((w) => w.byClass[c]?.count)) byClass[c] = series((w) => w.byClass[c]);
  const bySlotClass: LatencyResult["bySlotClass"] = {};
  for (const c of ["migrating", "other"] as const) if (scope.some((w) => w.bySlotClass[c]?.count)) bySlotClass[c] = series((w) => w.bySlotClass[c]);
  const tp = throughput(scope, baseline);
  const worst = scope.find((w) => w.startMs === all.worstP99AtMs && w.latency.count > 0);
  const worstWindow = worst && {
    startMs: worst.startMs, durationMs: worst.durationMs,
    p50Us: worst.latency.p50, p99Us: worst.latency.p99, p999Us: worst.latency.p999, maxUs: worst.latency.max,
    opsPerSec: worst.durationMs > 0 ? (worst.ops * 1000) / worst.durationMs : undefined, late: worst.late, dropped: worst.dropped,
  };
  const late = scope.reduce((a, w) => a + w.late, 0);
  const dropped = scope.reduce((a, w) => a + w.dropped, 0);

  const limits: LatencyResult["limits"] = [];
  const limit = (name: keyof LatencyParams, actual: number | undefined) => {
    const l = params[name];
    if (typeof l !== "number") return;
    limits.push({ name, limit: l, actual: actual ?? null, exceeded: actual === undefined ? "unknown" : actual > l });
  };
  limit("maxP99SpikeRatio", all.worstP99Ratio);
  limit("maxSpikeSeconds", all.windows ? all.spikeMs / 1000 : undefined);
  limit("maxLatencyMs", all.maxLatencyUs !== undefined ? all.maxLatencyUs / 1000 : undefined);
  limit("maxP99Ms", all.worstP99Us !== undefined ? all.worstP99Us / 1000 : undefined);
  limit("maxThroughputDip", tp.dip);

  const exceeded = limits.filter((l) => l.exceeded === true);
  const valid = all.windows === 0 ? "unknown" : exceeded.length ? false : limits.some((l) => l.exceeded === "unknown") ? "unknown" : true;
  const ms = (us: number | undefined) => (us === undefined ? "n/a" : `${(us / 1000).toFixed(us < 10_000 ? 2 : 0)} ms`);
  const headline = all.windows === 0
    ? "no latency windows with completed ops: nothing to judge"
    : `baseline p99 ${ms(all.baselineP99Us)}${phase ? ` (${phase.name})` : ""}, worst p99 ${ms(all.worstP99Us)}` +
      `${all.worstP99Ratio !== undefined ? ` (${all.worstP99Ratio.toFixed(1)}×)` : ""}, ${all.spikeCount} spikes for ${(all.spikeMs / 1000).toFixed(1)} s` +
      `${tp.dip !== undefined ? `, throughput dip ${(tp.dip * 100).toFixed(0)}%` : ""}`;
  const summary = exceeded.length ? `${exceeded.map((l) => `${l.name} ${l.limit} exceeded: ${round(l.actual!)}`).join("; ")} — ${headline}` : headline;
  return {
    valid,
    summary,
    ...all,
    baselinePhase: phase?.name,
    factor: rule.factor,
    floorMs: rule.floorMs,
    throughput: tp,
    worstWindow,
    late,
    dropped,
    byClass,
    bySlotClass,
    limits,
  };
}

const round = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(0) : x.toFixed(2));

export const latency: Checker = {
  name: "latency",
  async check(input: CheckInput): Promise<CheckResult> {
    const params = latencyParams(input.params);
    if (!input.run) return { valid: "unknown", summary: "no run record (windows, phases): latency cannot be judged" };
    return checkLatency(input.run, params);
  },
};

export default latency;
