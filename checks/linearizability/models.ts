// Sequential specifications the search checks against, one key at a time.
// A model compiles a key's operations into typed arrays and a `step` over small
// integer state ids (values are interned), so the search's memo cache can store
// states as plain ints and the hot loop allocates nothing.
import { UsageError } from "../../harness/errors.ts";
import type { HistoryFn, Operation } from "../../workloads/history-types.ts";

export type SearchModelName = "register" | "kv-append" | "counter";

export interface CompiledModel {
  /** state id before the first op */
  readonly init: number;
  /**
   * 1 for ops that never change the state when legal (reads, failed cas). The search
   * linearizes such an op as soon as it is legal, without branching: moving a
   * state-preserving op earlier never breaks a linearization.
   */
  readonly readOnly: Uint8Array;
  /**
   * Ops with equal keys have the same effect in every state. Among info ops of one
   * effect, the search only ever uses the earliest called ones first (they are
   * interchangeable), which collapses e.g. "which 3 of these 50 unknown increments".
   */
  effectKey(i: number): string;
  /**
   * The UNOBSERVED state can do no more than any other state (it fails every read and
   * nothing succeeds only there), so an info op that leads to it is never worth trying.
   */
  readonly unobservedDominated: boolean;
  /** Values nobody observes share the state UNOBSERVED (false in exact mode and for counters). */
  readonly hasUnobserved: boolean;
  /** 1 for writes: the state after them does not depend on the state before. */
  readonly blind: Uint8Array;
  /**
   * 1 for ok writes of a value nobody observes, where UNOBSERVED is dominated. Such a
   * write need only be placed right before another write (to no effect) or, failing
   * that, as late as real time allows: the search never branches on it.
   */
  readonly lazy: Uint8Array;
  /**
   * An info op's effect matters only to a read right after it (no cas, no appends),
   * so the search tries an info op only where it makes a pending read legal.
   */
  readonly infoJustInTime: boolean;
  /** the state after op `i` takes effect in `state`, or -1 if its observed result rules that out */
  step(state: number, i: number): number;
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
 * Interns nullable strings as ids (id 0 = UNOBSERVED). `alive` says whether a value
 * can still be observed; values that cannot all get id 0 (and are not remembered).
 */
class StringStates {
  private readonly ids = new Map<string | null, number>();
  readonly values: (string | null)[] = [null];
  constructor(private readonly alive: ((v: string | null) => boolean) | undefined) {}
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
    return this.alive === undefined || this.alive(v) ? this.add(v) : UNOBSERVED;
  }
  describe(s: number): unknown {
    return s === UNOBSERVED ? UNOBSERVED_TEXT : this.values[s];
  }
}

function checkFn(spec: { name: string; fns: readonly HistoryFn[] }, op: Operation, index: number): void {
  const f = op.f;
  const fns = spec.fns;
  if (f !== fns[0] && f !== fns[1] && f !== fns[2]) {
    throw new UsageError(`ops[${index}].f is ${JSON.stringify(f)} on key ${JSON.stringify(op.key)}; the ${spec.name} model allows: ${fns.join(", ")}`);
  }
}

// ---------------------------------------------------------------- register

/** Values reads and cas expectations look for; null when a failed cas makes every value matter. */
function registerObserved(ops: readonly Operation[]): Set<string | null> | null {
  const seen = new Set<string | null>();
  for (const op of ops) {
    if (op.f === "read" && op.status === "ok") seen.add(normValue(op.output));
    else if (op.f === "cas") {
      if (casFailed(op)) return null;
      seen.add(normValue((op.input as unknown[])[0]));
    }
  }
  return seen;
}

const R_READ = 0, R_WRITE = 1, R_CAS_OK = 2, R_CAS_FAIL = 3, R_CAS_ANY = 4, R_NOOP = 5;

/** A cas completion with value `false` means the compare failed (it happened and changed nothing). */
function casFailed(op: Operation): boolean {
  return op.status === "ok" && op.output === false;
}

function casArgs(op: Operation, index: number): unknown[] {
  if (!Array.isArray(op.input) || op.input.length !== 2) {
    throw new UsageError(`ops[${index}].input of cas on key ${JSON.stringify(op.key)} is ${JSON.stringify(op.input)}; allowed: [expected, new]`);
  }
  return op.input;
}

