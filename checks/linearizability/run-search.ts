// Running the search on one key's operations: drop ops that constrain nothing,
// compile the model, search, and map the result back to the caller's op indices.
import type { Operation } from "../../workloads/history-types.ts";
import type { ModelSpec } from "./models.ts";
import { searchLinearization, type SearchOutcome } from "./search.ts";

type Illegal = Extract<SearchOutcome, { result: "illegal" }>;
/** A search outcome whose stuck state is also given as a plain value. */
export type KeyOutcome = Exclude<SearchOutcome, Illegal> | (Illegal & { stuckValue: unknown });

/** Reused call/ret arrays (runSearch is synchronous). */
let times = { call: new Float64Array(0), ret: new Float64Array(0) };

/**
 * Searches `ops` (sorted by call); op ids in the outcome are indices into `ops`.
 * `exact` keeps all values apart (slower; its dead ends read better in reports).
 */
export function runSearch(
  spec: ModelSpec,
  ops: readonly Operation[],
  initial: unknown,
  deadline: number,
  signal?: AbortSignal,
  exact = false,
): KeyOutcome {
  // Info ops nobody could observe are left out (they never happened); map ids back afterwards.
  const drop = spec.unobservable(ops);
  let kept: number[] | null = null;
  if (drop !== null) {
    kept = [];
    for (let j = 0; j < ops.length; j++) if (drop[j] === 0) kept.push(j);
  }
  const used = kept === null ? ops : kept.map((j) => ops[j]);
  const n = used.length;
  if (times.call.length < n) times = { call: new Float64Array(2 * n), ret: new Float64Array(2 * n) };
  const { call, ret } = times;
  for (let i = 0; i < n; i++) {
    call[i] = used[i].call;
    ret[i] = used[i].ret;
  }
  const model = spec.compile(used, initial, exact);
  const outcome = searchLinearization({ call, ret, n, model, deadline, signal });
  if (n > 1 << 20) times = { call: new Float64Array(0), ret: new Float64Array(0) };
  if (outcome.result === "unknown") return outcome;
  if (kept === null) {
    return outcome.result === "ok" ? outcome : { ...outcome, stuckValue: exactValueAfter(spec, used, initial, outcome.longest) };
  }
  const back = (i: number) => kept[i];
  if (outcome.result === "ok") {
    // Dropped ops go last, where nothing observes them, so the linearization is total.
    const lin = outcome.linearization.map(back);
    for (let j = 0; j < ops.length; j++) if (drop![j] === 1) lin.push(j);
    return { result: "ok", linearization: lin };
  }
  return {
    ...outcome,
    longest: outcome.longest.map(back),
    stuckOp: back(outcome.stuckOp),
    stuckValue: exactValueAfter(spec, used, initial, outcome.longest),
  };
}

/**
 * The real value after a partial linearization: replayed with exact states (the
 * search merges unobservable values into one state, which a report should not show).
 */
function exactValueAfter(spec: ModelSpec, ops: readonly Operation[], initial: unknown, order: readonly number[]): unknown {
  const exact = spec.compile(ops, initial, true);
  let state = exact.init;
  for (const i of order) {
    state = exact.step(state, i);
    if (state < 0) return undefined; // cannot happen: every step of `order` was legal
  }
  return exact.describe(state);
}
