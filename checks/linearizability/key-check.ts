// Checking one key: search, and on a violation, shrink it and describe it.
import type { Operation } from "../../workloads/history-types.ts";
import type { ModelSpec } from "./models.ts";
import { runSearch, type KeyOutcome } from "./run-search.ts";
import { shrinkFailing } from "./shrink.ts";
import type { UnknownKey, Violation, ViolationOp } from "./types.ts";

/** Timelines in reports stay readable; a violation that could not be shrunk is cut to this many ops. */
const MAX_REPORT_OPS = 400;
/** A violation of at most this many ops is described from an exact re-search, given this long. */
const DESCRIBE_EXACT_MAX_OPS = 64;
const DESCRIBE_EXACT_MS = 100;

export interface KeyJob {
  key: string;
  /** the key's ops sorted by call */
  ops: Operation[];
  initial: unknown;
}

export interface KeyLimits {
  /** Date.now() deadline for the whole check */
  deadline: number;
  keyBudgetMs: number;
  shrinkBudgetMs: number;
  signal?: AbortSignal;
}

export type KeyResult =
  | { key: string; ops: number; status: "ok" }
  | { key: string; ops: number; status: "unknown"; unknown: UnknownKey }
  | { key: string; ops: number; status: "illegal"; violation?: Violation; more?: Violation[] };

/** Checks one key; `describe` = build a shrunk, detailed violation report if it fails. */
export function checkKey(spec: ModelSpec, job: KeyJob, limits: KeyLimits, describe: boolean): KeyResult {
  const { key, ops, initial } = job;
  const now = Date.now();
  if (limits.signal?.aborted || now >= limits.deadline) {
    const aborted = limits.signal?.aborted === true;
    return unknownKey(key, ops.length, aborted ? "aborted" : "overall-budget");
  }
  const keyDeadline = Math.min(limits.deadline, now + limits.keyBudgetMs);
  const outcome = runSearch(spec, ops, initial, keyDeadline, limits.signal);
  if (outcome.result === "ok") return { key, ops: ops.length, status: "ok" };
  if (outcome.result === "unknown") {
    const reason = outcome.reason === "aborted" ? "aborted" : keyDeadline < limits.deadline ? "key-budget" : "overall-budget";
    return unknownKey(key, ops.length, reason);
  }
  if (!describe) return { key, ops: ops.length, status: "illegal" };
  return { key, ops: ops.length, status: "illegal", violation: describeViolation(spec, job, outcome, limits) };
}

function unknownKey(key: string, ops: number, reason: UnknownKey["reason"]): KeyResult {
  const message =
    reason === "aborted" ? "the check was cancelled"
    : reason === "key-budget" ? "the search for this key ran out of its time budget (keyBudgetMs)"
    : "the check ran out of its overall time budget (budgetMs) before this key was decided";
  return { key, ops, status: "unknown", unknown: { key, ops, reason, message } };
}

