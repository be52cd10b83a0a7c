import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { UsageError } from "../harness/errors.ts";
import { makeRunFixture } from "../results/fixtures/run-fixture.ts";
import { GATE_OPS, METRICS, evaluateGates, metricList, parseGate, verdictOf, type GateSource } from "./gates.ts";
import type { CheckResult } from "./types.ts";

const ok = (extra: Record<string, unknown> = {}): CheckResult => ({ valid: true, summary: "fine", ...extra });

describe("parseGate", () => {
  it("parses comparisons, bare yes/no metrics and checker figure paths", () => {
    expect(parseGate("lost == 0")).toEqual({ expr: "lost == 0", metric: "lost", op: "==", value: 0 });
    expect(parseGate("  linearizable ")).toEqual({ expr: "linearizable", metric: "linearizable", op: "==", value: true });
    expect(parseGate("p99_spike_ratio<5")).toMatchObject({ metric: "p99_spike_ratio", op: "<", value: 5 });
    expect(parseGate("redirects.ASK == 0")).toMatchObject({ metric: "redirects.ASK", value: 0 });
    expect(parseGate("migration_seconds <= 1.5e2")).toMatchObject({ op: "<=", value: 150 });
    expect(parseGate("latency.throughput.dip < 0.5")).toMatchObject({ metric: "latency.throughput.dip" });
    expect(parseGate("migration_ok != false")).toMatchObject({ op: "!=", value: false });
  });

  it.each([
    ["", /empty/],
    ["lsot == 0", /unknown metric "lsot" — did you mean "lost"\?; known metrics: .*lost/],
    ["lost", /lost is a number: compare it/],
    ["linearizable < 1", /linearizable is yes\/no/],
    ["lost = 0", /expected an operator \(< <= > >= == !=\) after lost/],
    ["lost ==", /missing a value after ==/],
    ["lost == abc", /value "abc" is not allowed: use a number or true\/false/],
    ["lost == true", /lost is a number/],
    ["3 < lost", /must start with a metric name/],
    ["nosuchchecker.figure > 1", /unknown metric/],
  ])("rejects %j with a usage error naming the gate", (expr, why) => {
    let err: unknown;
    try {
      parseGate(expr);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toContain(`gate ${JSON.stringify(expr)}`);
    expect((err as Error).message).toMatch(why);
  });

  it("property: any string is either a gate or a UsageError, never a crash", () => {
    const pieces = fc.constantFrom(...METRICS.map((m) => m.name), "latency.x", "lost", "foo", " ", ...GATE_OPS, "=", "!", "0", "-1.5", "true", "1e3", "..", "\u0000", "🔥");
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.array(pieces, { maxLength: 5 }).map((a) => a.join(""))), (s) => {
        try {
          const g = parseGate(s);
          expect(GATE_OPS).toContain(g.op);
          expect(typeof g.value === "number" ? Number.isFinite(g.value) : typeof g.value === "boolean").toBe(true);
        } catch (e) {
          expect(e).toBeInstanceOf(UsageError);
        }
      }),
    );
  });

  it("property: well-formed numeric gates parse back to their parts and evaluate like JS", () => {
    const numeric = METRICS.filter((m) => m.kind === "number").map((m) => m.name);
    fc.assert(
      fc.property(fc.constantFrom(...numeric), fc.constantFrom(...GATE_OPS), fc.integer({ min: -1000, max: 1000 }), fc.integer({ min: -1000, max: 1000 }), (metric, op, value, actual) => {
        const g = parseGate(`${metric} ${op} ${value}`);
        expect(g).toMatchObject({ metric, op, value });
        const src: GateSource = { checks: {} };
        const [r] = evaluateGates([{ ...g, metric: "completeness.n" }], { ...src, checks: { completeness: ok({ n: actual }) } });
        const expected = { "<": actual < value, "<=": actual <= value, ">": actual > value, ">=": actual >= value, "==": actual === value, "!=": actual !== value }[op];
        expect(r.passed).toBe(expected);
      }),
    );
  });

  it("lists every metric with a description", () => {
    const list = metricList();
    expect(list.map((m) => m.name)).toEqual(expect.arrayContaining(["lost", "linearizable", "p99_spike_ratio", "migration_seconds", "redirects.ASK", "unknown_keys"]));
    for (const m of list) expect(m.description.length).toBeGreaterThan(10);
    expect(new Set(list.map((m) => m.name)).size).toBe(list.length);
  });
});

