// checkOperations and the "linearizable" Checker: verdicts on known examples,
// budgets that end in `unknown` (never `true`), report shape, bad input.
import { describe, expect, it } from "vitest";
import { UsageError } from "../../harness/errors.ts";
import type { HistoryEvent, Operation } from "../../workloads/history-types.ts";
import { checkOperations } from "./check.ts";
import linearizable from "./index.ts";
import { historyToOperations } from "./operations.ts";

let nextP = 0;
function op(f: Operation["f"], input: unknown, output: unknown, call: number, ret: number, key = "k"): Operation {
  return { p: nextP++, key, f, input, output, status: "ok", call, ret };
}
function info(f: Operation["f"], input: unknown, call: number, key = "k"): Operation {
  return { p: nextP++, key, f, input, output: undefined, status: "info", call, ret: Infinity };
}
const inProcess = { workers: 0 as const };

describe("register verdicts", () => {
  // The examples of MIT 6.824's 2017 quiz 2, section VII (also Porcupine's first test).
  it("accepts a read of the old value overlapping a write", async () => {
    const ops = [op("write", "100", "100", 0, 100), op("read", null, "100", 25, 75), op("read", null, "0", 30, 60)];
    const r = await checkOperations("register", ops, { ...inProcess, initial: { k: "0" } });
    expect(r.valid).toBe(true);
    expect(r.summary).toMatch(/^linearizable: 1 keys, 3 ops/);
  });

  it("rejects a read of the old value after a read of the new one", async () => {
    const ops = [op("write", "200", "200", 0, 100), op("read", null, "200", 10, 30), op("read", null, "0", 40, 90)];
    const r = await checkOperations("register", ops, { ...inProcess, initial: { k: "0" } });
    expect(r.valid).toBe(false);
    expect(r.keysInvalid).toBe(1);
    const v = r.violations[0];
    expect(v.kind).toBe("not-linearizable");
    expect(v.ops.map((o) => o.output)).toEqual(["200", "200", "0"]);
    expect(v.stuckOp).toBe(2);
    expect(v.stateAfterLinearization).toBe("200");
  });

  it("lets an info write take effect long after its invoke, or never", async () => {
    const late = [info("write", "a", 0), op("read", null, null, 10, 20), op("read", null, "a", 100, 110)];
    expect((await checkOperations("register", late, inProcess)).valid).toBe(true);
    const never = [info("write", "a", 0), op("read", null, null, 100, 110)];
    expect((await checkOperations("register", never, inProcess)).valid).toBe(true);
    // but not before its invoke
    const early = [op("read", null, "a", 0, 5), info("write", "a", 10)];
    expect((await checkOperations("register", early, inProcess)).valid).toBe(false);
  });

  it("tries each choice of which unknown op took effect when", async () => {
    // Only the order (cas j, cas X, write i, read) works: j must explain X, and i the read.
    const ops = [
      info("write", "a", 0),
      info("cas", [null, "a"], 1),
      op("cas", ["a", "x"], ["a", "x"], 2, 3),
      op("read", null, "a", 10, 11),
    ];
    expect((await checkOperations("register", ops, inProcess)).valid).toBe(true);
    // without the blind write nothing explains the read
    expect((await checkOperations("register", [ops[1], ops[2], ops[3]], inProcess)).valid).toBe(false);
  });

  it("lets a write nobody reads take effect right before an unknown write", async () => {
    // found by the property tests: only (write 5, info write 2, read, read) works
    const ops = [info("write", "2", 629), op("write", "5", "5", 640, 739), op("read", null, "2", 689, 718), op("read", null, "2", 742, 815)];
    expect((await checkOperations("register", ops, inProcess)).valid).toBe(true);
  });

  it("keeps unknown ops with different effects apart", async () => {
    // two unknown cas from the same expected value: only the second explains the read
    const ops = [info("cas", [null, "p"], 0), info("cas", [null, "q"], 1), op("read", null, "q", 5, 6)];
    expect((await checkOperations("register", ops, inProcess)).valid).toBe(true);
    // unknown increments by the same delta are interchangeable, by different deltas not
    const incrs = [info("incr", 1, 0), info("incr", 1, 1), info("incr", 5, 2), op("read", null, 6, 10, 11), op("read", null, 7, 12, 13)];
    expect((await checkOperations("counter", incrs, inProcess)).valid).toBe(true);
    expect((await checkOperations("counter", [...incrs, op("read", null, 8, 14, 15)], inProcess)).valid).toBe(false);
  });

  it("reads a cas completion with value false as a failed compare", async () => {
    const compareFailed = [op("write", "a", "a", 0, 1), op("cas", ["b", "c"], false, 2, 3), op("read", null, "a", 4, 5)];
    expect((await checkOperations("register", compareFailed, inProcess)).valid).toBe(true);
    // a compare cannot fail when the value is the expected one
    const impossible = [op("write", "b", "b", 0, 1), op("cas", ["b", "c"], false, 2, 3)];
    expect((await checkOperations("register", impossible, inProcess)).valid).toBe(false);
    const applied = [op("write", "b", "b", 0, 1), op("cas", ["b", "c"], ["b", "c"], 2, 3), op("read", null, "c", 4, 5)];
    expect((await checkOperations("register", applied, inProcess)).valid).toBe(true);
  });

  it("treats equal timestamps as overlapping", async () => {
    // the read returns at the instant the write is invoked: either order is allowed
    const ops = [op("read", null, "x", 0, 10), op("write", "x", "x", 10, 20)];
    expect((await checkOperations("register", ops, inProcess)).valid).toBe(true);
  });

  it("compares numbers and their decimal text alike (Redis returns strings)", async () => {
    const ops = [op("write", 7, 7, 0, 1), op("read", null, "7", 2, 3)];
    expect((await checkOperations("register", ops, inProcess)).valid).toBe(true);
  });

  it("checks keys independently and names each violating key", async () => {
    const ops = [
      op("write", "a", "a", 0, 1, "good"), op("read", null, "a", 2, 3, "good"),
      op("write", "a", "a", 0, 1, "bad1"), op("read", null, "b", 2, 3, "bad1"),
      op("write", "a", "a", 0, 1, "bad2"), op("read", null, null, 2, 3, "bad2"),
    ];
    const r = await checkOperations("register", ops, { ...inProcess, maxViolationReports: 1 });
    expect(r.valid).toBe(false);
    expect(r.keysChecked).toBe(3);
    expect(r.keysInvalid).toBe(2);
    expect(r.violations.map((v) => v.key)).toEqual(["bad1"]);
    expect(r.opsChecked).toBe(6);
  });
});

