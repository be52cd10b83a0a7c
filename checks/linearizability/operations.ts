// From a Jepsen-style event history to operations (invoke paired with completion).
import { UsageError } from "../../harness/errors.ts";
import type { HistoryEvent, Operation } from "../../workloads/history-types.ts";

export interface PairedHistory {
  /** ok and info operations, sorted by call time (stable) */
  ops: Operation[];
  /** operations that certainly did not happen (`fail`); linearizability ignores them, list-append uses them */
  failed: Operation[];
}

/**
 * Pairs each invoke with the next completion of the same process.
 * `fail` ops are set aside; `info` completions and invokes never completed become
 * info ops (ret = +Infinity, output unknown). A completion whose process has no
 * pending invoke, or whose f/key differ from the invoke, is bad input.
 */
export function pairHistory(events: readonly HistoryEvent[]): PairedHistory {
  // Pass 1: match each invoke with its completion (-1: none). Processes with small
  // ids index an array, others a map.
  const n = events.length;
  const completion = new Int32Array(n).fill(-1);
  const pendingSmall: number[] = [];
  const pendingOther = new Map<number, number>();
  const SMALL = 65_536;
  let sorted = true;
  let lastCall = -Infinity;
  for (let i = 0; i < n; i++) {
    const e = events[i];
    const t = e.t;
    if (typeof t !== "number" || t !== t) {
      throw new UsageError(`history[${i}].t is ${JSON.stringify(t)}; allowed: a number (ns since the run's clock origin)`);
    }
    const p = e.p;
    const small = p >= 0 && p < SMALL && (p | 0) === p;
    if (e.type === "invoke") {
      // A new invoke on a process with one in flight leaves the earlier one unknown (no completion).
      if (small) pendingSmall[p] = i;
      else pendingOther.set(p, i);
      if (t < lastCall) sorted = false;
      lastCall = t;
      continue;
    }
    if (e.type !== "ok" && e.type !== "fail" && e.type !== "info") {
      throw new UsageError(`history[${i}].type is ${JSON.stringify(e.type)}; allowed: invoke, ok, fail, info`);
    }
    let inv: number | undefined;
    if (small) {
      inv = pendingSmall[p];
      pendingSmall[p] = -1;
    } else {
      inv = pendingOther.get(p);
      pendingOther.delete(p);
    }
    if (inv === undefined || inv < 0) {
      throw new UsageError(`history[${i}] is a ${e.type} completion for process ${p} with no pending invoke; each completion must follow an invoke of the same process`);
    }
    const invoke = events[inv];
    if (invoke.f !== e.f || invoke.key !== e.key) {
      throw new UsageError(
        `history[${i}] completes ${e.f} on key ${JSON.stringify(e.key)} but process ${p} invoked ${invoke.f} on key ${JSON.stringify(invoke.key)}; a completion must match its invoke's f and key`,
      );
    }
    if (t < invoke.t && e.type !== "info") {
      throw new UsageError(`history[${i}].t is ${t}, before its invoke at ${invoke.t}; time must not go backwards within an op`);
    }
    completion[inv] = i;
  }

  // Pass 2: one op per invoke, in invoke order (call order when events are in time order).
  const ops: Operation[] = [];
  const failed: Operation[] = [];
  for (let i = 0; i < n; i++) {
    const inv = events[i];
    if (inv.type !== "invoke") continue;
    const j = completion[i];
    const done = j < 0 ? undefined : events[j];
    if (done === undefined || done.type === "info") {
      ops.push({ p: inv.p, key: inv.key, f: inv.f, input: inv.value, output: undefined, status: "info", call: inv.t, ret: Infinity });
      continue;
    }
    const op: Operation = { p: inv.p, key: inv.key, f: inv.f, input: inv.value, output: done.value, status: "ok", call: inv.t, ret: done.t };
    if (done.type === "ok") ops.push(op);
    else failed.push(op);
  }
  if (!sorted) {
    const byCall = (a: Operation, b: Operation) => a.call - b.call;
    ops.sort(byCall); // Array.prototype.sort is stable
    failed.sort(byCall);
  }
  return { ops, failed };
}

/** Operations of a history (fail dropped, info and unfinished invokes as info), sorted by call. */
export function historyToOperations(events: readonly HistoryEvent[]): Operation[] {
  return pairHistory(events).ops;
}

/** Splits operations per key (P-compositionality: a history is linearizable iff each key's is). Keeps order. */
export function partitionByKey(ops: readonly Operation[]): Map<string, Operation[]> {
  const byKey = new Map<string, Operation[]>();
  for (const op of ops) {
    const list = byKey.get(op.key);
    if (list === undefined) byKey.set(op.key, [op]);
    else list.push(op);
  }
  return byKey;
}
