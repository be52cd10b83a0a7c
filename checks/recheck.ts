// Re-running every checker on a saved run directory, without a cluster (`slotproof check DIR`).
//
// A run directory holds (names agreed with results/ and the run driver):
//   result.json          the run record (required)
//   history.ndjson[.gz]  the per-op history (results/outputs/json.ts finds it)
//   snapshot.json        the final read of every node (ClusterSnapshot)
//   preload.json         { keys: { key: value } } of the preloaded dataset
// Checker parameters, gates and the history model come from the scenario document saved in
// result.json; when it cannot be re-read, from the checks and gates the record already lists.
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { UsageError } from "../harness/errors.ts";
import { parseScenario, type ScenarioNames } from "../harness/scenario/index.ts";
import type { GateResult, RunResult } from "../results/model.ts";
import { readRunDir, writeResultJson } from "../results/outputs/json.ts";
import type { HistoryEvent, HistoryModel } from "../workloads/history-types.ts";
import { evaluateGates, parseGates, verdictOf, type VerdictOutcome } from "./gates.ts";
import { checkerNames, runCheckers, type CheckerSelection } from "./registry.ts";
import type { CheckResult, ClusterSnapshot } from "./types.ts";

export const SNAPSHOT_FILE = "snapshot.json";
export const PRELOAD_FILE = "preload.json";

export interface RecheckOptions {
  /** checkers to run instead of the scenario's (names, or name -> params) */
  checks?: CheckerSelection;
  /** gates to evaluate instead of the scenario's (checked first: a bad one throws UsageError) */
  gates?: string[];
  /** per-checker bound, ms */
  timeoutMs?: number;
  /** also rewrite DIR/result.json with the new checks, gates and verdict */
  write?: boolean;
  signal?: AbortSignal;
}

export interface RecheckOutcome extends VerdictOutcome {
  checks: Record<string, CheckResult>;
  gates: GateResult[];
  /** the record with the new checks, gates, verdict and reason */
  result: RunResult;
  /** where the inputs came from, for the CLI to say what it used */
  inputs: { history?: string; historyEvents: number; snapshot?: string; preload?: string; settingsFrom: "scenario" | "record" | "options" };
}

async function readJsonFile<T>(dir: string, rel: string | undefined, fallback: string): Promise<{ path?: string; value?: T }> {
  for (const name of [rel, fallback]) {
    if (!name) continue;
    const path = join(dir, name);
    if (!existsSync(path)) continue;
    try {
      return { path, value: JSON.parse(await readFile(path, "utf8")) as T };
    } catch (e) {
      throw new UsageError(`${path} is not valid JSON: ${(e as Error).message}`);
    }
  }
  return {};
}

/** The history model from the operations themselves, when no scenario says. */
export function inferModel(history: readonly HistoryEvent[]): HistoryModel {
  let append = false;
  for (const e of history) {
    if (e.f === "incr") return "counter";
    if (e.f === "read" && e.type === "ok" && Array.isArray(e.value)) return "list-append";
    if (e.f === "append") append = true;
  }
  return append ? "kv-append" : "register";
}

interface Settings {
  checks: CheckerSelection;
  gates: string[];
  model?: HistoryModel;
  from: "scenario" | "record";
}

async function settingsOf(result: RunResult): Promise<Settings> {
  const fromRecord: Settings = { checks: Object.keys(result.checks ?? {}), gates: (result.gates ?? []).map((g) => g.expr), from: "record" };
  if (result.scenario?.document === undefined || result.scenario.document === null) return fromRecord;
  try {
    let names: ScenarioNames = { checks: checkerNames() };
    try {
      names = (await import("../harness/registries.ts")).scenarioNames();
    } catch {
      /* registries unavailable: checker names are enough to validate the checks section */
    }
    const s = parseScenario(JSON.stringify(result.scenario.document), { ...names, fileName: "result.json scenario", randomSeed: () => result.scenario.seed ?? 0 });
    return { checks: s.checks, gates: s.gates, model: s.workload.history.model, from: "scenario" };
  } catch {
    return fromRecord; // e.g. a scenario from an older slotproof: the record still says what ran
  }
}

/** Re-runs the checkers on DIR and returns the new checks, gates and verdict. */
export async function recheck(dir: string, opts: RecheckOptions = {}): Promise<RecheckOutcome> {
  const explicitGates = opts.gates ? parseGates(opts.gates) : undefined; // the user's own gates: a typo is a usage error
  const run = await readRunDir(dir);
  const result = run.result;
  const history = run.history ?? [];
  const snap = await readJsonFile<ClusterSnapshot>(dir, result.files?.snapshot, SNAPSHOT_FILE);
  const pre = await readJsonFile<{ keys: Record<string, string> }>(dir, result.files?.preload, PRELOAD_FILE);
  const settings = await settingsOf(result);
  const selection = opts.checks ?? settings.checks;
  const checks = await runCheckers(
    selection,
    {
      history,
      model: settings.model ?? inferModel(history),
      snapshot: snap.value,
      preload: pre.value,
      run: {
        windows: result.windows ?? [],
        phases: result.phases ?? [],
        migration: result.migration,
        migrationEvents: result.migrationEvents ?? [],
        faults: result.faults ?? [],
        migratingSlots: result.migratingSlots ?? [],
        topologySamples: result.topologySamples,
      },
      signal: opts.signal,
    },
    { timeoutMs: opts.timeoutMs },
  );
  const updated: RunResult = { ...result, checks };
  const gates = evaluateGates(explicitGates ?? settings.gates, updated);
  // A run that ended in a harness error stays one: re-checking does not complete the run.
  const v = verdictOf(checks, gates, result.verdict === "error" ? (result.reason ?? "the run ended in a harness error") : undefined);
  updated.gates = gates;
  updated.verdict = v.verdict;
  updated.reason = v.reason;
  if (opts.write) await writeResultJson(updated, dir);
  return {
    ...v,
    checks,
    gates,
    result: updated,
    inputs: { history: run.historyFile, historyEvents: history.length, snapshot: snap.path, preload: pre.path, settingsFrom: opts.checks ? "options" : settings.from },
  };
}
