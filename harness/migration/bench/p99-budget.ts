// Legacy against throttled-adaptive on a dataset where data dominates the move (big
// values, ten keys a slot): the same scenario run once per strategy through the whole
// harness (load, live p99, controller), then the migrate phase's window p99s set
// against the adaptive p99 budget. Shared by bench:throttle and its e2e test.
import path from "node:path";
import { median, wholeWindows } from "../../../checks/latency/figures.ts";
import { run } from "../../api.ts";
import type { RunResult } from "../../../results/model.ts";

export interface BudgetCase {
  /** run label */
  label: string;
  strategy: "legacy" | "throttled" | "atomic";
  params?: Record<string, unknown>;
}

export interface BudgetFigures {
  label: string;
  verdict: string;
  migrationOutcome: string;
  durationS: number;
  /** median of the baseline phase's window p99s, ms */
  baselineP99Ms: number;
  /** median of the migrate phase's window p99s, ms */
  medianP99Ms: number;
  worstP99Ms: number;
  windows: number;
  windowsOverBudget: number;
  /** controller decisions (adaptive only) */
  decisions: number;
  decreases: number;
}

export interface BudgetOptions {
  budgetMs: number;
  /** keys of `valueBytes` each, ten a slot, all moved from primary:0 to primary:1 */
  keys: number;
  valueBytes: number;
  /** where the run directories go (one per case) */
  outDir: string;
  rate?: number;
  seed?: number;
}

export function scenarioFor(c: BudgetCase, o: BudgetOptions): string {
  const lastSlot = Math.ceil(o.keys / 10) - 1;
  return JSON.stringify({
    name: `p99-budget-${c.label}`,
    seed: o.seed ?? 5,
    deadline: "10m",
    cluster: { primaries: 3, replicas: 0 },
    dataset: { keys: o.keys, prefix: "blob:", valueSize: o.valueBytes, slots: `0-${lastSlot}` },
    // small values over every slot: what the clients see, not what moves
    workload: { rate: o.rate ?? 2000, ratio: "1:4", keySpace: 10_000, valueSize: 100, workers: 1, windowMs: "500ms", history: { keys: 0 } },
    phases: [
      { name: "baseline", duration: "4s" },
      { name: "migrate", until: "migration-done", timeout: "5m" },
      { name: "cooldown", duration: "2s" },
    ],
    migration: { strategy: c.strategy, params: c.params ?? {}, plan: { moves: [{ slots: `0-${lastSlot}`, from: "primary:0", to: "primary:1" }] }, timeout: "5m" },
  });
}

export function budgetFigures(label: string, r: RunResult, budgetMs: number): BudgetFigures {
  const phase = (name: string) => r.phases.find((p) => p.name === name);
  const p99sIn = (name: string) => {
    const p = phase(name);
    if (!p) return [];
    return wholeWindows(r.windows, p.startMs, p.endMs).filter((w) => w.latency.count > 0).map((w) => w.latency.p99 / 1000);
  };
  const mig = p99sIn("migrate");
  const m = phase("migrate");
  const controller = r.migrationEvents.filter((e) => e.kind === "controller" && e.decision !== "start");
  const round = (x: number | undefined) => Math.round((x ?? NaN) * 10) / 10;
  return {
    label,
    verdict: r.verdict,
    migrationOutcome: r.migration.outcome,
    durationS: round(m ? (m.endMs - m.startMs) / 1000 : undefined),
    baselineP99Ms: round(median(p99sIn("baseline"))),
    medianP99Ms: round(median(mig)),
    worstP99Ms: round(mig.length ? Math.max(...mig) : undefined),
    windows: mig.length,
    windowsOverBudget: mig.filter((x) => x > budgetMs).length,
    decisions: controller.length,
    decreases: controller.filter((e) => e.decision === "decrease").length,
  };
}

/** Runs each case in turn (each on its own fresh cluster) and returns its figures. */
export async function compareP99Budget(cases: BudgetCase[], o: BudgetOptions, signal?: AbortSignal): Promise<BudgetFigures[]> {
  const out: BudgetFigures[] = [];
  for (const c of cases) {
    const outcome = await run({ text: scenarioFor(c, o), fileName: `${c.label}.json` }, { outDir: path.join(o.outDir, c.label), signal });
    out.push(budgetFigures(c.label, outcome.result, o.budgetMs));
  }
  return out;
}
