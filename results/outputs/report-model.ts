// The compact, columnar view of a run that report.html embeds and draws. Everything the page
// shows comes from here; numbers are rounded so a 1-hour run of 100 ms windows stays a few MB.
import type { CheckResult } from "../../checks/types.ts";
import type { MigrationOutcome } from "../../harness/migration/types.ts";
import type { LatencySummary, MetricsWindow } from "../../workloads/metrics-types.ts";
import { keyFigures, migrationSpan, type KeyFigures } from "../derive.ts";
import {
  completenessCounts, completenessExamples, latencySpikes, linKeyCounts, linViolations, opLabel,
  topologyFindings, type CompletenessExample, type KeyCounts, type TopologyFinding,
} from "../figures.ts";
import type { FaultEvent, GateResult, PhaseRecord, RunResult, Verdict } from "../model.ts";
import { jsonSafe } from "./json.ts";
import { percentileCurves, type PercentileCurves } from "./percentiles.ts";

export const MAX_VIOLATIONS_SHOWN = 20;
export const MAX_OPS_PER_VIOLATION = 400;
export const MAX_EXAMPLES_SHOWN = 200;
export const MAX_EVENTS_LISTED = 500;
/** controller decisions come every interval; they have their own cap so they never crowd out the moves */
export const MAX_CONTROLLER_EVENTS_LISTED = 200;
export const MAX_FIGURES_CHARS = 20_000;

type Num = number | null;
export interface LatencyColumns { p50: Num[]; p90: Num[]; p99: Num[]; p999: Num[]; max: Num[] }

export interface ReportOp {
  id: number; p: number; label: string; input: string; output: string;
  status: "ok" | "info" | "fail"; callMs: number; retMs: number | null; failing: boolean; order?: number; error?: string;
}

export interface ReportCheck {
  name: string;
  valid: true | false | "unknown";
  summary: string;
  lin?: {
    counts?: KeyCounts;
    violations: Array<{ key: string; model?: string; kind?: string; message?: string; stateAfter?: string; keyOps?: number; truncated: boolean; opsOmitted: number; ops: ReportOp[] }>;
    violationsOmitted: number;
  };
  completeness?: { counts?: Record<string, number>; examples: Array<Omit<CompletenessExample, "expected" | "actual"> & { expected?: string; actual?: string }>; examplesOmitted: number };
  findings?: TopologyFinding[];
  spikes?: ReportSpike[];
  /** the remaining figures as pretty JSON (truncated) */
  otherJson?: string;
}

/**
 * The adaptive throttling controller's decisions (migration events of kind "controller"), one
 * array entry per decision, in time order. Absent from the model when there were none.
 */
export interface PacingColumns {
  /** decision times, seconds since run start */
  t: number[];
  decision: string[];
  /** keys/s limit in force from this decision on */
  rateKeysPerSec: number[];
  /** keys/s really moved since the previous decision (none at the start) */
  achievedKeysPerSec: Num[];
  /** the clients' live p99 the controller saw, µs (none when no window had closed yet) */
  p99Us: Num[];
  /** keys per MIGRATE the batch sizer chose */
  batchKeys: Num[];
  /** the p99 budget, µs (one per run: the adaptive parameters do not change mid-run); null if no decision named it */
  budgetUs: number | null;
}

export interface ReportSpike { startMs: number; endMs: number; peakP99Us?: number; baselineP99Us?: number; ratio?: number; note?: string; during: string[] }

