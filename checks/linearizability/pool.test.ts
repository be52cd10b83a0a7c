// Checking on worker threads gives the same answers as checking in-process.
import { describe, expect, it } from "vitest";
import type { Operation } from "../../workloads/history-types.ts";
import { checkOperations } from "./check.ts";
import { historyToOperations } from "./operations.ts";
import { simulateHistory } from "./simulate.ts";

/**
 * Counter keys that each take a while to decide: `width` concurrent increments of
 * unknown outcome (by 1, 2, 4, …), then a read of a total that only the last one
 * explains (found after ruling out every subset with the first), or none (bad keys).
 */
function slowCounterKeys(keys: number, width: number, badKeys: ReadonlySet<number>): Operation[] {
  const ops: Operation[] = [];
  let p = 0;
  for (let k = 0; k < keys; k++) {
    const key = `c${k}`;
    for (let i = 0; i < width; i++) ops.push({ p: p++, key, f: "incr", input: 2 ** i, output: undefined, status: "info", call: i, ret: Infinity });
    const total = badKeys.has(k) ? -1 : 2 ** (width - 1);
    ops.push({ p: p++, key, f: "read", input: null, output: total, status: "ok", call: 100, ret: 200 });
  }
  return ops;
}

describe("worker threads", () => {
  it("agree with in-process checking, violations included", async () => {
    const ops = slowCounterKeys(30, 14, new Set([7, 22]));
    const inProcess = await checkOperations("counter", ops, { workers: 0 });
    const threaded = await checkOperations("counter", ops, { workers: 2, parallelMinOps: 0 });
    expect(inProcess.workers).toBe(0);
    expect(threaded.workers).toBeGreaterThanOrEqual(1); // workers really checked keys
    for (const r of [inProcess, threaded]) {
      expect(r.valid).toBe(false);
      expect(r.keysChecked).toBe(30);
      expect(r.keysInvalid).toBe(2);
      expect(r.keysUnknown).toEqual([]);
    }
    const withoutTimes = (r: typeof inProcess) => r.violations.map(({ shrink, ...v }) => v);
    expect(withoutTimes(threaded)).toEqual(withoutTimes(inProcess));
  });

  it("keep results in key order and agree on a big simulated history", async () => {
    const ops = historyToOperations(simulateHistory({ model: "register", ops: 30_000, keys: 300, clients: 16, seed: 3, infoRate: 0.01, hotKeys: 16 }));
    const threaded = await checkOperations("register", ops, { workers: 1, parallelMinOps: 0 });
    expect(threaded.valid).toBe(true);
    expect(threaded.keysChecked).toBe(300);
  });

  it("are used only for big inputs when left to decide", async () => {
    const ops = historyToOperations(simulateHistory({ model: "register", ops: 2_000, keys: 20, clients: 4, seed: 1 }));
    const r = await checkOperations("register", ops);
    expect(r.workers).toBe(0);
    expect(r.valid).toBe(true);
  });

  it("leave keys unknown, not valid, when the budget runs out or the check is cancelled", async () => {
    const ops = slowCounterKeys(40, 15, new Set());
    const late = await checkOperations("counter", ops, { workers: 2, parallelMinOps: 0, budgetMs: 0 });
    expect(late.valid).toBe("unknown");
    expect(late.keysUnknownCount).toBe(40);
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 300);
    const cancelled = await checkOperations("counter", slowCounterKeys(400, 15, new Set()), { workers: 2, parallelMinOps: 0, signal: ac.signal });
    expect(cancelled.valid).toBe("unknown");
    expect(cancelled.keysUnknown.length).toBeGreaterThan(0);
    expect(cancelled.keysUnknown.every((u) => u.reason === "aborted")).toBe(true);
  });
});
