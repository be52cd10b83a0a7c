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
  /** the state after op `i` takes effect in `state`, or -1 if its observed result rules that out */
  step(state: number, i: number): number;
  /** the plain value of a state id, for reports */
  describe(state: number): unknown;
}

export interface ModelSpec {
  readonly name: SearchModelName;
  readonly fns: readonly HistoryFn[];
  /** throws UsageError when an op cannot belong to this model */
  validate(op: Operation, where: string): void;
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

function checkFn(spec: { name: string; fns: readonly HistoryFn[] }, op: Operation, where: string): void {
  if (!spec.fns.includes(op.f)) {
    throw new UsageError(`${where}.f is ${JSON.stringify(op.f)} on key ${JSON.stringify(op.key)}; the ${spec.name} model allows: ${spec.fns.join(", ")}`);
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

function casArgs(op: Operation, where: string): [unknown, unknown] {
  if (!Array.isArray(op.input) || op.input.length !== 2) {
    throw new UsageError(`${where}.input of cas on key ${JSON.stringify(op.key)} is ${JSON.stringify(op.input)}; allowed: [expected, new]`);
  }
  return [op.input[0], op.input[1]];
}

export const registerModel: ModelSpec = {
  name: "register",
  fns: ["read", "write", "cas"],
  validate(op, where) {
    checkFn(this, op, where);
    if (op.f === "cas") casArgs(op, where);
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
    // Observable values (read results and cas expectations) first; in the default
    // mode every other value is UNOBSERVED.
    const states = new StringStates(exact ? undefined : () => false);
    for (const op of ops) {
      if (op.f === "read" && op.status === "ok") states.add(normValue(op.output));
      else if (op.f === "cas") states.add(normValue((op.input as unknown[])[0]));
    }
    const kind = new Uint8Array(n);
    const readOnly = new Uint8Array(n);
    const a = new Int32Array(n);
    const b = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const op = ops[i];
      if (op.f === "read") {
        kind[i] = op.status === "ok" ? R_READ : R_NOOP;
        if (op.status === "ok") a[i] = states.id(normValue(op.output));
      } else if (op.f === "write") {
        kind[i] = R_WRITE;
        a[i] = states.id(normValue(op.input));
      } else {
        const [from, to] = casArgs(op, `ops[${i}]`);
        kind[i] = op.status === "info" ? R_CAS_ANY : casFailed(op) ? R_CAS_FAIL : R_CAS_OK;
        a[i] = states.id(normValue(from));
        b[i] = states.id(normValue(to));
      }
      readOnly[i] = kind[i] === R_READ || kind[i] === R_CAS_FAIL || kind[i] === R_NOOP ? 1 : 0;
    }
    return {
      init: states.id(normValue(initial)),
      readOnly,
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
  validate(op, where) {
    checkFn(this, op, where);
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
    // The search revisits the same (state, append) pairs when it backtracks; remember them.
    const appended = new Map<number, number>();
    return {
      init: states.id(normValue(initial)),
      readOnly,
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

function toNumber(v: unknown, what: string): number {
  if (v === null || v === undefined) return 0; // a missing counter reads as 0 (INCR starts from 0)
  const x = typeof v === "number" ? v : typeof v === "string" && v.trim() !== "" ? Number(v) : NaN;
  if (!Number.isFinite(x)) throw new UsageError(`${what} is ${JSON.stringify(v)}; allowed: an integer (or its decimal text)`);
  return x;
}

export const counterModel: ModelSpec = {
  name: "counter",
  fns: ["read", "incr"],
  validate(op, where) {
    checkFn(this, op, where);
    if (op.f === "incr" && op.input !== undefined && op.input !== null) toNumber(op.input, `${where}.input`);
    if (op.status === "ok") toNumber(op.output, `${where}.output`);
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
        if (op.status === "ok") out[i] = id(toNumber(op.output, `ops[${i}].output`));
      } else {
        delta[i] = op.input === undefined || op.input === null ? 1 : toNumber(op.input, `ops[${i}].input`);
        const known = op.status === "ok" && op.output !== undefined && op.output !== null;
        kind[i] = known ? C_INCR_KNOWN : C_INCR_ANY;
        if (known) out[i] = id(toNumber(op.output, `ops[${i}].output`));
      }
    }
    return {
      init: id(toNumber(initial, "initial")),
      readOnly,
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