describe("kv-append and counter verdicts", () => {
  it("kv-append: reads see appends in one order, missing key is null", async () => {
    const ok = [op("read", null, null, 0, 1), op("append", "a", "a", 2, 10), op("append", "b", "b", 3, 9), op("read", null, "ba", 11, 12)];
    expect((await checkOperations("kv-append", ok, inProcess)).valid).toBe(true);
    const bad = [op("append", "a", "a", 0, 1), op("append", "b", "b", 2, 3), op("read", null, "ba", 4, 5)];
    expect((await checkOperations("kv-append", bad, inProcess)).valid).toBe(false);
    // "" is a value (an empty string was written), not a missing key
    const empty = [op("read", null, "", 0, 1)];
    expect((await checkOperations("kv-append", empty, inProcess)).valid).toBe(false);
    expect((await checkOperations("kv-append", empty, { ...inProcess, initial: () => "" })).valid).toBe(true);
  });

  it("counter: incr returns the new total; info incrs may or may not count", async () => {
    const ok = [op("incr", 2, 2, 0, 1), info("incr", 5, 2), op("read", null, "7", 10, 11), op("incr", 1, 8, 12, 13)];
    expect((await checkOperations("counter", ok, inProcess)).valid).toBe(true);
    const lost = [op("incr", 2, 2, 0, 1), op("incr", 1, 3, 2, 3), op("read", null, 2, 4, 5)];
    expect((await checkOperations("counter", lost, inProcess)).valid).toBe(false);
  });
});

