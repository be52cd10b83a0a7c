// Adaptive throttling against legacy on real servers, through the whole harness: the
// live p99 feeds the controller, which must keep the clients' p99 near its budget
// where legacy's ten-key MIGRATEs of 512 KB values break it. Figures are window p99s
// of the migrate phase; the bench (npm run bench:throttle) prints the same table.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { compareP99Budget } from "../bench/p99-budget.ts";

describe("throttled adaptive vs legacy (valkey 9.1, 250 MB of 512 KB values, 2000 ops/s)", () => {
  const outDir = mkdtempSync(path.join(os.tmpdir(), "slotproof-budget-"));
  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  it("keeps the migrate phase's p99 within its budget where legacy breaks it", { timeout: 300_000 }, async () => {
    const budgetMs = 30;
    const [legacy, adaptive] = await compareP99Budget(
      [
        { label: "legacy", strategy: "legacy" },
        { label: "adaptive", strategy: "throttled", params: { adaptive: { p99BudgetMs: budgetMs, intervalMs: 500 } } },
      ],
      { budgetMs, keys: 500, valueBytes: 512 * 1024, outDir },
    );
    console.log(JSON.stringify(legacy));
    console.log(JSON.stringify(adaptive));
    for (const r of [legacy, adaptive]) {
      expect(r.migrationOutcome, r.label).toBe("success");
      expect(r.verdict, `${r.label}: every check (completeness, topology) passes`).toBe("pass");
    }
    // the experiment means something only if legacy breaks the budget here
    expect(legacy.medianP99Ms, "legacy's median window p99 should exceed the budget on this dataset").toBeGreaterThan(budgetMs);
    expect(adaptive.decisions).toBeGreaterThan(0);
    // "nearer its budget": the median window p99 overshoots the budget by at most half as
    // much as legacy's (on a quiet machine adaptive stays under it: ~11 ms against ~56 ms;
    // with the rest of the suite running beside it, ~22 ms against ~120 ms)
    const overshoot = (ms: number) => Math.max(0, ms - budgetMs);
    expect(overshoot(adaptive.medianP99Ms)).toBeLessThanOrEqual(overshoot(legacy.medianP99Ms) / 2);
    expect(adaptive.medianP99Ms).toBeLessThan(legacy.medianP99Ms / 2);
    // and fewer of its windows break the budget
    expect(adaptive.windowsOverBudget / adaptive.windows).toBeLessThan(legacy.windowsOverBudget / legacy.windows);
  });
});
