// Property tests: the search agrees with a brute-force checker on small random
// histories, never flags simulated (really linearizable) histories, and finds
// injected anomalies.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { HistoryEvent, HistoryModel, Operation } from "../../workloads/history-types.ts";
import { checkOperations } from "./check.ts";
import { normValue } from "./models.ts";
import { historyToOperations } from "./operations.ts";
import { simulateHistory } from "./simulate.ts";

// ---------------------------------------------------------------- brute force oracle

type Value = string | number | null;
const ILLEGAL = Symbol("illegal");

/** The sequential specifications, written independently of models.ts. */
function apply(model: HistoryModel, state: Value, op: Operation): Value | typeof ILLEGAL {
  const unknown = op.status === "info";
  if (model === "counter") {
    const cur = (state as number | null) ?? 0;
    if (op.f === "read") return unknown || Number(op.output ?? 0) === cur ? cur : ILLEGAL;
    const total = cur + Number(op.input ?? 1);
    return unknown || op.output === null || op.output === undefined || Number(op.output) === total ? total : ILLEGAL;
  }
  const str = (v: unknown) => normValue(v);
  switch (op.f) {
    case "read":
      return unknown || str(op.output) === state ? state : ILLEGAL;
    case "write":
      return str(op.input);
    case "append":
      return ((state as string | null) ?? "") + str(op.input);
    case "cas": {
      const [from, to] = op.input as [unknown, unknown];
      const matches = state === str(from);
      if (unknown) return matches ? str(to) : state;
      if (op.output === false) return matches ? ILLEGAL : state;
      return matches ? str(to) : ILLEGAL;
    }
    default:
      throw new Error(`unexpected f ${op.f}`);
  }
}

/**
 * Tries every order of the ops that respects real time (an op that returned before
 * another was called comes first). Info ops may also never happen. All keys are one
 * object here (a map), so this also checks the per-key partitioning.
 */
function bruteForce(model: HistoryModel, ops: readonly Operation[], initial: Value = null): boolean {
  const n = ops.length;
  const placed = new Array<boolean>(n).fill(false);
  const mustPlace = ops.filter((op) => op.status === "ok").length;
  const run = (state: Map<string, Value>, done: number): boolean => {
    if (done === mustPlace) return true;
    for (let i = 0; i < n; i++) {
      if (placed[i]) continue;
      let blocked = false;
      for (let j = 0; j < n && !blocked; j++) blocked = !placed[j] && j !== i && ops[j].ret < ops[i].call;
      if (blocked) continue;
      const op = ops[i];
      const next = apply(model, state.has(op.key) ? state.get(op.key)! : initial, op);
      if (next === ILLEGAL) continue;
      placed[i] = true;
      const after = new Map(state).set(op.key, next);
      if (run(after, done + (op.status === "ok" ? 1 : 0))) return true;
      placed[i] = false;
    }
    return false;
  };
  return run(new Map(), 0);
}

// ---------------------------------------------------------------- generators

/** Completely random small histories over tiny value domains (mostly not linearizable). */
function randomOps(model: HistoryModel, maxOps: number, infoOneIn = 5): fc.Arbitrary<Operation[]> {
  const fns = model === "register" ? ["read", "write", "cas"] : model === "counter" ? ["read", "incr"] : ["read", "write", "append"];
  const values = model === "kv-append" ? [null, "", "a", "b", "ab", "ba", "aa", "abb"] : [null, "a", "b", "c"];
  const op = fc.record({
    f: fc.constantFrom(...fns),
    key: fc.constantFrom("x", "x", "y"),
    v: fc.constantFrom(...values),
    w: fc.constantFrom("a", "b"),
    n: fc.integer({ min: 0, max: 6 }),
    casFails: fc.boolean(),
    call: fc.integer({ min: 0, max: 20 }),
    dur: fc.integer({ min: 0, max: 12 }),
    info: fc.integer({ min: 0, max: infoOneIn - 1 }),
  });
  return fc.array(op, { minLength: 1, maxLength: maxOps }).map((raw) =>
    raw.map((r, p): Operation => {
      const info = r.info === 0;
      let input: unknown = null;
      let output: unknown = undefined;
      if (r.f === "read") output = model === "counter" ? r.n : r.v;
      else if (r.f === "write") input = output = r.w;
      else if (r.f === "append") input = output = r.w;
      else if (r.f === "cas") {
        input = [r.v, r.w];
        output = r.casFails ? false : input;
      } else {
        input = 1 + (r.n % 2);
        output = r.n;
      }
      return {
        p, key: r.key, f: r.f as Operation["f"], input, output: info ? undefined : output,
        status: info ? "info" : "ok", call: r.call, ret: info ? Infinity : r.call + r.dur,
      };
    }),
  );
}