export const registerModel: ModelSpec = {
  name: "register",
  fns: ["read", "write", "cas"],
  validate(op, index) {
    checkFn(this, op, index);
    if (op.f === "cas") casArgs(op, index);
  },
  unobservable(ops) {
    // An info write of a value no read or cas looks for leaves the register in a state
    // that only a later write gets out of, with every read in between failing. That is
    // invisible unless a failed cas (which succeeds on any other value) sits in between.
    let observed: Set<string | null> | null | undefined;
    let drop: Uint8Array | null = null;
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i];
      if (op.status !== "info" || op.f === "cas") continue;
      if (op.f === "write") {
        if (observed === undefined) observed = registerObserved(ops);
        if (observed === null || observed.has(normValue(op.input))) continue;
      }
      (drop ??= new Uint8Array(ops.length))[i] = 1;
    }
    return drop;
  },
  removable: () => true,
  compile(ops, initial, exact = false) {
    const n = ops.length;
    const states = new StringStates(exact ? undefined : () => false);
    const kind = new Uint8Array(n);
    const readOnly = new Uint8Array(n);
    const a = new Int32Array(n);
    const b = new Int32Array(n);
    // Observable values (read results, cas expectations) get ids first; in the default
    // mode every other value is UNOBSERVED.
    for (let i = 0; i < n; i++) {
      const op = ops[i];
      const f = op.f;
      if (f === "read") {
        if (op.status === "ok") {
          kind[i] = R_READ;
          a[i] = states.add(normValue(op.output));
        } else kind[i] = R_NOOP;
        readOnly[i] = 1;
      } else if (f === "cas") {
        const args = casArgs(op, i);
        const k = op.status === "info" ? R_CAS_ANY : casFailed(op) ? R_CAS_FAIL : R_CAS_OK;
        kind[i] = k;
        if (k === R_CAS_FAIL) readOnly[i] = 1;
        a[i] = states.add(normValue(args[0]));
      } else kind[i] = R_WRITE;
    }
    for (let i = 0; i < n; i++) {
      const k = kind[i];
      if (k === R_WRITE) a[i] = states.id(normValue(ops[i].input));
      else if (k === R_CAS_OK || k === R_CAS_FAIL || k === R_CAS_ANY) b[i] = states.id(normValue((ops[i].input as unknown[])[1]));
    }
    let hasCas = false;
    let hasCasFail = false;
    for (let i = 0; i < n; i++) {
      if (kind[i] === R_CAS_FAIL) hasCasFail = true;
      if (kind[i] === R_CAS_OK || kind[i] === R_CAS_FAIL || kind[i] === R_CAS_ANY) hasCas = true;
    }
    const blind = new Uint8Array(n);
    const lazy = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      if (kind[i] !== R_WRITE) continue;
      blind[i] = 1;
      if (!exact && !hasCasFail && a[i] === UNOBSERVED && ops[i].status === "ok") lazy[i] = 1;
    }
    return {
      init: states.id(normValue(initial)),
      readOnly,
      effectKey: (i) => `${kind[i]}:${a[i]}:${b[i]}`,
      // a failed cas succeeds in UNOBSERVED where it might not in the real value
      unobservedDominated: !hasCasFail,
      hasUnobserved: !exact,
      blind,
      lazy,
      infoJustInTime: !hasCas,
      step(s, i) {
        switch (kind[i]) {
          case R_READ: return s === a[i] ? s : -1;
          case R_WRITE: return a[i];
          case R_CAS_OK: return s === a[i] ? b[i] : -1;
          case R_CAS_FAIL: return s !== a[i] ? s : -1;
          case R_CAS_ANY: return s === a[i] ? b[i] : s;
          default: return s;
        }
      },
      describe: (s) => states.describe(s),
    };
  },
  explainable(ops, initial) {
    const produced = new Set<string | null>([normValue(initial)]);
    for (const op of ops) {
      if (op.f === "write") produced.add(normValue(op.input));
      else if (op.f === "cas") produced.add(normValue((op.input as unknown[])[1]));
    }
    for (const op of ops) {
      if (op.status !== "ok") continue;
      if (op.f === "read" && !produced.has(normValue(op.output))) return false;
      if (op.f === "cas" && !casFailed(op) && !produced.has(normValue((op.input as unknown[])[0]))) return false;
    }
    return true;
  },
};

