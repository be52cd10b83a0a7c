// Checking on worker threads gives the same answers as checking in-process.
import { describe, expect, it } from "vitest";
import type { HistoryEvent } from "../../workloads/history-types.ts";
import { checkOperations } from "./check.ts";
import { historyToOperations } from "./operations.ts";
import { simulateHistory } from "./simulate.ts";

function withViolations(events: HistoryEvent[], keys: string[]): HistoryEvent[] {
  const t = events[events.length - 1].t + 100;
  const extra = keys.flatMap((key, i): HistoryEvent[] => [
    { p: 5000 + i, type: "invoke", f: "write", key, value: `lost-${i}`, t },
    { p: 5000 + i, type: "ok", f: "write", key, value: `lost-${i}`, t: t + 1 },
    { p: 6000 + i, type: "invoke", f: "read", key, value: null, t: t + 2 },
    { p: 6000 + i, type: "ok", f: "read", key, value: `never-${i}`, t: t + 3 },
  ]);
  return [...events, ...extra];
}

describe("worker threads", () => {
  it("agree with in-process checking, violations included", async () => {
    const events = simulateHistory({ model: "register", ops: 40_000, keys: 400, clients: 16, seed: 3, infoRate: 0.01, failRate: 0.01, hotKeys: 16 });
    const ops = historyToOperations(withViolations(events, ["k7", "k300"]));
    const inProcess = await checkOperations("register", ops, { workers: 0 });
    const threaded = await checkOperations("register", ops, { workers: 2, parallelMinOps: 0 });
    expect(threaded.workers).toBeGreaterThanOrEqual(1); // workers really ran (not the in-process fallback)
    expect(inProcess.workers).toBe(0);
    for (const r of [inProcess, threaded]) {
      expect(r.valid).toBe(false);
      expect(r.keysChecked).toBe(400);
      expect(r.keysInvalid).toBe(2);
      expect(r.keysUnknown).toEqual([]);
    }
    const byKey = (r: typeof inProcess) => [...r.violations].sort((a, b) => a.key.localeCompare(b.key)).map(({ shrink, ...v }) => v);
    expect(byKey(threaded)).toEqual(byKey(inProcess));
  });

  it("are used only for big inputs when left to decide", async () => {
    const ops = historyToOperations(simulateHistory({ model: "register", ops: 2_000, keys: 20, clients: 4, seed: 1 }));
    const r = await checkOperations("register", ops);
    expect(r.workers).toBe(0);
    expect(r.valid).toBe(true);
  });

  it("leave keys unknown, not valid, when the budget runs out", async () => {
    const ops = historyToOperations(simulateHistory({ model: "register", ops: 20_000, keys: 200, clients: 8, seed: 2 }));
    const r = await checkOperations("register", ops, { workers: 2, parallelMinOps: 0, budgetMs: 0 });
    expect(r.valid).toBe("unknown");
    expect(r.keysUnknownCount).toBe(200);
  });
});