/** Simulated (linearizable) small histories, optionally with one op's result changed. */
function simulatedOps(model: HistoryModel, maxOps: number, mutate: boolean): fc.Arbitrary<Operation[]> {
  return fc
    .record({
      seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
      n: fc.integer({ min: 1, max: maxOps }),
      keys: fc.integer({ min: 1, max: 2 }),
      clients: fc.integer({ min: 2, max: 4 }),
      pick: fc.nat(),
      other: fc.nat(),
    })
    .map(({ seed, n, keys, clients, pick, other }) => {
      const events = simulateHistory({ model, ops: n, keys, clients, seed, infoRate: 0.2, failRate: 0.1, latency: 8, gap: 2 });
      const ops = historyToOperations(events);
      if (!mutate || ops.length === 0) return ops;
      // Replace one op's observed result with another op's value or result.
      const target = ops[pick % ops.length];
      const donor = ops[other % ops.length];
      if (target.f === "read" && target.status === "ok") {
        target.output = donor.f === "read" ? donor.output : model === "counter" ? Number(donor.output ?? 0) : donor.input;
      } else if (target.f === "cas" && target.status === "ok") {
        target.output = target.output === false ? target.input : false;
      } else if (target.f === "incr" && target.status === "ok") {
        target.output = Number(target.output) + 1;
      }
      return ops;
    });
}

const check = (model: HistoryModel, ops: Operation[]) => checkOperations(model, ops, { workers: 0, shrinkBudgetMs: 50 });

// ---------------------------------------------------------------- properties

describe.each(["register", "kv-append", "counter"] as const)("%s: the search agrees with brute force", (model) => {
  it("on random small histories with info ops", async () => {
    await fc.assert(
      fc.asyncProperty(randomOps(model, 7), async (ops) => {
        const expected = bruteForce(model, ops);
        const result = await check(model, ops);
        expect(result.valid).toBe(expected);
      }),
      { numRuns: 400 },
    );
  });

  it("on random small histories where half the ops are info", async () => {
    await fc.assert(
      fc.asyncProperty(randomOps(model, 8, 2), async (ops) => {
        expect((await check(model, ops)).valid).toBe(bruteForce(model, ops));
      }),
      { numRuns: 300 },
    );
  });

  it("on simulated small histories, some with one result changed", async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(simulatedOps(model, 8, false), simulatedOps(model, 8, true)), async (ops) => {
        const expected = bruteForce(model, ops);
        const result = await check(model, ops);
        expect(result.valid).toBe(expected);
      }),
      { numRuns: 300 },
    );
  });

  it("never flags a simulated history of a few hundred ops", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 2 ** 31 - 1 }), fc.integer({ min: 50, max: 400 }), async (seed, n) => {
        const events = simulateHistory({ model, ops: n, keys: 5, clients: 6, seed, infoRate: 0.05, failRate: 0.05, latency: 50, gap: 10 });
        const result = await check(model, historyToOperations(events));
        expect(result.summary).toMatch(/^linearizable/);
        expect(result.valid).toBe(true);
      }),
      { numRuns: 100 },
    );
  });
});

// ---------------------------------------------------------------- injected anomalies

/** Adds ops on one key after time `t`, each [t, t+1] apart, on fresh processes. */
function sequentialOps(key: string, t: number, specs: Array<Pick<Operation, "f" | "input" | "output">>): HistoryEvent[] {
  const events: HistoryEvent[] = [];
  specs.forEach((s, i) => {
    const p = 1000 + i;
    const call = t + 10 * i;
    events.push({ p, type: "invoke", f: s.f, key, value: s.input, t: call });
    events.push({ p, type: "ok", f: s.f, key, value: s.output, t: call + 5 });
  });
  return events;
}

interface Anomaly {
  name: string;
  model: HistoryModel;
  /** the injected ops, one after another (no overlap) */
  ops: Array<Pick<Operation, "f" | "input" | "output">>;
  /** indices of the injected ops that a complete shrink keeps */
  minimal: number[];
}

const w = (v: string) => ({ f: "write" as const, input: v, output: v });
const r = (v: unknown) => ({ f: "read" as const, input: null, output: v });
const app = (v: string) => ({ f: "append" as const, input: v, output: v });