describe("evaluateGates", () => {
  const fixture = makeRunFixture({ outcome: "pass" });
  const src: GateSource = {
    ...fixture,
    checks: {
      linearizable: ok({ keysUnknownCount: 2, keysInvalid: 0 }),
      completeness: { valid: false, summary: "3 lost", counts: { lost: 3, ok: 10 } },
      latency: ok({ worstP99Ratio: 7.25 }),
    },
  };

  it("evaluates against checks and run figures", () => {
    const r = evaluateGates(["lost == 0", "linearizable", "p99_spike_ratio < 5", "unknown_keys == 0", "migration_seconds < 100000", "redirects.ASK >= 0", "completeness.counts.ok == 10"], src);
    expect(r.map((g) => g.passed)).toEqual([false, true, false, false, true, true, true]);
    expect(r[0]).toMatchObject({ actual: 3, message: "lost == 0: FAILED (lost = 3)" });
    expect(r[2].message).toContain("p99_spike_ratio = 7.25");
  });

  it("a metric the run does not have is unknown, not passed", () => {
    const r = evaluateGates(["orphan == 0", "convergence_seconds < 10"], { checks: { completeness: ok({ counts: {} }) } });
    expect(r.map((g) => g.passed)).toEqual(["unknown", "unknown"]);
    expect(r[1].message).toMatch(/has no value in this run/);
  });

  it("an unparsable gate string is unknown with the reason, not a crash", () => {
    const [r] = evaluateGates(["lsot == 0"], src);
    expect(r.passed).toBe("unknown");
    expect(r.message).toMatch(/did you mean "lost"/);
  });

  it("sums redirects over windows when there is no workload summary", () => {
    const windows = fixture.windows.map((w) => ({ ...w, redirects: { MOVED: 1, ASK: 2, TRYAGAIN: 0 } }));
    const [r] = evaluateGates(["redirects.ASK == 0"], { checks: {}, windows, workload: null });
    expect(r).toMatchObject({ passed: false, actual: 2 * windows.length });
  });
});

describe("verdictOf", () => {
  const pass = { expr: "x", passed: true as const, message: "" };
  const failG = { expr: "lost == 0", passed: false as const, message: "lost == 0: FAILED" };
  const unk = { expr: "y", passed: "unknown" as const, message: "y unknown" };
  const bad: CheckResult = { valid: false, summary: "2 lost" };
  const unknownC: CheckResult = { valid: "unknown", summary: "budget" };

  it("orders error > check failed > gate failed > unknown > pass, with exit codes", () => {
    expect(verdictOf({ a: ok() }, [pass], new Error("boom"))).toMatchObject({ verdict: "error", exitCode: 4, reason: "harness error: boom" });
    expect(verdictOf({ a: bad, b: unknownC }, [failG])).toMatchObject({ verdict: "fail", exitCode: 1 });
    expect(verdictOf({ a: ok(), b: unknownC }, [failG, unk])).toMatchObject({ verdict: "fail", exitCode: 3 });
    expect(verdictOf({ a: ok(), b: unknownC }, [pass])).toMatchObject({ verdict: "unknown", exitCode: 2 });
    expect(verdictOf({ a: ok() }, [unk])).toMatchObject({ verdict: "unknown", exitCode: 2 });
    expect(verdictOf({ a: ok() }, [pass])).toMatchObject({ verdict: "pass", exitCode: 0 });
  });

  it("says which check failed", () => {
    expect(verdictOf({ completeness: bad }, []).reason).toBe("completeness: 2 lost");
  });
});
