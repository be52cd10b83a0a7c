// Gates: exit-code conditions over the checks and the run's figures, from the scenario
// (`gates:`) or the CLI (`--gate`). Syntax: `METRIC [OP VALUE]`, OP one of < <= > >= == !=,
// VALUE a number or true/false; a bare METRIC means `METRIC == true` (yes/no metrics only).
// Examples: `lost == 0`, `linearizable`, `p99_spike_ratio < 5`, `migration_seconds < 120`,
// `redirects.ASK == 0`, `unknown_keys == 0`, `latency.throughput.dip < 0.5`.
//
// METRIC is a name from METRICS, or `<checker>.<figure path>` into that checker's result
// (an array counts as its length). A gate whose metric has no value in this run (the checker
// did not run, no migration) passes as "unknown", never silently true.
import { EXIT, UsageError } from "../harness/errors.ts";
import { distance } from "fastest-levenshtein";
import type { GateResult, RunResult, Verdict } from "../results/model.ts";
import { checkerNames } from "./registry.ts";
import type { CheckResult } from "./types.ts";

export const GATE_OPS = ["<", "<=", ">", ">=", "==", "!="] as const;
export type GateOp = (typeof GATE_OPS)[number];

export interface Gate {
  expr: string;
  metric: string;
  op: GateOp;
  value: number | boolean;
}

/** What a gate is evaluated against: the checks, and whatever run figures exist. */
export type GateSource = { checks: Record<string, CheckResult> } & Partial<Omit<RunResult, "checks">>;

type Value = number | boolean | undefined;

export interface Metric {
  name: string;
  kind: "number" | "boolean";
  description: string;
  get(src: GateSource): Value;
}

// ---- reading figures defensively (results may come from older or partial runs) ----

const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
const obj = (v: unknown): Record<string, unknown> | undefined => (v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined);
const check = (src: GateSource, name: string): CheckResult | undefined => src.checks?.[name];
const figure = (src: GateSource, checker: string, ...path: string[]): unknown => {
  let v: unknown = check(src, checker);
  for (const p of path) v = obj(v)?.[p];
  return v;
};
const count = (checker: string, ...path: string[]) => (src: GateSource) => num(figure(src, checker, ...path));
const scaled = (f: (src: GateSource) => number | undefined, k: number) => (src: GateSource) => {
  const v = f(src);
  return v === undefined ? undefined : v * k;
};
const validity = (name: string) => (src: GateSource): Value => {
  const v = check(src, name)?.valid;
  return v === true || v === false ? v : undefined;
};

/** ops, errors, redirects, late/dropped: from the workload summary, else summed over windows. */
function workloadTotal(src: GateSource, pick: (w: { errors: Record<string, number | undefined>; redirects: Record<string, number>; late: number; dropped: number; ops?: number }) => number | undefined): number | undefined {
  if (src.workload) return pick(src.workload as never);
  if (!src.windows?.length) return undefined;
  let total = 0;
  for (const w of src.windows) total += pick(w as never) ?? 0;
  return total;
}
const sumValues = (r: Record<string, number | undefined> | undefined) => Object.values(r ?? {}).reduce<number>((a, b) => a + (b ?? 0), 0);
const ERROR_CLASSES = ["MOVED", "ASK", "TRYAGAIN", "CLUSTERDOWN", "CROSSSLOT", "timeout", "connection", "other"] as const;

const latencyUs = (p: "p50" | "p99" | "p999" | "max") => (src: GateSource) => {
  const v = num(src.workload?.latency?.[p]);
  return v === undefined ? undefined : v / 1000;
};

function migrationSeconds(src: GateSource): number | undefined {
  const m = src.migration;
  if (!m || m.outcome === "not-run") return undefined;
  const d = num(m.durationMs) ?? (num(m.finishedAtMs) !== undefined && num(m.startedAtMs) !== undefined ? m.finishedAtMs! - m.startedAtMs! : undefined);
  return d === undefined ? undefined : d / 1000;
}