/** 18 concurrent increments of unknown outcome and an impossible total: 2^18 subsets to rule out. */
function hardCounterHistory(key = "hard"): Operation[] {
  const ops: Operation[] = [];
  for (let i = 0; i < 18; i++) ops.push(info("incr", 2 ** i, i, key));
  ops.push(op("read", null, -1, 100, 200, key));
  return ops;
}

describe("budgets", () => {
  it("a key that runs out of its budget is unknown, never valid", async () => {
    const ops = [...hardCounterHistory(), op("incr", 1, 1, 0, 1, "easy")];
    const r = await checkOperations("counter", ops, { ...inProcess, keyBudgetMs: 20 });
    expect(r.valid).toBe("unknown");
    expect(r.summary).toMatch(/^unknown: 1 of 2 keys/);
    expect(r.keysUnknown).toEqual([expect.objectContaining({ key: "hard", reason: "key-budget", ops: 19 })]);
    expect(r.keysUnknownCount).toBe(1);
    expect(r.elapsedMs).toBeLessThan(5_000);
  });

  it("with enough budget the same key is decided", async () => {
    const r = await checkOperations("counter", hardCounterHistory(), { ...inProcess, keyBudgetMs: 60_000 });
    expect(r.valid).toBe(false);
  });

  it("a violation elsewhere makes the verdict false even with unknown keys", async () => {
    const ops = [...hardCounterHistory(), op("incr", 1, 1, 0, 1, "bad"), op("read", null, 0, 2, 3, "bad")];
    const r = await checkOperations("counter", ops, { ...inProcess, keyBudgetMs: 20 });
    expect(r.valid).toBe(false);
    expect(r.keysUnknown.map((u) => u.key)).toEqual(["hard"]);
    expect(r.violations.map((v) => v.key)).toEqual(["bad"]);
  });

  it("an exhausted overall budget leaves keys unknown", async () => {
    const ops = [op("write", "a", "a", 0, 1, "x"), op("write", "a", "a", 0, 1, "y")];
    const r = await checkOperations("register", ops, { ...inProcess, budgetMs: 0 });
    expect(r.valid).toBe("unknown");
    expect(r.keysUnknown.map((u) => u.reason)).toEqual(["overall-budget", "overall-budget"]);
  });

  it("a cancelled check is unknown", async () => {
    const ac = new AbortController();
    ac.abort();
    const r = await checkOperations("register", [op("write", "a", "a", 0, 1)], { ...inProcess, signal: ac.signal });
    expect(r.valid).toBe("unknown");
    expect(r.keysUnknown[0].reason).toBe("aborted");
  });
});

describe("violation reports", () => {
  it("are plain JSON, with info ops drawn as never returning", async () => {
    const ops = [op("write", "a", "a", 0, 10), info("write", "b", 5), op("read", null, "c", 20, 30)];
    const r = await checkOperations("register", ops, inProcess);
    expect(r.valid).toBe(false);
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
    const v = r.violations[0];
    for (const o of v.ops) expect(Object.keys(o).sort()).toEqual(["call", "f", "id", "input", "output", "p", "ret", "status"]);
    expect(v.ops.find((o) => o.status === "info")?.ret ?? null).toBeNull();
  });

  it("shrink a long history to the few ops that fail", async () => {
    const ops: Operation[] = [];
    for (let i = 0; i < 300; i++) {
      ops.push(op("write", `v${i}`, `v${i}`, 10 * i, 10 * i + 4));
      ops.push(op("read", null, `v${i}`, 10 * i + 5, 10 * i + 9));
    }
    ops.push(op("read", null, "v100", 3000, 3005)); // stale
    const r = await checkOperations("register", ops, inProcess);
    const v = r.violations[0];
    expect(v.keyOps).toBe(601);
    expect(v.shrink).toMatchObject({ from: 601, to: 3, complete: true });
    // v100 was written, then overwritten (by any later write), then read again
    expect(v.ops.map((o) => [o.f, o.input ?? o.output])).toEqual([["write", "v100"], ["write", expect.stringMatching(/^v(10[1-9]|1[1-9]\d|2\d\d)$/)], ["read", "v100"]]);
    expect(v.linearization).toEqual([0, 1]);
    expect(v.stuckOp).toBe(2);
    expect(v.message).toContain('read() → "v100"');
  });
});

