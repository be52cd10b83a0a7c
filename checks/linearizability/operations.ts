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
  // Slot per invoke, in invoke order: the ops come out sorted by call without a
  // sort when the events are in time order (as recorded). Fail ops leave a hole.
  const slots: (Operation | undefined)[] = [];
  const failed: Operation[] = [];
  // pending invoke per process: slot index and event (small p index an array, others a map)
  const pendingSlot: number[] = [];
  const pendingEvent: (HistoryEvent | undefined)[] = [];
  const otherPending = new Map<number, [number, HistoryEvent]>();
  const take = (p: number): [number, HistoryEvent] | undefined => {
    if (p >= 0 && p < 65_536 && Number.isInteger(p)) {
      const e = pendingEvent[p];
      if (e === undefined) return undefined;
      pendingEvent[p] = undefined;
      return [pendingSlot[p], e];
    }
    const entry = otherPending.get(p);
    otherPending.delete(p);
    return entry;
  };
  const asInfo = (inv: HistoryEvent): Operation => ({
    p: inv.p, key: inv.key, f: inv.f, input: inv.value, output: undefined, status: "info", call: inv.t, ret: Infinity,
  });
  let sorted = true;
  let lastCall = -Infinity;
  for (let i = 0; i < events.length; i++) {
    const e = events[i];
    const type = e.type;
    if (typeof e.t !== "number" || Number.isNaN(e.t)) {
      throw new UsageError(`history[${i}].t is ${JSON.stringify(e.t)}; allowed: a number (ns since the run's clock origin)`);
    }
    if (type === "invoke") {
      // A new invoke on a process with one in flight: the earlier one's fate is unknown.
      const prev = take(e.p);
      if (prev !== undefined) slots[prev[0]] = asInfo(prev[1]);
      const slot = slots.length;
      slots.push(undefined);
      if (e.p >= 0 && e.p < 65_536 && Number.isInteger(e.p)) {
        pendingSlot[e.p] = slot;
        pendingEvent[e.p] = e;
      } else otherPending.set(e.p, [slot, e]);
      if (e.t < lastCall) sorted = false;
      lastCall = e.t;
      continue;
    }
    if (type !== "ok" && type !== "fail" && type !== "info") {
      throw new UsageError(`history[${i}].type is ${JSON.stringify(type)}; allowed: invoke, ok, fail, info`);
    }
    const pending = take(e.p);
    if (pending === undefined) {
      throw new UsageError(`history[${i}] is a ${type} completion for process ${e.p} with no pending invoke; each completion must follow an invoke of the same process`);
    }
    const [slot, inv] = pending;
    if (inv.f !== e.f || inv.key !== e.key) {
      throw new UsageError(
        `history[${i}] completes ${e.f} on key ${JSON.stringify(e.key)} but process ${e.p} invoked ${inv.f} on key ${JSON.stringify(inv.key)}; a completion must match its invoke's f and key`,
      );
    }
    if (type === "info") {
      slots[slot] = asInfo(inv);
      continue;
    }
    if (e.t < inv.t) {
      throw new UsageError(`history[${i}].t is ${e.t}, before its invoke at ${inv.t}; time must not go backwards within an op`);
    }
    const op: Operation = { p: e.p, key: e.key, f: e.f, input: inv.value, output: e.value, status: "ok", call: inv.t, ret: e.t };
    if (type === "ok") slots[slot] = op;
    else failed.push(op);
  }
  // Invokes never completed: unknown fate.
  for (let p = 0; p < pendingEvent.length; p++) {
    const inv = pendingEvent[p];
    if (inv !== undefined) slots[pendingSlot[p]] = asInfo(inv);
  }
  for (const [slot, inv] of otherPending.values()) slots[slot] = asInfo(inv);

  const ops: Operation[] = [];
  for (const op of slots) if (op !== undefined) ops.push(op);
  const byCall = (a: Operation, b: Operation) => a.call - b.call;
  if (!sorted) ops.sort(byCall); // Array.prototype.sort is stable
  failed.sort(byCall);
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
