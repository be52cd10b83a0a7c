// The register model: read, write, cas (value [expected, new]). A cas completion
// with value `false` means the compare failed: it happened and changed nothing.
import { UsageError } from "../../harness/errors.ts";
import type { Operation } from "../../workloads/history-types.ts";
import { BLIND, checkFn, dropInfo, LAZY, normValue, READ_ONLY, StringStates, UNOBSERVED, type CompiledModel, type ModelSpec } from "./model-common.ts";

const READ = 0, WRITE = 1, CAS_OK = 2, CAS_FAIL = 3, CAS_ANY = 4, NOOP = 5;

function casFailed(op: Operation): boolean {
  return op.status === "ok" && op.output === false;
}

function casArgs(op: Operation, index: number): unknown[] {
  if (!Array.isArray(op.input) || op.input.length !== 2) {
    throw new UsageError(`ops[${index}].input of cas on key ${JSON.stringify(op.key)} is ${JSON.stringify(op.input)}; allowed: [expected, new]`);
  }
  return op.input;
}

/** Values reads and cas expectations look for; null when a failed cas makes every value matter. */
function observedValues(ops: readonly Operation[]): Set<string | null> | null {
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

class CompiledRegister implements CompiledModel {
  constructor(
    readonly init: number,
    readonly flags: Uint8Array,
    private readonly kind: Uint8Array,
    private readonly a: Int32Array,
    private readonly b: Int32Array,
    private readonly states: StringStates,
    readonly unobservedDominated: boolean,
    readonly hasUnobserved: boolean,
    readonly infoJustInTime: boolean,
  ) {}

  step(s: number, i: number): number {
    switch (this.kind[i]) {
      case READ: return s === this.a[i] ? s : -1;
      case WRITE: return this.a[i];
      case CAS_OK: return s === this.a[i] ? this.b[i] : -1;
      case CAS_FAIL: return s !== this.a[i] ? s : -1;
      case CAS_ANY: return s === this.a[i] ? this.b[i] : s;
      default: return s;
    }
  }

  effectKey(i: number): string {
    return `${this.kind[i]}:${this.a[i]}:${this.b[i]}`;
  }

  describe(s: number): unknown {
    return this.states.describe(s);
  }
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
    return dropInfo(ops, (op) => {
      if (op.f !== "write") return false;
      if (observed === undefined) observed = observedValues(ops);
      return observed !== null && !observed.has(normValue(op.input));
    });
  },
  removable: () => true,
  compile(ops, initial, exact = false) {
    const n = ops.length;
    // Observable values (read results, cas expectations) get ids first; in the default
    // mode every other value is UNOBSERVED.
    const states = new StringStates(exact ? "exact" : "closed");
    const kind = new Uint8Array(n);
    const flags = new Uint8Array(n);
    const a = new Int32Array(n);
    const b = new Int32Array(n);
    let hasCas = false;
    let hasCasFail = false;
    for (let i = 0; i < n; i++) {
      const op = ops[i];
      const f = op.f;
      if (f === "read") {
        if (op.status === "ok") {
          kind[i] = READ;
          a[i] = states.add(normValue(op.output));
        } else kind[i] = NOOP;
        flags[i] = READ_ONLY;
      } else if (f === "cas") {
        const args = casArgs(op, i);
        const k = op.status === "info" ? CAS_ANY : casFailed(op) ? CAS_FAIL : CAS_OK;
        kind[i] = k;
        hasCas = true;
        if (k === CAS_FAIL) {
          hasCasFail = true;
          flags[i] = READ_ONLY;
        }
        a[i] = states.add(normValue(args[0]));
      } else {
        kind[i] = WRITE;
        flags[i] = BLIND;
      }
    }
    for (let i = 0; i < n; i++) {
      const k = kind[i];
      if (k === WRITE) {
        a[i] = states.id(normValue(ops[i].input));
        // a failed cas succeeds in UNOBSERVED where it might not in the real value
        if (a[i] === UNOBSERVED && !exact && !hasCasFail && ops[i].status === "ok") flags[i] |= LAZY;
      } else if (k === CAS_OK || k === CAS_FAIL || k === CAS_ANY) {
        b[i] = states.id(normValue((ops[i].input as unknown[])[1]));
      }
    }
    const init = states.id(normValue(initial));
    return new CompiledRegister(init, flags, kind, a, b, states, !hasCasFail, !exact, !hasCas);
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