// ---------------------------------------------------------------- kv-append

const K_READ = 0, K_WRITE = 1, K_APPEND = 2, K_NOOP = 3;

export const kvAppendModel: ModelSpec = {
  name: "kv-append",
  fns: ["read", "write", "append"],
  validate(op, index) {
    checkFn(this, op, index);
  },
  unobservable(ops) {
    // Once an info write of a value that no read starts with, or an info append of a
    // piece that no read contains, takes effect, no read succeeds until the next write.
    let results: string[] | undefined;
    let drop: Uint8Array | null = null;
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i];
      if (op.status !== "info") continue;
      if (op.f !== "read") {
        results ??= readResults(ops);
        const v = normValue(op.input) ?? "";
        const seen = op.f === "write" ? isPrefixOfAny(v, results) : results.some((r) => r.includes(v));
        if (seen) continue;
      }
      (drop ??= new Uint8Array(ops.length))[i] = 1;
    }
    return drop;
  },
  removable: () => true,
  compile(ops, initial, exact = false) {
    const n = ops.length;
    // A value is observable while it is a prefix of some read result (appends only extend it).
    const results = readResults(ops);
    const readsNull = ops.some((op) => op.f === "read" && op.status === "ok" && normValue(op.output) === null);
    const alive = (v: string | null) => (v === null ? readsNull || results.length > 0 : isPrefixOfAny(v, results));
    const states = new StringStates(exact ? undefined : alive);
    const kind = new Uint8Array(n);
    const readOnly = new Uint8Array(n);
    const a = new Int32Array(n);
    const args: string[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const op = ops[i];
      if (op.f === "read") {
        kind[i] = op.status === "ok" ? K_READ : K_NOOP;
        readOnly[i] = 1;
        if (op.status === "ok") a[i] = states.id(normValue(op.output));
      } else if (op.f === "write") {
        kind[i] = K_WRITE;
        a[i] = states.id(normValue(op.input));
      } else {
        kind[i] = K_APPEND;
        args[i] = normValue(op.input) ?? "";
      }
    }
    const blind = new Uint8Array(n);
    const lazy = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      if (kind[i] !== K_WRITE) continue;
      blind[i] = 1;
      if (!exact && a[i] === UNOBSERVED && ops[i].status === "ok") lazy[i] = 1;
    }
    // The search revisits the same (state, append) pairs when it backtracks; remember them.
    const appended = new Map<number, number>();
    return {
      init: states.id(normValue(initial)),
      readOnly,
      effectKey: (i) => (kind[i] === K_APPEND ? `a:${args[i]}` : `${kind[i]}:${a[i]}`),
      unobservedDominated: !exact,
      hasUnobserved: !exact,
      blind,
      lazy,
      infoJustInTime: false,
      step(s, i) {
        const k = kind[i];
        if (k === K_READ) return s === a[i] ? s : -1;
        if (k === K_WRITE) return a[i];
        if (k === K_NOOP) return s;
        if (s === UNOBSERVED) return UNOBSERVED;
        const memoKey = s * n + i;
        let next = appended.get(memoKey);
        if (next === undefined) {
          next = states.id((states.values[s] ?? "") + args[i]);
          appended.set(memoKey, next);
        }
        return next;
      },
      describe: (s) => states.describe(s),
    };
  },
  explainable(ops, initial) {
    const starts: string[] = [normValue(initial) ?? ""];
    const pieces: string[] = [];
    for (const op of ops) {
      if (op.f === "write") starts.push(normValue(op.input) ?? "");
      else if (op.f === "append") pieces.push(normValue(op.input) ?? "");
    }
    const init = normValue(initial);
    for (const op of ops) {
      if (op.f !== "read" || op.status !== "ok") continue;
      const seen = normValue(op.output);
      if (seen === null) {
        if (init !== null) return false; // nothing here deletes a key
        continue;
      }
      if (!composable(seen, starts, pieces)) return false;
    }
    return true;
  },
};

/** The non-null results of ok reads, sorted. */
function readResults(ops: readonly Operation[]): string[] {
  const out: string[] = [];
  for (const op of ops) {
    if (op.f !== "read" || op.status !== "ok") continue;
    const v = normValue(op.output);
    if (v !== null) out.push(v);
  }
  return out.sort();
}

