// How close each strategy keeps the clients' p99 to a budget while it moves a
// data-heavy set of slots (512 KB values, ten keys a slot) under a 2000 ops/s load:
// legacy (valkey-cli: ten keys per MIGRATE, back to back), throttled with adaptive
// pacing against the budget, and atomic as the peer. Prints a table and ends with
// `name: value` lines.
//
//   npm run bench:throttle      (SLOTPROOF_BENCH_MB=300 sizes the dataset, SLOTPROOF_BUDGET_MS=30)
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { compareP99Budget, type BudgetCase } from "./p99-budget.ts";

const VALUE_BYTES = 512 * 1024;
const budgetMs = Number(process.env.SLOTPROOF_BUDGET_MS) || 30;
const mb = Number(process.env.SLOTPROOF_BENCH_MB) || 300;
const keys = Math.max(20, Math.round((mb * 1e6) / VALUE_BYTES / 10) * 10);

const cases: BudgetCase[] = [
  { label: "legacy", strategy: "legacy" },
  { label: "adaptive", strategy: "throttled", params: { adaptive: { p99BudgetMs: budgetMs, intervalMs: 500 } } },
  { label: "atomic", strategy: "atomic" },
];

const outDir = mkdtempSync(path.join(os.tmpdir(), "slotproof-bench-throttle-"));
const abort = new AbortController();
process.once("SIGINT", () => abort.abort(new Error("interrupted by SIGINT")));
console.log(`dataset: ${keys} keys x ${VALUE_BYTES / 1024} KB = ${((keys * VALUE_BYTES) / 1e6).toFixed(0)} MB in ${keys / 10} slots, moved primary:0 -> primary:1; load 2000 ops/s 1:4; p99 budget ${budgetMs} ms; windows of 500 ms`);
try {
  const rows = await compareP99Budget(cases, { budgetMs, keys, valueBytes: VALUE_BYTES, outDir }, abort.signal);
  const pad = (x: unknown, n: number) => String(x).padStart(n);
  console.log(`\n${"strategy".padEnd(10)}${pad("outcome", 10)}${pad("move s", 9)}${pad("base p99", 10)}${pad("med p99", 9)}${pad("worst", 8)}${pad("over budget", 13)}${pad("decisions", 11)}`);
  for (const r of rows)
    console.log(`${r.label.padEnd(10)}${pad(r.migrationOutcome, 10)}${pad(r.durationS, 9)}${pad(r.baselineP99Ms, 10)}${pad(r.medianP99Ms, 9)}${pad(r.worstP99Ms, 8)}${pad(`${r.windowsOverBudget}/${r.windows}`, 13)}${pad(r.decisions ? `${r.decisions} (${r.decreases} down)` : "-", 11)}`);
  console.log("");
  const pct = (n: number, d: number) => (d ? Math.round((100 * n) / d) : NaN);
  console.log(`p99_budget_ms: ${budgetMs}`);
  for (const r of rows) {
    console.log(`median_p99_${r.label}_ms: ${r.medianP99Ms}`);
    console.log(`windows_over_budget_${r.label}_pct: ${pct(r.windowsOverBudget, r.windows)}`);
    console.log(`duration_${r.label}_s: ${r.durationS}`);
  }
  console.log(`dataset_mb: ${((keys * VALUE_BYTES) / 1e6).toFixed(1)}`);
  if (rows.some((r) => r.migrationOutcome !== "success")) process.exitCode = 1;
} finally {
  rmSync(outDir, { recursive: true, force: true });
}