describe("bad input", () => {
  it("names the field, the value and what is allowed", async () => {
    await expect(checkOperations("register", [op("append", "a", "a", 0, 1)], inProcess)).rejects.toThrow(
      new UsageError('ops[0].f is "append" on key "k"; the register model allows: read, write, cas'),
    );
    await expect(checkOperations("register", [op("cas", "a", "a", 0, 1)], inProcess)).rejects.toThrow(/input of cas .* allowed: \[expected, new\]/);
    await expect(checkOperations("counter", [op("read", null, "many", 0, 1)], inProcess)).rejects.toThrow(/output is "many"; allowed: an integer/);
    await expect(checkOperations("register", [], { budgetMs: -1 })).rejects.toThrow(/budgetMs is -1; allowed: a number >= 0/);
    await expect(checkOperations("register", [], { workers: 1.5 })).rejects.toThrow(/workers is 1.5/);
    await expect(checkOperations("bogus" as "register", [])).rejects.toThrow(/model is "bogus"; allowed: register, kv-append, counter, list-append/);
  });
});

describe("the linearizable Checker", () => {
  const events: HistoryEvent[] = [
    { p: 1, type: "invoke", f: "write", key: "a", value: "x", t: 0 },
    { p: 1, type: "ok", f: "write", key: "a", value: "x", t: 10 },
    { p: 2, type: "invoke", f: "write", key: "a", value: "y", t: 20 },
    { p: 2, type: "fail", f: "write", key: "a", value: "y", t: 30, error: "MOVED" },
    { p: 3, type: "invoke", f: "read", key: "a", value: null, t: 40 },
    { p: 3, type: "ok", f: "read", key: "a", value: "x", t: 50 },
    { p: 4, type: "invoke", f: "read", key: "b", value: null, t: 40 },
    { p: 4, type: "ok", f: "read", key: "b", value: "preloaded", t: 50 },
  ];

  it("checks a history of events, with preloaded values as initial state", async () => {
    expect(linearizable.name).toBe("linearizable");
    const r = await linearizable.check({ history: events, model: "register", preload: { keys: { b: "preloaded" } }, params: { workers: 0 } });
    expect(r.valid).toBe(true);
    expect(r).toMatchObject({ keysChecked: 2, opsChecked: 3, keysUnknown: [], violations: [] });
    const without = await linearizable.check({ history: events, model: "register" });
    expect(without.valid).toBe(false);
  });

  it("treats a failed write as never executed", async () => {
    const readsFailed = events.map((e) => (e.p === 3 && e.type === "ok" ? { ...e, value: "y" } : e));
    const r = await linearizable.check({ history: readsFailed, model: "register", preload: { keys: { b: "preloaded" } } });
    expect(r.valid).toBe(false);
  });

  it("rejects unknown params", async () => {
    await expect(linearizable.check({ history: events, model: "register", params: { budget: 5 } })).rejects.toThrow(
      /linearizable param "budget" is unknown; allowed: budgetMs, keyBudgetMs/,
    );
  });

  it("agrees with checkOperations on the paired history", async () => {
    const viaChecker = await linearizable.check({ history: events, model: "register" });
    const direct = await checkOperations("register", historyToOperations(events));
    expect(viaChecker.valid).toBe(direct.valid);
  });
});
