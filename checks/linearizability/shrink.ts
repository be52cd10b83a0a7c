// Greedy shrinking of a non-linearizable key history to a small failing
// sub-history, bounded by time: first the shortest failing prefix (binary
// search), then dropping ever smaller chunks of ops (ddmin-like) while the rest
// still fails. A candidate counts as failing only if it is explainable on its own
// (every value it reads could come from its own writes), so shrinking never
// produces the trivial "read of a value nobody wrote".
import type { Operation } from "../../workloads/history-types.ts";
import { runSearch } from "./run-search.ts";
import type { ModelSpec } from "./models.ts";

export interface ShrinkOptions {
  deadline: number;
  signal?: AbortSignal;
  /** a prefix length worth trying first */
  prefixHint?: number;
}

export interface Shrunk {
  /** the smallest failing sub-history found (`ops` itself if nothing could be dropped) */
  ops: Operation[];
  /** no single op could be dropped any more (a local minimum), within the deadline */
  complete: boolean;
}

export function shrinkFailing(spec: ModelSpec, ops: Operation[], initial: unknown, opts: ShrinkOptions): Shrunk {
  const { deadline, signal } = opts;
  const timeLeft = () => !signal?.aborted && Date.now() < deadline;
  const fails = (sub: readonly Operation[]) =>
    spec.explainable(sub, initial) && runSearch(spec, sub, initial, deadline, signal).result === "illegal";

  let cur = ops;
  // 1. The shortest failing prefix (by call order).
  if (opts.prefixHint !== undefined && opts.prefixHint < cur.length && timeLeft()) {
    const prefix = cur.slice(0, opts.prefixHint);
    if (fails(prefix)) cur = prefix;
  }
  let lo = 1;
  let hi = cur.length;
  while (lo < hi && timeLeft()) {
    const mid = (lo + hi) >>> 1;
    if (fails(cur.slice(0, mid))) hi = mid;
    else lo = mid + 1;
  }
  if (hi < cur.length) cur = cur.slice(0, hi);

  // 2. Drop chunks of ops, halving the chunk size down to single ops: first reads
  //    only (dropping a read never makes another op unexplainable), then anything
  //    removable (writes whose values no remaining read shows are now droppable).
  const dropChunks = (droppable: (op: Operation) => boolean): boolean => {
    let chunk = Math.max(1, Math.ceil(cur.length / 2));
    for (;;) {
      let dropped = false;
      for (let start = 0; start < cur.length && timeLeft(); ) {
        const end = start + chunk;
        const candidate = cur.filter((op, i) => i < start || i >= end || !droppable(op));
        if (candidate.length < cur.length && fails(candidate)) {
          cur = candidate;
          dropped = true;
        } else {
          start = end;
        }
      }
      if (!timeLeft()) return false;
      if (chunk > 1) chunk = Math.ceil(chunk / 2);
      else if (!dropped) return true;
    }
  };
  dropChunks((op) => op.f === "read" && spec.removable(op));
  const complete = dropChunks((op) => spec.removable(op));
  return { ops: cur, complete };
}
