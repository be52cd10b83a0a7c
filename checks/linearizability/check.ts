// checkOperations: partition a history per key, check every key within its budget
// (in-process or on worker threads), and sum it up.
import { availableParallelism } from "node:os";
import { UsageError } from "../../harness/errors.ts";
import type { HistoryModel, Operation } from "../../workloads/history-types.ts";
import { checkKeys, type KeyJob, type KeyLimits, type KeyResult } from "./key-check.ts";
import { checkListAppendKey, validateListAppendOp } from "./list-append.ts";
import { SEARCH_MODELS, type ModelSpec } from "./models.ts";
import { partitionByKey } from "./operations.ts";
import { checkKeysWithWorkers } from "./pool.ts";
import type { CheckOptions, LinearizabilityResult, UnknownKey, Violation } from "./types.ts";

export const DEFAULTS = {
  budgetMs: 60_000,
  keyBudgetMs: 10_000,
  shrinkBudgetMs: 2_000,
  maxViolationReports: 10,
  parallelMinOps: 20_000,
} as const;

/** With workers: "auto", worker threads start when checking has taken this long. */
const AUTO_SPAWN_AFTER_MS = 2_000;

/** Unknown keys listed in the result (all are counted in keysUnknownCount). */
const MAX_UNKNOWN_LISTED = 1_000;

const MODELS: readonly HistoryModel[] = ["register", "kv-append", "counter", "list-append"];

/**
 * Checks that `ops` (fail ops already dropped; info ops with ret = Infinity) are
 * linearizable under `model`, key by key. Never throws for a violation or a budget
 * hit; throws UsageError for malformed input.
 */
export async function checkOperations(
  model: HistoryModel,
  ops: readonly Operation[],
  opts: CheckOptions = {},
): Promise<LinearizabilityResult> {
  const started = Date.now();
  const o = resolveOptions(model, opts);
  const limits: KeyLimits = {
    deadline: started + o.budgetMs,
    keyBudgetMs: o.keyBudgetMs,
    shrinkBudgetMs: o.shrinkBudgetMs,
    signal: opts.signal,
  };
  const jobs = makeJobs(model, ops, opts);

  let results: KeyResult[];
  let listCounts: Record<string, number> | undefined;
  let workers = 0;
  if (model === "list-append") {
    ({ results, counts: listCounts } = checkListAppendKeys(jobs, opts.failed ?? [], limits));
  } else {
    const spec = SEARCH_MODELS[model];
    const wanted = workerCount(o.workers, ops.length, jobs.length, o.parallelMinOps);
    // "auto" first checks in-process for a while: a history done by then never pays for workers.
    const stopAt = o.workers === "auto" && wanted > 0 ? Date.now() + AUTO_SPAWN_AFTER_MS : Infinity;
    results = wanted > 0 && stopAt === Infinity ? [] : checkKeys(spec, jobs, limits, o.maxViolationReports, stopAt);
    if (results.length < jobs.length) {
      const described = results.filter((r) => r.status === "illegal" && r.violation).length;
      const left = jobs.slice(results.length);
      const reportsLeft = o.maxViolationReports - described;
      if (left.length === 1) results = [...results, ...checkKeys(spec, left, limits, reportsLeft)];
      else {
        const rest = await checkKeysWithWorkers(spec, left, limits, reportsLeft, wanted);
        results = [...results, ...rest.results];
        workers = rest.workersUsed;
      }
    }
  }
  return summarise(model, results, ops.length, Date.now() - started, workers, o.maxViolationReports, listCounts);
}

function resolveOptions(model: HistoryModel, opts: CheckOptions) {
  if (!MODELS.includes(model)) {
    throw new UsageError(`model is ${JSON.stringify(model)}; allowed: ${MODELS.join(", ")}`);
  }
  const positive = (name: keyof typeof DEFAULTS): number => {
    const v = opts[name] ?? DEFAULTS[name];
    if (typeof v !== "number" || !(v >= 0)) {
      throw new UsageError(`linearizable option ${name} is ${JSON.stringify(v)}; allowed: a number >= 0`);
    }
    return v;
  };
  const workers = opts.workers ?? "auto";
  if (workers !== "auto" && !(Number.isInteger(workers) && workers >= 0)) {
    throw new UsageError(`linearizable option workers is ${JSON.stringify(workers)}; allowed: "auto" or an integer >= 0`);
  }
  return {
    budgetMs: positive("budgetMs"),
    keyBudgetMs: positive("keyBudgetMs"),
    shrinkBudgetMs: positive("shrinkBudgetMs"),
    maxViolationReports: positive("maxViolationReports"),
    parallelMinOps: positive("parallelMinOps"),
    workers,
  };
}