function describeViolation(
  spec: ModelSpec,
  job: KeyJob,
  full: Extract<KeyOutcome, { result: "illegal" }>,
  limits: KeyLimits,
): Violation {
  const started = Date.now();
  const shrinkDeadline = Math.min(limits.deadline, started + limits.shrinkBudgetMs);
  // Hint: ops called after the stuck op returned are rarely needed to show the failure.
  const stuckRet = job.ops[full.stuckOp].ret;
  let hint = job.ops.length;
  while (hint > 1 && job.ops[hint - 1].call > stuckRet) hint--;
  const shrunk = shrinkFailing(spec, job.ops, job.initial, { deadline: shrinkDeadline, signal: limits.signal, prefixHint: hint });
  const elapsedMs = Date.now() - started;

  // Describe a small sub-history from an exact search where it is quick (its deepest
  // dead end is the natural one: the read nothing explains); else from the fast one.
  let sub = shrunk.ops;
  let outcome: KeyOutcome | undefined;
  if (sub.length <= DESCRIBE_EXACT_MAX_OPS) {
    const exact = runSearch(spec, sub, job.initial, Date.now() + DESCRIBE_EXACT_MS, limits.signal, true);
    if (exact.result === "illegal") outcome = exact;
  }
  if (outcome === undefined && sub !== job.ops) {
    const fast = runSearch(spec, sub, job.initial, Math.max(Date.now(), shrinkDeadline) + 1000, limits.signal);
    if (fast.result === "illegal") outcome = fast;
  }
  if (outcome === undefined) {
    // The whole key, or a re-search out of time: what the full search found.
    sub = job.ops;
    outcome = full;
  }
  const lin = outcome as Extract<KeyOutcome, { result: "illegal" }>;

  // A sub-history too long to draw keeps a window around the stuck op.
  let lo = 0;
  let hi = sub.length;
  if (sub.length > MAX_REPORT_OPS) {
    lo = Math.max(0, Math.min(lin.stuckOp - (MAX_REPORT_OPS - 50), sub.length - MAX_REPORT_OPS));
    hi = lo + MAX_REPORT_OPS;
  }
  const ops: ViolationOp[] = [];
  for (let i = lo; i < hi; i++) ops.push(toViolationOp(sub[i], i - lo));
  const inWindow = (i: number) => i >= lo && i < hi;
  const stuck = sub[lin.stuckOp];
  const stateAfter = lin.stuckValue;
  const message =
    `key ${JSON.stringify(job.key)} is not linearizable: after ${lin.longest.length} of ${sub.length} ops ` +
    `(value then ${JSON.stringify(stateAfter)}), ${describeOp(stuck)} by process ${stuck.p} cannot take effect before it returned` +
    (sub.length < job.ops.length ? ` (shrunk from ${job.ops.length} ops)` : "");
  const violation: Violation = {
    key: job.key,
    model: spec.name,
    kind: "not-linearizable",
    message,
    ops,
    keyOps: job.ops.length,
    shrink: { from: job.ops.length, to: sub.length, complete: shrunk.complete, elapsedMs },
    linearization: lin.longest.filter(inWindow).map((i) => i - lo),
    stuckOp: lin.stuckOp - lo,
    stateAfterLinearization: stateAfter,
  };
  if (hi - lo < sub.length) violation.truncated = true;
  return violation;
}

export function toViolationOp(op: Operation, id: number): ViolationOp {
  return {
    id,
    p: op.p,
    f: op.f,
    input: op.input,
    output: op.output,
    status: op.status,
    call: op.call,
    ret: Number.isFinite(op.ret) ? op.ret : null,
  };
}

/** A short human form of an op, e.g. `read() → "x"`, `cas(["a","b"])`. */
export function describeOp(op: Operation): string {
  const arg = op.input === undefined || op.input === null ? "" : short(op.input);
  const out = op.status === "info" ? " → ?" : op.f === "read" || op.f === "incr" || op.output === false ? ` → ${short(op.output)}` : "";
  return `${op.f}(${arg})${out}`;
}

function short(v: unknown): string {
  const text = JSON.stringify(v) ?? String(v);
  return text.length <= 60 ? text : `${text.slice(0, 45)}…(${text.length} chars)`;
}

/**
 * Checks keys one after another; only the first `describeLeft` violations get a
 * detailed report. Stops early once Date.now() passes `stopAt`: the result then
 * covers only the first keys.
 */
export function checkKeys(spec: ModelSpec, jobs: readonly KeyJob[], limits: KeyLimits, describeLeft: number, stopAt = Infinity): KeyResult[] {
  const results: KeyResult[] = [];
  for (const job of jobs) {
    if (results.length > 0 && Date.now() > stopAt) break;
    const result = checkKey(spec, job, limits, describeLeft > 0);
    if (result.status === "illegal" && result.violation) describeLeft--;
    results.push(result);
  }
  return results;
}