export interface ReportData {
  v: 1;
  generatedAt: string;
  verdict: Verdict;
  reason?: string;
  scenario: { name: string; file?: string; seed: number };
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  environment: RunResult["environment"];
  strategy: { name: string; plan?: string; params?: string };
  figures: Omit<KeyFigures, "spikes">;
  spikes: ReportSpike[];
  checks: ReportCheck[];
  gates: GateResult[];
  timeline: {
    /** window midpoints, seconds since run start */
    t: number[];
    windowMs: number;
    /** ops/s by population */
    rate: Record<"all" | "read" | "write" | "migrating" | "other", Num[]>;
    latency: Record<"all" | "read" | "write" | "migrating" | "other", LatencyColumns>;
    /** per second */
    errors: Record<string, number[]>;
    redirects: Record<"MOVED" | "ASK" | "TRYAGAIN", number[]>;
    late: number[];
    dropped: number[];
  };
  /** adaptive throttling: absent unless the strategy reported controller decisions */
  pacing?: PacingColumns;
  progress: { t: number[]; slotsPct: number[]; keysPct: number[]; slotsMoved: number[]; keysMoved: number[]; slotsPlanned: number; keysPlanned: number };
  bands: { phases: PhaseRecord[]; migration?: { startMs: number; endMs: number; label: string }; faults: Array<Omit<FaultEvent, "detail"> & { label: string; detailText?: string }> };
  /** job states; `side` is Valkey atomic migration's export (source) or import (target) view */
  jobs: Array<{ atMs: number; jobId: string; side?: string; state: string }>;
  events: { counts: Record<string, number>; list: Array<{ atMs: number; kind: string; text: string }>; omitted: number };
  migration: MigrationOutcome;
  percentiles: PercentileCurves;
  noise: LatencySummary | null;
  files: Record<string, string>;
}

const r1 = (v: number) => Math.round(v * 10) / 10;
const compact = (v: unknown): string => {
  if (v === undefined) return "";
  if (typeof v === "string") return v;
  return JSON.stringify(v, jsonSafe) ?? String(v);
};

function latencyColumns(ws: MetricsWindow[], pick: (w: MetricsWindow) => LatencySummary | undefined): LatencyColumns {
  const cols: LatencyColumns = { p50: [], p90: [], p99: [], p999: [], max: [] };
  for (const w of ws) {
    const s = pick(w);
    const ok = s !== undefined && s.count > 0;
    cols.p50.push(ok ? Math.round(s.p50) : null);
    cols.p90.push(ok ? Math.round(s.p90) : null);
    cols.p99.push(ok ? Math.round(s.p99) : null);
    cols.p999.push(ok ? Math.round(s.p999) : null);
    cols.max.push(ok ? Math.round(s.max) : null);
  }
  return cols;
}

function overlapping(r: RunResult, startMs: number, endMs: number): string[] {
  const out: string[] = [];
  const hit = (a: number, b: number | undefined) => a < endMs && (b ?? r.durationMs) > startMs;
  for (const f of r.faults) if (hit(f.startMs, f.endMs)) out.push(`fault ${f.kind}${f.target ? ` ${f.target}` : ""}`);
  const m = migrationSpan(r);
  if (m && hit(m.startMs, m.endMs)) out.push("migration");
  for (const p of r.phases) if (hit(p.startMs, p.endMs)) out.push(`phase ${p.name}`);
  return out;
}

const RECOGNISED = new Set([
  "valid", "summary", "violations", "anomalies", "keysChecked", "keysInvalid", "keysFailed", "keysUnknown", "keys",
  "counts", "examples", "findings", "spikes",
]);

function reportCheck(name: string, c: CheckResult, r: RunResult): ReportCheck {
  const out: ReportCheck = { name, valid: c.valid, summary: c.summary };
  const vs = linViolations(c);
  if (vs) {
    out.lin = {
      counts: linKeyCounts(c),
      violationsOmitted: Math.max(0, vs.length - MAX_VIOLATIONS_SHOWN),
      violations: vs.slice(0, MAX_VIOLATIONS_SHOWN).map((v) => ({
        key: v.key,
        model: v.model,
        kind: v.kind,
        message: v.message,
        stateAfter: v.stateAfter === undefined ? undefined : compact(v.stateAfter),
        keyOps: v.keyOps,
        truncated: v.truncated ?? false,
        opsOmitted: Math.max(0, v.ops.length - MAX_OPS_PER_VIOLATION),
        ops: v.ops.slice(0, MAX_OPS_PER_VIOLATION).map((o) => ({
          id: o.id, p: o.p, label: opLabel(o), input: compact(o.input), output: o.status === "info" ? "?" : compact(o.output),
          status: o.status, callMs: o.callMs, retMs: o.retMs, failing: o.failing, order: o.order, error: o.error,
        })),
      })),
    };
  }
  const counts = completenessCounts(c);
  const examples = completenessExamples(c);
  if (counts || examples) {
    const ex = examples ?? [];
    out.completeness = {
      counts,
      examplesOmitted: Math.max(0, ex.length - MAX_EXAMPLES_SHOWN),
      examples: ex.slice(0, MAX_EXAMPLES_SHOWN).map((e) => ({
        kind: e.kind, key: e.key, node: e.node, slot: e.slot, note: e.note,
        expected: e.expected === undefined ? undefined : e.expected === null ? "(absent)" : compact(e.expected),
        actual: e.actual === undefined ? undefined : e.actual === null ? "(absent)" : compact(e.actual),
      })),
    };
  }
  const findings = topologyFindings(c);
  if (findings) out.findings = findings;
  const spikes = latencySpikes(c);
  if (spikes) out.spikes = spikes.map((s) => ({ ...s, during: overlapping(r, s.startMs, s.endMs) }));
  const rest: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(c)) if (!RECOGNISED.has(k)) rest[k] = v;
  if (Object.keys(rest).length > 0) {
    const text = JSON.stringify(rest, jsonSafe, 2);
    out.otherJson = text.length > MAX_FIGURES_CHARS ? `${text.slice(0, MAX_FIGURES_CHARS)}\n… (${text.length - MAX_FIGURES_CHARS} more characters in result.json)` : text;
  }
  return out;
}

