// list-append: Elle-style anomaly detection without search.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Operation } from "../../workloads/history-types.ts";
import { checkOperations } from "./check.ts";
import linearizable from "./index.ts";
import { pairHistory } from "./operations.ts";
import { simulateHistory } from "./simulate.ts";
import type { ViolationKind } from "./types.ts";

let nextP = 0;
const append = (e: string, call: number, ret: number, status: "ok" | "info" = "ok"): Operation => ({
  p: nextP++, key: "L", f: "append", input: e, output: status === "ok" ? e : undefined, status, call, ret: status === "ok" ? ret : Infinity,
});
const read = (list: string[], call: number, ret: number): Operation => ({ p: nextP++, key: "L", f: "read", input: null, output: list, status: "ok", call, ret });

async function kinds(ops: Operation[], failed: Operation[] = []): Promise<ViolationKind[]> {
  const r = await checkOperations("list-append", ops, { failed });
  return [...new Set(r.violations.map((v) => v.kind))].sort();
}

describe("list-append anomalies", () => {
  it("accepts reads that grow along one order, with concurrent appends in any order", async () => {
    const ops = [append("a", 0, 10), append("b", 1, 10), read(["b"], 2, 3), read(["b", "a"], 11, 12), append("c", 13, 14, "info"), read(["b", "a"], 15, 16)];
    const r = await checkOperations("list-append", ops);
    expect(r.valid).toBe(true);
    expect(r.violations).toEqual([]);
  });

  it.each<[string, () => [Operation[], Operation[]], ViolationKind[]]>([
    ["duplicate-element", () => [[append("a", 0, 1), read(["a", "a"], 2, 3)], []], ["duplicate-element"]],
    ["phantom-element", () => [[read(["z"], 0, 1)], []], ["phantom-element"]],
    ["aborted-read", () => [[read(["z"], 2, 3)], [{ ...append("z", 0, 1), output: undefined }]], ["aborted-read"]],
    ["future-read", () => [[read(["a"], 0, 1), append("a", 5, 6)], []], ["future-read"]],
    ["incompatible-order", () => [[append("a", 0, 10), append("b", 0, 10), read(["a", "b"], 1, 11), read(["b", "a"], 1, 11)], []], ["incompatible-order"]],
    ["lost-append", () => [[append("a", 0, 1), read([], 2, 3)], []], ["lost-append"]],
    ["stale-read", () => [[append("a", 0, 10, "info"), read(["a"], 1, 11), read([], 12, 13)], []], ["stale-read"]],
    ["append-order", () => [[append("a", 0, 1), append("b", 2, 3), read(["b", "a"], 0, 10)], []], ["append-order"]],
  ])("%s", async (_name, make, expected) => {
    const [ops, failed] = make();
    expect(await kinds(ops, failed)).toEqual(expected);
    const r = await checkOperations("list-append", ops, { failed });
    expect(r.valid).toBe(false);
    expect(r.keysInvalid).toBe(1);
    expect(r.anomalies).toEqual({ [expected[0]]: expect.any(Number) });
    const v = r.violations[0];
    expect(v.model).toBe("list-append");
    expect(v.message).toMatch(/^key "L": /);
    expect(v.ops.length).toBeGreaterThan(0);
  });

  it("shows a failed append as a fail op", async () => {
    const r = await checkOperations("list-append", [read(["z"], 2, 3)], { failed: [{ ...append("z", 0, 1), output: undefined }] });
    expect(r.violations[0].ops.map((o) => o.status)).toEqual(["fail", "ok"]);
  });

  it("needs unique elements per key", async () => {
    await expect(checkOperations("list-append", [append("a", 0, 1), append("a", 2, 3)])).rejects.toThrow(/element "a" is appended twice/);
  });
});

describe("list-append on simulated histories", () => {
  const simulated = (seed: number) =>
    pairHistory(simulateHistory({ model: "list-append", ops: 300, keys: 3, clients: 6, seed, infoRate: 0.05, failRate: 0.05, latency: 40, gap: 5 }));

  it("finds nothing in a linearizable history", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 2 ** 31 - 1 }), async (seed) => {
        const { ops, failed } = simulated(seed);
        const r = await checkOperations("list-append", ops, { failed });
        expect(r.violations).toEqual([]);
        expect(r.valid).toBe(true);
      }),
      { numRuns: 50 },
    );
  });

  it("finds a duplicated element and an acknowledged append missing from a later read", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 2 ** 31 - 1 }), fc.nat(), async (seed, pick) => {
        const { ops, failed } = simulated(seed);
        const reads = ops.filter((o) => o.f === "read" && o.status === "ok" && (o.output as string[]).length > 0);
        fc.pre(reads.length > 0);
        const target = reads[pick % reads.length];
        const list = target.output as string[];

        const dup = ops.map((o) => (o === target ? { ...o, output: [...list, list[0]] } : o));
        expect(await kinds(dup, failed)).toContain("duplicate-element");

        // drop an element whose append was acknowledged before the read began
        const done = list.findIndex((e) => ops.some((a) => a.f === "append" && a.input === e && a.ret < target.call));
        fc.pre(done >= 0);
        const lost = ops.map((o) => (o === target ? { ...o, output: list.filter((_, i) => i !== done) } : o));
        expect(await kinds(lost, failed)).toContain("lost-append");
      }),
      { numRuns: 50 },
    );
  });

  it("runs through the Checker with fail events from the history", async () => {
    const events = simulateHistory({ model: "list-append", ops: 200, keys: 2, clients: 4, seed: 7, failRate: 0.1 });
    const failedAppend = events.find((e) => e.type === "fail" && e.f === "append");
    expect(failedAppend).toBeDefined();
    // a read that returns the failed append's element
    const t = events[events.length - 1].t + 10;
    const history = [
      ...events,
      { p: 999, type: "invoke" as const, f: "read" as const, key: failedAppend!.key, value: null, t },
      { p: 999, type: "ok" as const, f: "read" as const, key: failedAppend!.key, value: [failedAppend!.value], t: t + 1 },
    ];
    const r = await linearizable.check({ history, model: "list-append" });
    expect(r.valid).toBe(false);
    expect(r.anomalies).toMatchObject({ "aborted-read": 1 });
  });
});
