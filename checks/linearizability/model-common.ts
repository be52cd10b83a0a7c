// Shared pieces of the models (see models.ts): the compiled-model contract,
// value normalisation and interning.
import { UsageError } from "../../harness/errors.ts";
import type { HistoryFn, Operation } from "../../workloads/history-types.ts";

export type SearchModelName = "register" | "kv-append" | "counter";

// Per-op flags of a compiled model.
/** Never changes the state when legal (reads, failed cas): the search linearizes it as
 * soon as it is legal, without branching — moving a state-preserving op earlier never
 * breaks a linearization. */
export const READ_ONLY = 1;
/** A write: the state after it does not depend on the state before. */
export const BLIND = 2;
/** An ok write of a value nobody observes, where UNOBSERVED is dominated. It need only
 * be placed right before another write (to no effect) or, failing that, as late as real
 * time allows: the search never branches on it. */
export const LAZY = 4;

export interface CompiledModel {
  /** state id before the first op */
  readonly init: number;
  /** READ_ONLY | BLIND | LAZY per op */
  readonly flags: Uint8Array;
  /**
   * The UNOBSERVED state can do no more than any other state (it fails every read and
   * nothing succeeds only there), so an info op that leads to it is never worth trying.
   */
  readonly unobservedDominated: boolean;
  /** Values nobody observes share the state UNOBSERVED (false in exact mode and for counters). */
  readonly hasUnobserved: boolean;
  /**
   * An info op's effect matters only to a read right after it (no cas, no appends),
   * so the search tries an info op only where it makes a pending read legal.
   */
  readonly infoJustInTime: boolean;
  /** the state after op `i` takes effect in `state`, or -1 if its observed result rules that out */
  step(state: number, i: number): number;
  /**
   * Ops with equal keys have the same effect in every state. Among info ops of one
   * effect, the search only ever uses the earliest called ones first (they are
   * interchangeable), which collapses e.g. "which 3 of these 50 unknown increments".
   */
  effectKey(i: number): string;
  /** the plain value of a state id, for reports */
  describe(state: number): unknown;
}

export interface ModelSpec {
  readonly name: SearchModelName;
  readonly fns: readonly HistoryFn[];
  /** throws UsageError when op `index` (of the checked ops) cannot belong to this model */
  validate(op: Operation, index: number): void;
  /**
   * Info ops that may as well never have happened, dropped before the search (1 = drop):
   * info reads, and info writes whose effect no op in `ops` could ever observe — any
   * linearization placing one stays valid with it moved to the very end.
   */
  unobservable(ops: readonly Operation[]): Uint8Array | null;
  /**
   * `exact` keeps every value apart; by default values no op could ever observe are
   * merged into one state (see UNOBSERVED), which shrinks the search space a lot and
   * changes no verdict. Reports use exact states.
   */
  compile(ops: readonly Operation[], initial: unknown, exact?: boolean): CompiledModel;
  /** may shrinking drop this op? (never an incr: later totals depend on it) */
  removable(op: Operation): boolean;
  /**
   * Could every observed value of `ops` have come from `ops` themselves? Shrinking keeps
   * sub-histories explainable, so it never "finds" a read of a value whose write it dropped.
   */
  explainable(ops: readonly Operation[], initial: unknown): boolean;
}

/** Values compare as Redis returns them: strings; numbers and booleans by their decimal text. */
export function normValue(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean" || typeof v === "bigint") return String(v);
  return JSON.stringify(v);
}

/**
 * State id of every value that no remaining op can observe. Two such states have the
 * same future (every read fails on both, only a blind write leaves them), so merging
 * them is sound, and it turns k! orders of unobserved writes or appends into one state.
 */
export const UNOBSERVED = 0;
const UNOBSERVED_TEXT = "(a value no read observes)";

/**
 * Interns nullable strings as ids (id 0 = UNOBSERVED). Which values get their own id:
 * all ("exact"), only those added with `add` ("closed"), or those that are a prefix of
 * some sorted read result ("prefix", for appends that only extend a value).
 */
export class StringStates {
  private readonly ids = new Map<string | null, number>();
  readonly values: (string | null)[] = [null];
  constructor(
    private readonly mode: "exact" | "closed" | "prefix",
    private readonly results: readonly string[] = [],
    private readonly nullAlive = true,
  ) {}
  /** Interns `v` unconditionally (a value known to be observable). */
  add(v: string | null): number {
    let id = this.ids.get(v);
    if (id === undefined) {
      id = this.values.length;
      this.values.push(v);
      this.ids.set(v, id);
    }
    return id;
  }
  id(v: string | null): number {
    const id = this.ids.get(v);
    if (id !== undefined) return id;
    if (this.mode === "exact") return this.add(v);
    if (this.mode === "closed") return UNOBSERVED;
    const alive = v === null ? this.nullAlive : isPrefixOfAny(v, this.results);
    return alive ? this.add(v) : UNOBSERVED;
  }
  describe(s: number): unknown {
    return s === UNOBSERVED ? UNOBSERVED_TEXT : this.values[s];
  }
}

/** Is `s` a prefix of some string in `sorted` (sorted ascending)? */
export function isPrefixOfAny(s: string, sorted: readonly string[]): boolean {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < s) lo = mid + 1;
    else hi = mid;
  }
  return lo < sorted.length && sorted[lo].startsWith(s);
}

export function checkFn(spec: { name: string; fns: readonly HistoryFn[] }, op: Operation, index: number): void {
  const f = op.f;
  const fns = spec.fns;
  if (f !== fns[0] && f !== fns[1] && f !== fns[2]) {
    throw new UsageError(`ops[${index}].f is ${JSON.stringify(f)} on key ${JSON.stringify(op.key)}; the ${spec.name} model allows: ${fns.join(", ")}`);
  }
}

/** Marks info reads, plus the ops `alsoDrop` picks, for ModelSpec.unobservable. */
export function dropInfo(ops: readonly Operation[], alsoDrop?: (op: Operation) => boolean): Uint8Array | null {
  let drop: Uint8Array | null = null;
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i];
    if (op.status !== "info") continue;
    if (op.f === "read" || alsoDrop?.(op)) (drop ??= new Uint8Array(ops.length))[i] = 1;
  }
  return drop;
}