/**
 * A short, stable name for the job an event belongs to: Valkey atomic jobs have 40-char names
 * (shown as their first 8); the command strategy has a pid.
 */
function jobLabel(e: Record<string, unknown>): string {
  const id = e.jobId ?? e.job;
  const base = typeof id === "string" && id.length > 0 ? (/^[0-9a-f]{24,}$/i.test(id) ? id.slice(0, 8) : id)
    : typeof e.pid === "number" ? `pid ${e.pid}`
    : typeof e.node === "string" ? e.node : "job";
  return base;
}

function eventText(e: Record<string, unknown>): string {
  if (e.kind === "controller") return controllerText(e);
  const { kind: _k, atMs: _a, ...rest } = e;
  return kvText(rest);
}

const kvText = (o: Record<string, unknown>) => Object.entries(o).map(([k, v]) => `${k}=${compact(v)}`).join(" ");
const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
const fmtInt = (n: number) => Math.round(n).toLocaleString("en-US");
/** 3 significant digits, no trailing zeros: 52.1, 30, 1.25 */
const sig3 = (v: number) => String(+v.toPrecision(3));

/** µs as "850 µs", "52.1 ms", "1.25 s" */
export function latencyText(us: number): string {
  if (us >= 1e6) return `${sig3(us / 1e6)} s`;
  if (us >= 1000) return `${sig3(us / 1000)} ms`;
  return `${Math.round(us)} µs`;
}

/** keys/s as "0.5", "40", "1,200" */
export function keysRateText(v: number): string {
  return v >= 100 ? fmtInt(v) : sig3(v);
}

const CONTROLLER_FIELDS = new Set(["kind", "atMs", "decision", "rateKeysPerSec", "budgetUs", "p99Us", "achievedKeysPerSec", "batchKeys"]);

/** `decrease → 40 keys/s (p99 52.1 ms > budget 30 ms, achieved 80 keys/s, batch 1)` */
export function controllerText(e: Record<string, unknown>): string {
  const decision = typeof e.decision === "string" ? e.decision : compact(e.decision ?? "?");
  const rate = num(e.rateKeysPerSec);
  const budget = num(e.budgetUs);
  const p99 = num(e.p99Us);
  const achieved = num(e.achievedKeysPerSec);
  const batch = num(e.batchKeys);
  const moved = decision === "increase" || decision === "decrease";
  const head = `${decision} ${moved ? "→" : "at"} ${rate === undefined ? "? keys/s" : `${keysRateText(rate)} keys/s`}`;
  const parts: string[] = [];
  if (p99 !== undefined) parts.push(`p99 ${latencyText(p99)}${budget !== undefined ? ` ${p99 > budget ? ">" : "≤"} budget ${latencyText(budget)}` : ""}`);
  else if (budget !== undefined) parts.push(decision === "start" ? `budget ${latencyText(budget)}` : `no live p99, budget ${latencyText(budget)}`);
  if (achieved !== undefined) parts.push(`achieved ${keysRateText(achieved)} keys/s`);
  if (batch !== undefined) parts.push(`batch ${fmtInt(batch)}`);
  const rest: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(e)) if (!CONTROLLER_FIELDS.has(k)) rest[k] = v;
  const extra = kvText(rest);
  return `${head}${parts.length > 0 ? ` (${parts.join(", ")})` : ""}${extra ? ` ${extra}` : ""}`;
}