function unknownKeys(src: GateSource): number | undefined {
  const c = check(src, "linearizable");
  if (!c) return undefined;
  return num(c.keysUnknownCount) ?? (Array.isArray(c.keysUnknown) ? c.keysUnknown.length : num(c.keysUnknown));
}

/** Every named metric a gate may use; the list docs and `--help` show. */
export const METRICS: readonly Metric[] = [
  // checks
  { name: "linearizable", kind: "boolean", description: "the linearizable check passed (every key's history is linearizable)", get: validity("linearizable") },
  { name: "completeness", kind: "boolean", description: "the completeness check passed (no lost, unexpected, duplicate, orphan or replica-divergent key)", get: validity("completeness") },
  { name: "topology", kind: "boolean", description: "the topology check passed (one slot map, all slots covered, nothing left open)", get: validity("topology") },
  { name: "latency", kind: "boolean", description: "the latency check passed (only fails when it was given hard limits)", get: validity("latency") },
  { name: "nonlinearizable_keys", kind: "number", description: "keys whose history is not linearizable", get: count("linearizable", "keysInvalid") },
  { name: "unknown_keys", kind: "number", description: "keys the linearizability search could not decide within its budget", get: unknownKeys },
  { name: "checked_keys", kind: "number", description: "keys checked for linearizability", get: count("linearizable", "keysChecked") },
  { name: "lost", kind: "number", description: "acknowledged writes missing or overwritten by an older value at the end", get: count("completeness", "counts", "lost") },
  { name: "unexpected", kind: "number", description: "keys holding a value no operation wrote", get: count("completeness", "counts", "unexpected") },
  { name: "recovered", kind: "number", description: "keys whose value comes from an indeterminate (info) write that landed", get: count("completeness", "counts", "recovered") },
  { name: "duplicate", kind: "number", description: "keys served by two primaries", get: count("completeness", "counts", "duplicate") },
  { name: "orphan", kind: "number", description: "keys left on a primary that does not own their slot (invisible to clients)", get: count("completeness", "counts", "orphan") },
  { name: "replica_divergent", kind: "number", description: "keys on which a replica disagrees with its primary", get: count("completeness", "counts", "replica-divergent") },
  { name: "untracked_keys", kind: "number", description: "keys found that neither the preload nor the history mention", get: count("completeness", "counts", "untracked") },
  { name: "tracked_keys", kind: "number", description: "keys completeness judged against the preload and history", get: count("completeness", "keysTracked") },
  { name: "slot_count_mismatches", kind: "number", description: "slots whose owner holds a key count outside what preload and history imply", get: count("completeness", "slots", "mismatched") },
  { name: "topology_problems", kind: "number", description: "problems in the final topology (disagreement, uncovered or open slots, ...)", get: count("topology", "problems") },
  { name: "open_slots", kind: "number", description: "slots left migrating/importing at the end", get: count("topology", "openSlots") },
  { name: "uncovered_slots", kind: "number", description: "slots no primary owns at the end", get: count("topology", "uncoveredSlots") },
  { name: "convergence_seconds", kind: "number", description: "slowest time from a migration step or fault to a healthy cluster", get: count("topology", "maxConvergenceSeconds") },
  { name: "p99_spike_ratio", kind: "number", description: "worst window p99 / baseline p99", get: count("latency", "worstP99Ratio") },
  { name: "read_p99_spike_ratio", kind: "number", description: "p99_spike_ratio of reads", get: count("latency", "byClass", "read", "worstP99Ratio") },
  { name: "write_p99_spike_ratio", kind: "number", description: "p99_spike_ratio of writes", get: count("latency", "byClass", "write", "worstP99Ratio") },
  { name: "migrating_p99_spike_ratio", kind: "number", description: "p99_spike_ratio of keys in migrating slots", get: count("latency", "bySlotClass", "migrating", "worstP99Ratio") },
  { name: "other_p99_spike_ratio", kind: "number", description: "p99_spike_ratio of keys in slots that do not move", get: count("latency", "bySlotClass", "other", "worstP99Ratio") },
  { name: "spike_count", kind: "number", description: "latency spikes (runs of windows above factor × baseline p99 and baseline + floor)", get: count("latency", "spikeCount") },
  { name: "spike_seconds", kind: "number", description: "total time in latency spikes", get: scaled(count("latency", "spikeMs"), 1 / 1000) },
  { name: "worst_p99_ms", kind: "number", description: "worst window p99", get: scaled(count("latency", "worstP99Us"), 1 / 1000) },
  { name: "baseline_p99_ms", kind: "number", description: "baseline p99 (median window p99 of the baseline phase)", get: scaled(count("latency", "baselineP99Us"), 1 / 1000) },
  { name: "max_latency_ms", kind: "number", description: "highest latency of any operation in the checked windows", get: scaled(count("latency", "maxLatencyUs"), 1 / 1000) },
  { name: "throughput_dip", kind: "number", description: "deepest fall of ops/s below the baseline, 0..1", get: count("latency", "throughput", "dip") },
  // run figures
  { name: "migration_seconds", kind: "number", description: "how long the migration took", get: migrationSeconds },
  { name: "migration_ok", kind: "boolean", description: "the migration finished with outcome success", get: (s) => (!s.migration || s.migration.outcome === "not-run" ? undefined : s.migration.outcome === "success") },
  { name: "slots_moved", kind: "number", description: "slots the migration moved", get: (s) => num(s.migration?.slotsMoved) },
  { name: "keys_moved", kind: "number", description: "keys the migration moved", get: (s) => num(s.migration?.keysMoved) },
  { name: "keys_per_second", kind: "number", description: "keys moved per second of migration", get: (s) => { const t = migrationSeconds(s); const k = num(s.migration?.keysMoved); return t && k !== undefined ? k / t : undefined; } },
  { name: "ops", kind: "number", description: "operations completed by the workload", get: (s) => num(s.workload?.ops) ?? (s.windows?.length ? s.windows.reduce((a, w) => a + w.ops, 0) : undefined) },
  { name: "ops_per_second", kind: "number", description: "workload throughput over the run", get: (s) => num(s.workload?.opsPerSec) },
  { name: "p50_ms", kind: "number", description: "workload p50 latency over the whole run", get: latencyUs("p50") },
  { name: "p99_ms", kind: "number", description: "workload p99 latency over the whole run", get: latencyUs("p99") },
  { name: "p999_ms", kind: "number", description: "workload p99.9 latency over the whole run", get: latencyUs("p999") },
  { name: "max_ms", kind: "number", description: "workload max latency over the whole run", get: latencyUs("max") },
  { name: "late_ops", kind: "number", description: "open loop: operations started later than intended", get: (s) => workloadTotal(s, (w) => w.late) },
  { name: "dropped_ops", kind: "number", description: "open loop: arrivals dropped (too many in flight)", get: (s) => workloadTotal(s, (w) => w.dropped) },
  { name: "errors", kind: "number", description: "operations that ended in an error, all classes", get: (s) => workloadTotal(s, (w) => sumValues(w.errors)) },
  ...ERROR_CLASSES.map((c): Metric => ({ name: `errors.${c}`, kind: "number", description: `operations that ended in ${c}`, get: (s) => workloadTotal(s, (w) => w.errors[c] ?? 0) })),
  { name: "redirects", kind: "number", description: "MOVED + ASK + TRYAGAIN replies the client got", get: (s) => workloadTotal(s, (w) => sumValues(w.redirects)) },
  ...(["MOVED", "ASK", "TRYAGAIN"] as const).map((c): Metric => ({ name: `redirects.${c}`, kind: "number", description: `${c} replies the client got`, get: (s) => workloadTotal(s, (w) => w.redirects[c] ?? 0) })),
  { name: "faults", kind: "number", description: "faults injected", get: (s) => (s.faults ? s.faults.length : undefined) },
  { name: "duration_seconds", kind: "number", description: "wall time of the run", get: (s) => (num(s.durationMs) !== undefined ? s.durationMs! / 1000 : undefined) },
];

