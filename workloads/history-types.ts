// One line of a Jepsen-style history (NDJSON in the run directory). See DESIGN "History and time".
// `fail` = the op certainly did not happen; `info` = it may have happened any time after its invoke.

export type HistoryType = "invoke" | "ok" | "fail" | "info";

/** Models a checked key can follow. */
export type HistoryModel = "register" | "kv-append" | "counter" | "list-append";

/**
 * Operation names per model:
 * - register:    "read" (value: null on invoke, string|null on ok), "write" (value: string), "cas" (value: [expected, new])
 * - kv-append:   "read", "write", "append" (value: string appended)
 * - counter:     "read", "incr" (value: delta on invoke; new total on ok)
 * - list-append: "read" (ok value: string[]), "append" (value: element)
 */
export type HistoryFn = "read" | "write" | "cas" | "append" | "incr";

export interface HistoryEvent {
  /** logical client / process id; one op in flight per process */
  p: number;
  type: HistoryType;
  f: HistoryFn;
  key: string;
  /** invoke: the argument; ok: the result for reads (and counter incr), else the argument */
  value: unknown;
  /** monotonic time, ns since the run's clock origin (integer, fits in a double for < 104 days) */
  t: number;
  /** error class for fail/info (MOVED, ASK, TRYAGAIN, CLUSTERDOWN, CROSSSLOT, timeout, connection, other) */
  error?: string;
}

/** An invoke paired with its completion, the unit checkers work on. */
export interface Operation {
  p: number;
  key: string;
  f: HistoryFn;
  /** argument of the invoke */
  input: unknown;
  /** result on ok; undefined for info (unknown) */
  output: unknown;
  /** completion status */
  status: "ok" | "info";
  call: number;
  /** completion time; Infinity for info ops (may take effect any time after call) */
  ret: number;
}
