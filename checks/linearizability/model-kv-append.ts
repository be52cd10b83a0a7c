// The kv-append model: read (string or null for a missing key), write, append
// (string concatenation, as Redis GET/SET/APPEND).
import type { Operation } from "../../workloads/history-types.ts";
import { BLIND, checkFn, dropInfo, isPrefixOfAny, LAZY, normValue, READ_ONLY, StringStates, UNOBSERVED, type CompiledModel, type ModelSpec } from "./model-common.ts";

const READ = 0, WRITE = 1, APPEND = 2, NOOP = 3;

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

class CompiledKvAppend implements CompiledModel {
  readonly infoJustInTime = false;
  /** the search revisits the same (state, append) pairs when it backtracks: remembered */
  private readonly appended = new Map<number, number>();

  constructor(
    readonly init: number,
    readonly flags: Uint8Array,
    private readonly kind: Uint8Array,
    private readonly a: Int32Array,
    private readonly args: string[],
    private readonly states: StringStates,
    readonly unobservedDominated: boolean,
    readonly hasUnobserved: boolean,
  ) {}

  step(s: number, i: number): number {
    const k = this.kind[i];
    if (k === READ) return s === this.a[i] ? s : -1;
    if (k === WRITE) return this.a[i];
    if (k === NOOP || s === UNOBSERVED) return s;
    const memoKey = s * this.kind.length + i;
    let next = this.appended.get(memoKey);
    if (next === undefined) {
      next = this.states.id((this.states.values[s] ?? "") + this.args[i]);
      this.appended.set(memoKey, next);
    }
    return next;
  }

  effectKey(i: number): string {
    return this.kind[i] === APPEND ? `a:${this.args[i]}` : `${this.kind[i]}:${this.a[i]}`;
  }

  describe(s: number): unknown {
    return this.states.describe(s);
  }
}

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
    return dropInfo(ops, (op) => {
      results ??= readResults(ops);
      const v = normValue(op.input) ?? "";
      return op.f === "write" ? !isPrefixOfAny(v, results) : !results.some((r) => r.includes(v));
    });
  },
  removable: () => true,
  compile(ops, initial, exact = false) {
    const n = ops.length;
    // A value is observable while it is a prefix of some read result (appends only extend it).
    const results = readResults(ops);
    const readsNull = ops.some((op) => op.f === "read" && op.status === "ok" && normValue(op.output) === null);
    const states = new StringStates(exact ? "exact" : "prefix", results, readsNull || results.length > 0);
    const kind = new Uint8Array(n);
    const flags = new Uint8Array(n);
    const a = new Int32Array(n);
    const args: string[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const op = ops[i];
      if (op.f === "read") {
        kind[i] = op.status === "ok" ? READ : NOOP;
        flags[i] = READ_ONLY;
        if (op.status === "ok") a[i] = states.id(normValue(op.output));
      } else if (op.f === "write") {
        kind[i] = WRITE;
        a[i] = states.id(normValue(op.input));
        flags[i] = a[i] === UNOBSERVED && !exact && op.status === "ok" ? BLIND | LAZY : BLIND;
      } else {
        kind[i] = APPEND;
        args[i] = normValue(op.input) ?? "";
      }
    }
    return new CompiledKvAppend(states.id(normValue(initial)), flags, kind, a, args, states, !exact, !exact);
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
