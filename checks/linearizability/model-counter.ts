// The counter model: read (a number, or its decimal text; a missing key reads 0)
// and incr (value: delta on invoke, the new total on ok).
import { UsageError } from "../../harness/errors.ts";
import { checkFn, dropInfo, READ_ONLY, type CompiledModel, type ModelSpec } from "./model-common.ts";

const READ = 0, INCR_KNOWN = 1, INCR_ANY = 2, NOOP = 3;

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

class CompiledCounter implements CompiledModel {
  readonly unobservedDominated = false;
  readonly hasUnobserved = false;
  readonly infoJustInTime = false;
  private readonly ids = new Map<number, number>();
  private readonly values: number[] = [];
  readonly init: number;

  constructor(
    readonly flags: Uint8Array,
    private readonly kind: Uint8Array,
    private readonly delta: Float64Array,
    private readonly out: Int32Array,
    outValues: Float64Array,
    initial: number,
  ) {
    for (let i = 0; i < kind.length; i++) if (kind[i] === READ || kind[i] === INCR_KNOWN) out[i] = this.id(outValues[i]);
    this.init = this.id(initial);
  }

  private id(v: number): number {
    let x = this.ids.get(v);
    if (x === undefined) {
      x = this.values.length;
      this.values.push(v);
      this.ids.set(v, x);
    }
    return x;
  }

  step(s: number, i: number): number {
    const k = this.kind[i];
    if (k === READ) return s === this.out[i] ? s : -1;
    if (k === NOOP) return s;
    const v = this.values[s] + this.delta[i];
    if (k === INCR_KNOWN) return v === this.values[this.out[i]] ? this.out[i] : -1;
    return this.id(v);
  }

  effectKey(i: number): string {
    return `${this.kind[i]}:${this.delta[i]}:${this.out[i]}`;
  }

  describe(s: number): unknown {
    return this.values[s];
  }
}

export const counterModel: ModelSpec = {
  name: "counter",
  fns: ["read", "incr"],
  validate(op, index) {
    checkFn(this, op, index);
    if (op.f === "incr" && op.input !== undefined && op.input !== null) toNumber(op.input, "input", index);
    if (op.status === "ok") toNumber(op.output, "output", index);
  },
  unobservable: (ops) => dropInfo(ops),
  removable: (op) => op.f === "read",
  compile(ops, initial) {
    const n = ops.length;
    const kind = new Uint8Array(n);
    const flags = new Uint8Array(n);
    const delta = new Float64Array(n);
    const outValues = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const op = ops[i];
      if (op.f === "read") {
        kind[i] = op.status === "ok" ? READ : NOOP;
        flags[i] = READ_ONLY;
        if (op.status === "ok") outValues[i] = toNumber(op.output, "output", i);
      } else {
        delta[i] = op.input === undefined || op.input === null ? 1 : toNumber(op.input, "input", i);
        const known = op.status === "ok" && op.output !== undefined && op.output !== null;
        kind[i] = known ? INCR_KNOWN : INCR_ANY;
        if (known) outValues[i] = toNumber(op.output, "output", i);
      }
    }
    return new CompiledCounter(flags, kind, delta, new Int32Array(n), outValues, toNumber(initial, "initial", -1));
  },
  explainable: () => true,
};