/** Worker threads to start besides this one ("auto": one per other CPU, at most 7). */
function workerCount(workers: number | "auto", ops: number, keys: number, minOps: number): number {
  if (workers === 0 || keys < 2 || ops < minOps) return 0;
  const wanted = workers === "auto" ? Math.min(availableParallelism() - 1, 7) : workers;
  return Math.max(0, Math.min(wanted, keys - 1));
}

/** Validates every op, partitions by key and sorts each key's ops by call. */
function makeJobs(model: HistoryModel, ops: readonly Operation[], opts: CheckOptions): KeyJob[] {
  const spec: ModelSpec | undefined = model === "list-append" ? undefined : SEARCH_MODELS[model];
  const initial = opts.initial;
  const initialOf = typeof initial === "function" ? initial : (key: string) => initial?.[key];
  // One pass: validate and partition; a key's ops are sorted only if they came unsorted.
  const byKey = new Map<string, { ops: Operation[]; sorted: boolean }>();
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i];
    if (typeof op.key !== "string") throw new UsageError(`ops[${i}].key is ${JSON.stringify(op.key)}; allowed: a string`);
    if (op.status !== "ok" && op.status !== "info") {
      throw new UsageError(`ops[${i}].status is ${JSON.stringify(op.status)}; allowed: ok, info (drop fail ops first)`);
    }
    if (!(op.call <= op.ret)) throw new UsageError(`ops[${i}] has call ${op.call} and ret ${op.ret}; allowed: numbers with call <= ret`);
    if (spec) spec.validate(op, i);
    else validateListAppendOp(op, i);
    const part = byKey.get(op.key);
    if (part === undefined) byKey.set(op.key, { ops: [op], sorted: true });
    else {
      if (part.sorted && part.ops[part.ops.length - 1].call > op.call) part.sorted = false;
      part.ops.push(op);
    }
  }
  const jobs: KeyJob[] = [];
  for (const [key, part] of byKey) {
    if (!part.sorted) part.ops.sort((a, b) => a.call - b.call);
    jobs.push({ key, ops: part.ops, initial: initialOf(key) });
  }
  return jobs;
}

function checkListAppendKeys(jobs: readonly KeyJob[], failed: readonly Operation[], limits: KeyLimits) {
  const failedByKey = partitionByKey(failed);
  const counts: Record<string, number> = {};
  const results: KeyResult[] = jobs.map((job): KeyResult => {
    const n = job.ops.length;
    if (limits.signal?.aborted || Date.now() >= limits.deadline) {
      const reason = limits.signal?.aborted ? "aborted" : "overall-budget";
      return { key: job.key, ops: n, status: "unknown", unknown: { key: job.key, ops: n, reason, message: "not checked: the check was cancelled or ran out of its overall budget" } };
    }
    const found = checkListAppendKey(job.key, job.ops, failedByKey.get(job.key));
    for (const [kind, c] of Object.entries(found.counts)) counts[kind] = (counts[kind] ?? 0) + c;
    if (found.violations.length === 0) return { key: job.key, ops: n, status: "ok" };
    return { key: job.key, ops: n, status: "illegal", violation: found.violations[0], more: found.violations.slice(1) };
  });
  return { results, counts };
}

function summarise(
  model: HistoryModel,
  results: readonly KeyResult[],
  opsChecked: number,
  elapsedMs: number,
  workers: number,
  maxReports: number,
  anomalyCounts?: Record<string, number>,
): LinearizabilityResult {
  const unknown: UnknownKey[] = [];
  const violations: Violation[] = [];
  let keysInvalid = 0;
  for (const r of results) {
    if (r.status === "unknown") unknown.push(r.unknown);
    else if (r.status === "illegal") {
      keysInvalid++;
      if (r.violation) violations.push(r.violation);
      if (r.more) violations.push(...r.more);
    }
  }
  const shown = violations.slice(0, Math.max(maxReports, 0));
  const keys = results.length;
  const secs = (elapsedMs / 1000).toFixed(2);
  let valid: LinearizabilityResult["valid"];
  let summary: string;
  if (keysInvalid > 0) {
    valid = false;
    const first = shown[0]?.message ?? "";
    summary = `not linearizable: ${keysInvalid} of ${keys} keys violate the ${model} model` + (first ? `; ${first}` : "");
  } else if (unknown.length > 0) {
    valid = "unknown";
    summary = `unknown: ${unknown.length} of ${keys} keys could not be decided within the time budget; no violation in the other ${keys - unknown.length}`;
  } else {
    valid = true;
    summary = `linearizable: ${keys} keys, ${opsChecked} ops (${model}) in ${secs} s`;
  }
  const result: LinearizabilityResult = {
    valid,
    summary,
    model,
    keysChecked: keys,
    keysUnknown: unknown.slice(0, MAX_UNKNOWN_LISTED),
    keysUnknownCount: unknown.length,
    keysInvalid,
    violations: shown,
    opsChecked,
    elapsedMs,
    workers,
  };
  if (anomalyCounts) result.anomalies = anomalyCounts;
  return result;
}