const BY_NAME = new Map(METRICS.map((m) => [m.name, m]));

/** Metric names with kind and description, for docs and `--help`. */
export function metricList(): Array<{ name: string; kind: "number" | "boolean"; description: string }> {
  return METRICS.map(({ name, kind, description }) => ({ name, kind, description }));
}

const ALLOWED = `a gate is METRIC [OP VALUE] with OP one of ${GATE_OPS.join(" ")} and VALUE a number or true/false, e.g. "lost == 0", "linearizable", "p99_spike_ratio < 5"`;
const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** The closest known name within 2 edits (a swapped pair of letters is 2), or a third of the word. */
function nearest(input: string, names: string[]): string | undefined {
  let best: string | undefined, bestD = Infinity;
  for (const n of names) {
    const d = distance(input.toLowerCase(), n.toLowerCase());
    if (d < bestD) [best, bestD] = [n, d];
  }
  return bestD <= Math.max(2, Math.min(3, Math.floor(input.length / 3))) ? best : undefined;
}

function fail(expr: string, why: string): never {
  throw new UsageError(`gate ${JSON.stringify(expr)}: ${why}`);
}

function checkerPrefix(metric: string): string | undefined {
  const dot = metric.indexOf(".");
  if (dot <= 0 || dot === metric.length - 1) return undefined;
  const head = metric.slice(0, dot);
  return checkerNames().includes(head) ? head : undefined;
}

