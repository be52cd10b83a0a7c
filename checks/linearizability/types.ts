// Public data shapes of the linearizability checker. Everything here is plain,
// serialisable data: results travel between worker threads and into result.json,
// and an HTML report draws a violation as a per-key timeline from `ops`.
import type { HistoryFn, HistoryModel, Operation } from "../../workloads/history-types.ts";

export type { HistoryModel, Operation };

/** Initial value of a key before the history starts (preloaded data); absent keys start empty. */
export type InitialState = Record<string, unknown> | ((key: string) => unknown);

export interface CheckOptions {
  /** wall-clock budget for the whole check (ms); keys not finished in time are `unknown`. Default 60 000. */
  budgetMs?: number;
  /** budget for one key's search (ms); a key that exceeds it is `unknown`. Default 10 000. */
  keyBudgetMs?: number;
  /** budget for shrinking one violation to a small failing sub-history (ms). Default 2 000. */
  shrinkBudgetMs?: number;
  /** at most this many violations get a shrunk, detailed report; the rest are still counted. Default 10. */
  maxViolationReports?: number;
  /** values of keys before the history (e.g. the preload). Default: missing (null / 0 / []). */
  initial?: InitialState;
  /**
   * worker threads besides this one: 0 = all in-process; "auto" = one per other CPU (at most 7),
   * started only if checking takes over two seconds. This thread checks the small keys, workers
   * the biggest. Default "auto".
   */
  workers?: number | "auto";
  /** below this many operations the check runs in-process even with workers allowed. Default 20 000. */
  parallelMinOps?: number;
  /** list-append only: appends that failed (certainly not executed), to detect reads of their elements */
  failed?: readonly Operation[];
  signal?: AbortSignal;
}

/**
 * One operation as drawn on a timeline. `ret: null` = never returned (info: may take effect
 * any time after call). `fail` appears only in list-append anomalies (an element of a failed append was read).
 */
export interface ViolationOp {
  /** index within `Violation.ops` */
  id: number;
  p: number;
  f: HistoryFn;
  input: unknown;
  output: unknown;
  status: "ok" | "info" | "fail";
  call: number;
  ret: number | null;
}

export type ViolationKind =
  | "not-linearizable"
  // list-append anomalies (Elle-style, no search)
  | "duplicate-element"
  | "incompatible-order"
  | "lost-append"
  | "stale-read"
  | "future-read"
  | "phantom-element"
  | "aborted-read"
  | "append-order";

export interface Violation {
  key: string;
  model: HistoryModel;
  kind: ViolationKind;
  /** one line for humans */
  message: string;
  /** the smallest failing sub-history found (for list-append: the ops involved in the anomaly) */
  ops: ViolationOp[];
  /** ops on this key in the whole history */
  keyOps: number;
  /** how far shrinking got: `complete` = no single op could be dropped any more */
  shrink?: { from: number; to: number; complete: boolean; elapsedMs: number };
  /** ids (into `ops`) of the longest partial linearization of `ops` found by the search, in order */
  linearization?: number[];
  /** id (into `ops`) of the op that cannot be placed after `linearization` */
  stuckOp?: number;
  /** the model's value after `linearization` (e.g. the register's value) */
  stateAfterLinearization?: unknown;
  /** `ops` was cut to the first N ops to keep the report small (only when shrinking ran out of time) */
  truncated?: boolean;
}

export interface UnknownKey {
  key: string;
  ops: number;
  reason: "key-budget" | "overall-budget" | "aborted" | "error";
  message: string;
}

export interface LinearizabilityResult {
  valid: true | false | "unknown";
  summary: string;
  model: HistoryModel;
  keysChecked: number;
  /** keys whose check ran out of budget (never counted as valid) */
  keysUnknown: UnknownKey[];
  /** the number of violating keys (`violations` may hold fewer detailed reports) */
  keysInvalid: number;
  violations: Violation[];
  opsChecked: number;
  elapsedMs: number;
  /** worker threads that checked keys (0 = all in-process) */
  workers: number;
  [figure: string]: unknown;
}