const ANOMALIES: Anomaly[] = [
  { name: "stale read (register)", model: "register", ops: [w("s1"), w("s2"), w("s3"), r("s1")], minimal: [0, 2, 3] },
  { name: "lost write (register)", model: "register", ops: [w("s0"), w("s1"), r("s0")], minimal: [0, 1, 2] },
  // the second read alone already shows the write un-happening
  { name: "write that un-happens (register)", model: "register", ops: [w("s1"), w("s2"), r("s2"), r("s1")], minimal: [0, 1, 3] },
  { name: "lost append (kv-append)", model: "kv-append", ops: [w("w;"), app("a;"), app("b;"), r("w;a;")], minimal: [0, 1, 2, 3] },
  { name: "duplicate append (kv-append)", model: "kv-append", ops: [w("w;"), app("a;"), app("b;"), r("w;a;b;b;")], minimal: [0, 1, 2, 3] },
  { name: "append that un-happens (kv-append)", model: "kv-append", ops: [w("w;"), app("a;"), r("w;a;"), r("w;")], minimal: [0, 1, 3] },
  {
    name: "lost increment (counter)",
    model: "counter",
    ops: [{ f: "incr", input: 2, output: 2 }, { f: "incr", input: 3, output: 5 }, r(2)],
    minimal: [0, 1, 2],
  },
];

describe.each(ANOMALIES)("finds an injected $name", (anomaly) => {
  it("inside a busy linearizable history, and shrinks it to the injected ops", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 2 ** 31 - 1 }), fc.integer({ min: 0, max: 100 }), async (seed, at) => {
        const base = simulateHistory({ model: anomaly.model, ops: 300, keys: 4, clients: 8, seed, infoRate: 0.05, failRate: 0.02, latency: 40, gap: 5 });
        // The anomaly runs on its own key while the other keys are busy.
        const start = base[Math.floor((at / 100) * (base.length - 1))].t;
        const events = [...base, ...sequentialOps("injected", start, anomaly.ops)].sort((a, b) => a.t - b.t);
        // generous budgets: this asserts what shrinking finds, not how fast (CI machines are busy)
        const result = await checkOperations(anomaly.model, historyToOperations(events), { workers: 0, shrinkBudgetMs: 30_000, keyBudgetMs: 60_000 });
        expect(result.valid).toBe(false);
        expect(result.keysInvalid).toBe(1);
        const v = result.violations[0];
        expect(v.key).toBe("injected");
        expect(v.kind).toBe("not-linearizable");
        expect(v.ops.map((op) => op.output)).toEqual(anomaly.minimal.map((i) => anomaly.ops[i].output));
        // everything but the last op (the failing read) linearizes, in order
        const last = anomaly.minimal.length - 1;
        expect(v.stuckOp).toBe(last);
        expect(v.linearization).toEqual(Array.from({ length: last }, (_, i) => i));
        expect(v.shrink?.complete).toBe(true);
        expect(v.shrink?.from).toBe(v.keyOps);
      }),
      { numRuns: 15 },
    );
  });

  it("on a busy key, right after its traffic", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 2 ** 31 - 1 }), async (seed) => {
        const base = simulateHistory({ model: anomaly.model, ops: 200, keys: 1, clients: 6, seed, infoRate: 0.05, failRate: 0.02, latency: 40, gap: 5 });
        // Fresh values on the same key: no earlier op (not even an info one) can explain them.
        const fresh = anomaly.ops.map((op) =>
          anomaly.model === "counter" ? op : { ...op, input: tag(op.input), output: tag(op.output) },
        );
        const lastT = base[base.length - 1].t;
        let ops = [...base, ...sequentialOps("k0", lastT + 10, fresh)];
        if (anomaly.model === "counter") {
          // Totals depend on earlier increments: check the counter anomaly on a fresh key only.
          ops = [...base, ...sequentialOps("fresh", lastT + 10, fresh)];
        }
        const result = await checkOperations(anomaly.model, historyToOperations(ops), { workers: 0, shrinkBudgetMs: 30_000, keyBudgetMs: 60_000 });
        expect(result.valid).toBe(false);
        expect(result.violations[0].ops.length).toBeLessThanOrEqual(anomaly.ops.length + 2);
      }),
      { numRuns: 10 },
    );
  });
});

/** Makes injected register/kv values unique ("s1" → "s1!"), keeping the anomaly. */
function tag(v: unknown): unknown {
  if (typeof v !== "string") return v;
  return v.replace(/([a-z0-9]+)/g, "$1!");
}