/** The controller's decisions as columns; undefined when the run has none. */
export function pacingColumns(events: ReadonlyArray<Record<string, unknown>>): PacingColumns | undefined {
  const decisions = events
    .filter((e) => e.kind === "controller" && num(e.atMs) !== undefined && num(e.rateKeysPerSec) !== undefined)
    .sort((a, b) => (a.atMs as number) - (b.atMs as number));
  if (decisions.length === 0) return undefined;
  const orNull = (v: unknown) => num(v) ?? null;
  let budgetUs: number | null = null;
  for (const e of decisions) budgetUs = num(e.budgetUs) ?? budgetUs;
  return {
    t: decisions.map((e) => (e.atMs as number) / 1000),
    decision: decisions.map((e) => (typeof e.decision === "string" ? e.decision : compact(e.decision ?? "?"))),
    rateKeysPerSec: decisions.map((e) => e.rateKeysPerSec as number),
    achievedKeysPerSec: decisions.map((e) => orNull(e.achievedKeysPerSec)),
    p99Us: decisions.map((e) => { const v = num(e.p99Us); return v === undefined ? null : Math.round(v); }),
    batchKeys: decisions.map((e) => orNull(e.batchKeys)),
    budgetUs,
  };
}

export interface PacingSummary {
  /** decisions after the start (increase, decrease, hold) */
  decisions: number;
  decreases: number;
  increases: number;
  holds: number;
  startKeysPerSec: number;
  finalKeysPerSec: number;
  budgetUs: number | null;
}

export function pacingSummary(p: PacingColumns): PacingSummary {
  const count = (d: string) => p.decision.filter((x) => x === d).length;
  return {
    decisions: p.decision.length - count("start"),
    decreases: count("decrease"),
    increases: count("increase"),
    holds: count("hold"),
    startKeysPerSec: p.rateKeysPerSec[0],
    finalKeysPerSec: p.rateKeysPerSec[p.rateKeysPerSec.length - 1],
    budgetUs: p.budgetUs,
  };
}

