// The checker figures the outputs recognise, read defensively from `CheckResult`'s open
// `[figure: string]: unknown` part. Checkers that follow these shapes get rich rendering
// (op timelines, example tables); anything else is still shown, as generic JSON.
//
// Recognised figures (all optional):
//   linearizability: the shapes of checks/linearizability/types.ts: violations: [{ key, model?, kind?,
//                    message?, ops: { id?, p, f, input, output, status, call, ret }[] (call/ret in ns since
//                    the run's clock origin = run start; ret null|Infinity for info; or callMs/retMs),
//                    stuckOp? (id of the op that cannot be placed), linearization? (ids, in order),
//                    stateAfterLinearization?, keyOps?, truncated? }]   (also failing: index | index[])
//                    keysChecked?, keysInvalid? | keysFailed?, keysUnknown? (number or array of keys)
//   completeness:    counts: Record<string, number>; examples: [{ kind, key, expected?, actual?, node?, slot?, note? }]
//                    (or examples: Record<kind, string[] | {key,...}[]>)
//   topology:        findings: [{ severity?: "error"|"warn"|"info", message, node?, slot? }] | string[]
//   latency:         spikes: [{ startMs, endMs, peakP99Us?, baselineP99Us?, ratio?, note? }],
//                    baselineP99Us?, worstP99Ratio?
import type { CheckResult } from "../checks/types.ts";

export interface LinOp {
  /** the op's id within its violation (index when the checker gave none) */
  id: number;
  p: number;
  f: string;
  input: unknown;
  output: unknown;
  status: "ok" | "info" | "fail";
  /** ms since run start */
  callMs: number;
  /** ms since run start; null when the op's effect is unknown (info) */
  retMs: number | null;
  error?: string;
  /** the op that cannot be placed (the checker's stuckOp) */
  failing: boolean;
  /** 1-based position in the longest partial linearization the checker found */
  order?: number;
}

export interface LinViolation {
  key: string;
  model?: string;
  kind?: string;
  message?: string;
  ops: LinOp[];
  /** the model's value after the partial linearization */
  stateAfter?: unknown;
  /** ops on this key in the whole history, when the checker shrank the history */
  keyOps?: number;
  truncated?: boolean;
}

export interface KeyCounts { checked?: number; failed?: number; unknown?: number }

export interface CompletenessExample { kind: string; key: string; expected?: unknown; actual?: unknown; node?: string; slot?: number; note?: string }

export interface TopologyFinding { severity: "error" | "warn" | "info"; message: string; node?: string; slot?: string }

export interface LatencySpike {
  startMs: number;
  endMs: number;
  peakP99Us?: number;
  baselineP99Us?: number;
  ratio?: number;
  note?: string;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);
const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
const str = (v: unknown): string | undefined =>
  typeof v === "string" ? v : typeof v === "number" || typeof v === "boolean" ? String(v) : undefined;

/** Linearizability violations with per-key op timelines, or undefined when the check has none. */
export function linViolations(check: CheckResult): LinViolation[] | undefined {
  const raw = check.violations ?? check.anomalies;
  if (!Array.isArray(raw)) return undefined;
  const out: LinViolation[] = [];
  for (const v of raw) {
    if (!isObj(v)) continue;
    const key = str(v.key);
    const opsRaw = v.ops ?? v.operations;
    if (key === undefined || !Array.isArray(opsRaw)) continue;
    const failingIdx = new Set<number>(
      Array.isArray(v.failing) ? v.failing.filter((i): i is number => typeof i === "number")
        : typeof v.failing === "number" ? [v.failing]
        : typeof v.failingOp === "number" ? [v.failingOp] : [],
    );
    const order = new Map<number, number>();
    if (Array.isArray(v.linearization)) v.linearization.forEach((id, i) => typeof id === "number" && order.set(id, i + 1));
    const ops: LinOp[] = [];
    opsRaw.forEach((o, i) => {
      if (!isObj(o)) return;
      const callMs = num(o.callMs) ?? (num(o.call) !== undefined ? (o.call as number) / 1e6 : undefined);
      if (callMs === undefined) return;
      const retMs = num(o.retMs) ?? (num(o.ret) !== undefined ? (o.ret as number) / 1e6 : null);
      const status = o.status === "fail" ? "fail" : o.status === "info" || retMs === null ? "info" : "ok";
      const id = num(o.id) ?? i;
      ops.push({
        id,
        p: num(o.p) ?? num(o.process) ?? 0,
        f: str(o.f) ?? "?",
        input: o.input ?? o.value,
        output: o.output,
        status,
        callMs,
        retMs: status === "info" ? null : retMs,
        error: str(o.error),
        failing: failingIdx.has(i) || o.failing === true || (typeof v.stuckOp === "number" && v.stuckOp === id),
        order: order.get(id),
      });
    });
    out.push({
      key,
      model: str(v.model),
      kind: str(v.kind),
      message: str(v.message ?? v.explanation),
      ops,
      stateAfter: v.stateAfterLinearization,
      keyOps: num(v.keyOps),
      truncated: v.truncated === true,
    });
  }
  return out;
}

export function linKeyCounts(check: CheckResult): KeyCounts | undefined {
  const k = isObj(check.keys) ? check.keys : undefined;
  const counts: KeyCounts = {
    checked: num(check.keysChecked) ?? num(k?.checked),
    failed: num(check.keysInvalid) ?? num(check.keysFailed) ?? num(k?.failed),
    unknown: Array.isArray(check.keysUnknown) ? check.keysUnknown.length : num(check.keysUnknown) ?? num(k?.unknown),
  };
  return Object.values(counts).some((v) => v !== undefined) ? counts : undefined;
}