/** Is `s` a prefix of some string in `sorted` (sorted ascending)? */
function isPrefixOfAny(s: string, sorted: readonly string[]): boolean {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < s) lo = mid + 1;
    else hi = mid;
  }
  return lo < sorted.length && sorted[lo].startsWith(s);
}

/** Is `s` some start followed by zero or more pieces (each usable any number of times)? */
function composable(s: string, starts: readonly string[], pieces: readonly string[]): boolean {
  const reach = new Uint8Array(s.length + 1);
  for (const st of starts) if (s.startsWith(st)) reach[st.length] = 1;
  const useful = pieces.filter((p) => p.length > 0 && s.includes(p));
  for (let i = 0; i < s.length; i++) {
    if (!reach[i]) continue;
    for (const p of useful) if (s.startsWith(p, i)) reach[i + p.length] = 1;
  }
  return reach[s.length] === 1;
}

// ---------------------------------------------------------------- counter

const C_READ = 0, C_INCR_KNOWN = 1, C_INCR_ANY = 2, C_NOOP = 3;

/** `field` of op `index` (or the initial value when index is -1) as a number. */
function toNumber(v: unknown, field: string, index: number): number {
  if (v === null || v === undefined) return 0; // a missing counter reads as 0 (INCR starts from 0)
  if (typeof v === "number" && Number.isFinite(v)) return v;
  const x = typeof v === "string" && v.trim() !== "" ? Number(v) : NaN;
  if (!Number.isFinite(x)) {
    const where = index < 0 ? "the initial value" : `ops[${index}].${field}`;
    throw new UsageError(`${where} is ${JSON.stringify(v)}; allowed: an integer (or its decimal text)`);
  }
  return x;
}

export const counterModel: ModelSpec = {
  name: "counter",
  fns: ["read", "incr"],
  validate(op, index) {
    checkFn(this, op, index);
    if (op.f === "incr" && op.input !== undefined && op.input !== null) toNumber(op.input, "input", index);
    if (op.status === "ok") toNumber(op.output, "output", index);
  },
  unobservable(ops) {
    let drop: Uint8Array | null = null;
    for (let i = 0; i < ops.length; i++) if (ops[i].status === "info" && ops[i].f === "read") (drop ??= new Uint8Array(ops.length))[i] = 1;
    return drop;
  },
  removable: (op) => op.f === "read",
  compile(ops, initial) {
    const n = ops.length;
    const ids = new Map<number, number>();
    const values: number[] = [];
    const id = (v: number) => {
      let x = ids.get(v);
      if (x === undefined) {
        x = values.length;
        values.push(v);
        ids.set(v, x);
      }
      return x;
    };
    const kind = new Uint8Array(n);
    const readOnly = new Uint8Array(n);
    const delta = new Float64Array(n);
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const op = ops[i];
      if (op.f === "read") {
        kind[i] = op.status === "ok" ? C_READ : C_NOOP;
        readOnly[i] = 1;
        if (op.status === "ok") out[i] = id(toNumber(op.output, "output", i));
      } else {
        delta[i] = op.input === undefined || op.input === null ? 1 : toNumber(op.input, "input", i);
        const known = op.status === "ok" && op.output !== undefined && op.output !== null;
        kind[i] = known ? C_INCR_KNOWN : C_INCR_ANY;
        if (known) out[i] = id(toNumber(op.output, "output", i));
      }
    }
    return {
      init: id(toNumber(initial, "initial", -1)),
      readOnly,
      effectKey: (i) => `${kind[i]}:${delta[i]}:${out[i]}`,
      unobservedDominated: false,
      hasUnobserved: false,
      blind: new Uint8Array(n),
      lazy: new Uint8Array(n),
      infoJustInTime: false,
      step(s, i) {
        const k = kind[i];
        if (k === C_READ) return s === out[i] ? s : -1;
        if (k === C_NOOP) return s;
        const v = values[s] + delta[i];
        if (k === C_INCR_KNOWN) return v === values[out[i]] ? out[i] : -1;
        return id(v);
      },
      describe: (s) => values[s],
    };
  },
  explainable: () => true,
};

export const SEARCH_MODELS: Record<SearchModelName, ModelSpec> = {
  register: registerModel,
  "kv-append": kvAppendModel,
  counter: counterModel,
};