export function buildReportModel(r: RunResult, now = new Date()): ReportData {
  const ws = r.windows;
  const secs = (w: MetricsWindow) => w.durationMs / 1000;
  const rateOf = (pick: (w: MetricsWindow) => number | undefined): Num[] =>
    ws.map((w) => { const n = pick(w); return n === undefined ? null : r1(n / secs(w)); });
  const errorClasses = new Set<string>();
  for (const w of ws) for (const [k, v] of Object.entries(w.errors)) if (v) errorClasses.add(k);
  const errors: Record<string, number[]> = {};
  for (const k of [...errorClasses].sort()) errors[k] = ws.map((w) => r1((w.errors[k as keyof typeof w.errors] ?? 0) / secs(w)));

  const span = migrationSpan(r);
  const prog = r.progress;
  const progress: ReportData["progress"] = { t: [], slotsPct: [], keysPct: [], slotsMoved: [], keysMoved: [], slotsPlanned: 0, keysPlanned: 0 };
  if (prog.length > 0) {
    const last = prog[prog.length - 1];
    progress.slotsPlanned = last.slotsPlanned;
    progress.keysPlanned = last.keysPlanned;
    const pct = (a: number, b: number) => (b > 0 ? r1((100 * a) / b) : 0);
    // pad to the run's edges so every timeline chart shares one x range
    const pts = [{ ...prog[0], atMs: 0, slotsMoved: 0, keysMoved: 0 }, ...prog, { ...last, atMs: r.durationMs }];
    for (const p of pts) {
      progress.t.push(p.atMs / 1000);
      progress.slotsMoved.push(p.slotsMoved);
      progress.keysMoved.push(p.keysMoved);
      progress.slotsPct.push(pct(p.slotsMoved, p.slotsPlanned));
      progress.keysPct.push(pct(p.keysMoved, p.keysPlanned));
    }
  }

  const counts: Record<string, number> = {};
  const list: ReportData["events"]["list"] = [];
  let omitted = 0;
  let listed = 0;
  let controllerListed = 0;
  const jobs: ReportData["jobs"] = [];
  for (const e of r.migrationEvents) {
    counts[e.kind] = (counts[e.kind] ?? 0) + 1;
    if (e.kind === "job-state") jobs.push({ atMs: e.atMs, jobId: jobLabel(e), side: typeof e.side === "string" ? e.side : undefined, state: compact(e.state ?? "?") });
    if (e.kind === "slot-done" || e.kind === "progress") continue;
    const isController = e.kind === "controller";
    if (isController ? controllerListed < MAX_CONTROLLER_EVENTS_LISTED : listed < MAX_EVENTS_LISTED) {
      list.push({ atMs: e.atMs, kind: e.kind, text: eventText(e) });
      if (isController) controllerListed++;
      else listed++;
    } else omitted++;
  }
  const pacing = pacingColumns(r.migrationEvents);

  const doc = r.scenario.document as Record<string, unknown> | null;
  const migDoc = doc && typeof doc === "object" && doc.migration && typeof doc.migration === "object" ? (doc.migration as Record<string, unknown>) : undefined;
  const { spikes, ...figures } = keyFigures(r);

  return {
    v: 1,
    generatedAt: now.toISOString(),
    verdict: r.verdict,
    reason: r.reason,
    scenario: { name: r.scenario.name, file: r.scenario.file, seed: r.scenario.seed },
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
    durationMs: r.durationMs,
    environment: r.environment,
    strategy: {
      name: r.migration.strategy,
      plan: migDoc?.plan !== undefined ? compact(migDoc.plan) : undefined,
      params: migDoc?.params !== undefined ? compact(migDoc.params) : undefined,
    },
    figures,
    spikes: spikes.map((s) => ({ ...s, during: overlapping(r, s.startMs, s.endMs) })),
    checks: Object.entries(r.checks).map(([name, c]) => reportCheck(name, c, r)),
    gates: r.gates,
    timeline: {
      t: ws.map((w) => Math.round(w.startMs + w.durationMs / 2) / 1000),
      windowMs: ws.length > 0 ? ws[0].durationMs : 1000,
      rate: {
        all: rateOf((w) => w.ops),
        read: rateOf((w) => w.byClass.read?.count),
        write: rateOf((w) => w.byClass.write?.count),
        migrating: rateOf((w) => w.bySlotClass.migrating?.count),
        other: rateOf((w) => w.bySlotClass.other?.count),
      },
      latency: {
        all: latencyColumns(ws, (w) => w.latency),
        read: latencyColumns(ws, (w) => w.byClass.read),
        write: latencyColumns(ws, (w) => w.byClass.write),
        migrating: latencyColumns(ws, (w) => w.bySlotClass.migrating),
        other: latencyColumns(ws, (w) => w.bySlotClass.other),
      },
      errors,
      redirects: {
        MOVED: ws.map((w) => r1(w.redirects.MOVED / secs(w))),
        ASK: ws.map((w) => r1(w.redirects.ASK / secs(w))),
        TRYAGAIN: ws.map((w) => r1(w.redirects.TRYAGAIN / secs(w))),
      },
      late: ws.map((w) => r1(w.late / secs(w))),
      dropped: ws.map((w) => r1(w.dropped / secs(w))),
    },
    ...(pacing ? { pacing } : {}),
    progress,
    bands: {
      phases: r.phases,
      migration: span ? { ...span, label: `${r.migration.strategy}: ${r.migration.outcome}` } : undefined,
      faults: r.faults.map((f) => ({
        kind: f.kind,
        target: f.target,
        startMs: f.startMs,
        endMs: f.endMs,
        label: `${f.kind}${f.target ? ` ${f.target}` : ""}`,
        detailText: f.detail ? compact(f.detail) : undefined,
      })),
    },
    jobs,
    events: { counts, list, omitted },
    migration: r.migration,
    percentiles: percentileCurves(ws, r.phases),
    noise: r.workload?.eventLoopLag ?? null,
    files: r.files,
  };
}