export function completenessCounts(check: CheckResult): Record<string, number> | undefined {
  if (!isObj(check.counts)) return undefined;
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(check.counts)) if (num(v) !== undefined) out[k] = v as number;
  return out;
}

export function completenessExamples(check: CheckResult): CompletenessExample[] | undefined {
  const raw = check.examples;
  const out: CompletenessExample[] = [];
  const push = (kind: string, e: unknown) => {
    if (isObj(e) && str(e.key) !== undefined) {
      out.push({ kind: str(e.kind) ?? kind, key: str(e.key)!, expected: e.expected, actual: e.actual, node: str(e.node), slot: num(e.slot), note: str(e.note) });
    } else if (str(e) !== undefined) {
      out.push({ kind, key: str(e)! });
    }
  };
  if (Array.isArray(raw)) raw.forEach((e) => push("example", e));
  else if (isObj(raw)) for (const [kind, list] of Object.entries(raw)) (Array.isArray(list) ? list : [list]).forEach((e) => push(kind, e));
  else return undefined;
  return out;
}

export function topologyFindings(check: CheckResult): TopologyFinding[] | undefined {
  if (!Array.isArray(check.findings)) return undefined;
  return check.findings.flatMap((f): TopologyFinding[] => {
    if (typeof f === "string") return [{ severity: "info", message: f }];
    if (!isObj(f)) return [];
    const severity = f.severity === "error" || f.severity === "warn" ? f.severity : "info";
    return [{ severity, message: str(f.message) ?? JSON.stringify(f), node: str(f.node), slot: str(f.slot) }];
  });
}

export function latencySpikes(check: CheckResult): LatencySpike[] | undefined {
  if (!Array.isArray(check.spikes)) return undefined;
  return check.spikes.flatMap((s): LatencySpike[] => {
    if (!isObj(s) || num(s.startMs) === undefined || num(s.endMs) === undefined) return [];
    return [{
      startMs: s.startMs as number,
      endMs: s.endMs as number,
      peakP99Us: num(s.peakP99Us),
      baselineP99Us: num(s.baselineP99Us),
      ratio: num(s.ratio),
      note: str(s.note ?? s.cause),
    }];
  });
}

/** Short op text as the report and failure messages show it: `w(v1)`, `r→v1`, `cas(a,b)→ok`. */
export function opLabel(op: Pick<LinOp, "f" | "input" | "output" | "status">): string {
  const show = (v: unknown) => (v === null ? "nil" : typeof v === "string" ? v : JSON.stringify(v) ?? "?");
  const out = op.status === "info" ? "?" : op.status === "fail" ? "fail" : show(op.output);
  switch (op.f) {
    case "read": return `r→${out}`;
    case "write": return `w(${show(op.input)})`;
    case "cas": return `cas(${Array.isArray(op.input) ? op.input.map(show).join(",") : show(op.input)})→${op.status === "ok" ? "ok" : out}`;
    case "append": return `app(${show(op.input)})`;
    case "incr": return `incr(${show(op.input)})→${out}`;
    default: return `${op.f}(${show(op.input)})→${out}`;
  }
}

/**
 * Lines saying what failed and where, for JUnit failure text, Markdown and the console.
 * Bounded: at most `max` lines.
 */
export function describeCheck(check: CheckResult, max = 8): string[] {
  const lines: string[] = [check.summary];
  for (const v of linViolations(check) ?? []) {
    const failing = v.ops.filter((o) => o.failing);
    const where = failing.map((o) => `client ${o.p} ${opLabel(o)} at ${(o.callMs / 1000).toFixed(3)} s`).join("; ");
    lines.push(`key ${v.key}${v.model ? ` (${v.model})` : ""}: ${v.message ?? "not linearizable"}${where ? ` — failing op: ${where}` : ""}`);
  }
  const counts = completenessCounts(check);
  if (counts) lines.push(Object.entries(counts).map(([k, n]) => `${k}=${n}`).join(", "));
  const examples = completenessExamples(check) ?? [];
  const show = (v: unknown) => (v === null ? "(absent)" : JSON.stringify(v));
  for (const e of examples.slice(0, 5)) {
    lines.push(`${e.kind}: ${e.key}${e.expected !== undefined ? ` expected ${show(e.expected)}` : ""}${e.actual !== undefined ? ` got ${show(e.actual)}` : ""}${e.node ? ` on ${e.node}` : ""}${e.note ? ` (${e.note})` : ""}`);
  }
  for (const f of (topologyFindings(check) ?? []).filter((f) => f.severity !== "info")) {
    lines.push(`${f.severity}: ${f.message}${f.node ? ` (${f.node})` : ""}`);
  }
  for (const s of latencySpikes(check) ?? []) {
    lines.push(`spike ${(s.startMs / 1000).toFixed(1)}–${(s.endMs / 1000).toFixed(1)} s${s.ratio !== undefined ? `: p99 ${s.ratio.toFixed(1)}× baseline` : ""}${s.note ? ` (${s.note})` : ""}`);
  }
  return lines.length > max ? [...lines.slice(0, max - 1), `… ${lines.length - max + 1} more in report.html`] : lines;
}