/** Parses one gate; throws UsageError naming the gate and what is allowed. */
export function parseGate(expr: string): Gate {
  if (typeof expr !== "string") throw new UsageError(`gate ${JSON.stringify(expr)}: not a string; ${ALLOWED}`);
  const text = expr.trim();
  if (!text) fail(expr, `empty; ${ALLOWED}`);
  const m = /^([A-Za-z_][\w.]*)([\s\S]*)$/.exec(text);
  if (!m) fail(expr, `must start with a metric name; ${ALLOWED}`);
  const metric = m[1];
  const rest = m[2].trim();
  const known = BY_NAME.get(metric);
  if (!known && !checkerPrefix(metric)) {
    const near = nearest(metric, [...BY_NAME.keys()]);
    fail(expr, `unknown metric ${JSON.stringify(metric)}${near ? ` — did you mean "${near}"?` : ""}; known metrics: ${[...BY_NAME.keys()].join(", ")}; or <checker>.<figure> with checker one of ${checkerNames().join(", ")}`);
  }
  if (!rest) {
    if (known?.kind === "number") fail(expr, `${metric} is a number: compare it, e.g. "${metric} == 0" or "${metric} < 10"`);
    return { expr: text, metric, op: "==", value: true };
  }
  const om = /^(==|!=|<=|>=|<|>)([\s\S]*)$/.exec(rest);
  if (!om) fail(expr, `expected an operator (${GATE_OPS.join(" ")}) after ${metric}, got ${JSON.stringify(rest.slice(0, 20))}`);
  const op = om[1] as GateOp;
  const raw = om[2].trim();
  if (!raw) fail(expr, `missing a value after ${op}: use a number or true/false`);
  let value: number | boolean;
  if (raw === "true" || raw === "false") value = raw === "true";
  else if (NUMBER.test(raw) && Number.isFinite(Number(raw))) value = Number(raw);
  else fail(expr, `value ${JSON.stringify(raw.slice(0, 20))} is not allowed: use a number or true/false`);
  if (known?.kind === "boolean" && typeof value === "number") fail(expr, `${metric} is yes/no: write "${metric}", "${metric} == false" or "${metric} != true"`);
  if (known?.kind === "boolean" && op !== "==" && op !== "!=") fail(expr, `${metric} is yes/no: only == and != apply`);
  if (known?.kind === "number" && typeof value === "boolean") fail(expr, `${metric} is a number: compare it with a number, e.g. "${metric} ${op} 0"`);
  if (typeof value === "boolean" && op !== "==" && op !== "!=") fail(expr, `true/false can only be compared with == or !=`);
  return { expr: text, metric, op, value };
}

/** Parses every gate; the first bad one throws. */
export function parseGates(exprs: readonly string[]): Gate[] {
  return exprs.map(parseGate);
}

/** The value of a metric in this run, or undefined when the run does not have it. */
export function metricValue(metric: string, src: GateSource): Value {
  const known = BY_NAME.get(metric);
  if (known) return known.get(src);
  const [checker, ...path] = metric.split(".");
  const v = figure(src, checker, ...path);
  if (Array.isArray(v)) return v.length;
  return typeof v === "boolean" ? v : num(v);
}

function holds(actual: number | boolean, op: GateOp, expected: number | boolean): boolean {
  switch (op) {
    case "==": return actual === expected;
    case "!=": return actual !== expected;
    case "<": return (actual as number) < (expected as number);
    case "<=": return (actual as number) <= (expected as number);
    case ">": return (actual as number) > (expected as number);
    case ">=": return (actual as number) >= (expected as number);
  }
}

const show = (v: number | boolean) => (typeof v === "number" && !Number.isInteger(v) ? String(Number(v.toPrecision(4))) : String(v));

export function evaluateGate(gate: Gate, src: GateSource): GateResult {
  const actual = metricValue(gate.metric, src);
  if (actual === undefined) {
    return { expr: gate.expr, passed: "unknown", message: `${gate.expr}: ${gate.metric} has no value in this run (its checker did not run or the figure was not recorded)` };
  }
  if (typeof actual !== typeof gate.value) {
    return { expr: gate.expr, passed: "unknown", actual, message: `${gate.expr}: ${gate.metric} is ${show(actual)}, which cannot be compared with ${show(gate.value)}` };
  }
  const passed = holds(actual, gate.op, gate.value);
  return { expr: gate.expr, passed, actual, message: `${gate.expr}: ${passed ? "held" : "FAILED"} (${gate.metric} = ${show(actual)})` };
}

/**
 * Evaluates gates against the checks and run figures. Never throws: a gate that does not
 * parse (validate with parseGates at load time for a usage error) is "unknown" with the reason.
 */
export function evaluateGates(gates: ReadonlyArray<string | Gate>, src: GateSource): GateResult[] {
  return gates.map((g) => {
    if (typeof g !== "string") return evaluateGate(g, src);
    try {
      return evaluateGate(parseGate(g), src);
    } catch (e) {
      return { expr: String(g), passed: "unknown", message: (e as Error).message };
    }
  });
}

export interface VerdictOutcome {
  verdict: Verdict;
  exitCode: number;
  reason: string;
}

/**
 * The run's verdict and exit code (DESIGN "Fixed points"): error 4 (harness error) over
 * fail 1 (a check is false) over fail 3 (a gate failed) over unknown 2 (a check or gate is
 * unknown) over pass 0.
 */
export function verdictOf(checks: Record<string, CheckResult>, gates: readonly GateResult[], error?: unknown): VerdictOutcome {
  if (error !== undefined && error !== null && error !== false) {
    const why = error instanceof Error ? error.message : String(error);
    return { verdict: "error", exitCode: EXIT.harnessError, reason: `harness error: ${why}` };
  }
  const entries = Object.entries(checks);
  const failed = entries.filter(([, c]) => c.valid === false);
  if (failed.length) {
    return { verdict: "fail", exitCode: EXIT.checkFailed, reason: failed.map(([n, c]) => `${n}: ${c.summary}`).join("; ") };
  }
  const failedGates = gates.filter((g) => g.passed === false);
  if (failedGates.length) {
    return { verdict: "fail", exitCode: EXIT.gateFailed, reason: `gate failed: ${failedGates.map((g) => g.message).join("; ")}` };
  }
  const unknownChecks = entries.filter(([, c]) => c.valid !== true);
  const unknownGates = gates.filter((g) => g.passed !== true);
  if (unknownChecks.length || unknownGates.length) {
    const parts = [...unknownChecks.map(([n, c]) => `${n}: ${c.summary}`), ...unknownGates.map((g) => g.message)];
    return { verdict: "unknown", exitCode: EXIT.unknown, reason: `undecided: ${parts.join("; ")}` };
  }
  return { verdict: "pass", exitCode: EXIT.pass, reason: `${entries.length} checks passed${gates.length ? `, ${gates.length} gates held` : ""}` };
}
