// The run driver: one scenario in, one run directory and a verdict out.
//
//   provision → preload → phases on one clock (workload throughout; migration and
//   fault timeline started at their points) → final snapshot → checks → outputs.
//
// Bounded everywhere (global deadline, per-phase timeouts). On any failure or Ctrl-C
// it stops the load, heals faults, tears down, and still writes a result whose
// verdict is `error` with the reason.
import os from "node:os";
import path from "node:path";
import { readFileSync } from "node:fs";
import { HarnessError, UsageError } from "./errors.ts";
import { packageRoot } from "./paths.ts";
import { startLocalCluster } from "./providers/local.ts";
import { connectExternalCluster } from "./providers/external.ts";
import type { StartedCluster } from "./providers/types.ts";
import { copyInto, defaultRunDir, prepareRunDir, writeJson, writeNdjsonGz } from "./run-dir.ts";
import type { Scenario } from "./scenario/index.ts";
import type { ActiveFault } from "../faults/process.ts";
import type { FaultEvent, PhaseRecord, ProgressPoint, RunResult } from "../results/model.ts";
import type { TopologySample } from "../checks/types.ts";
import type { MigrationEvent, MigrationOutcome, MigrationPlan } from "./migration/types.ts";
import type { HistoryEvent } from "../workloads/history-types.ts";
import type { MetricsWindow, WorkloadSummary } from "../workloads/metrics-types.ts";
import type { CheckResult, ClusterSnapshot } from "../checks/types.ts";
import * as stages from "./run-stages.ts";
import { createClock } from "../workloads/clock.ts";

export const HARNESS_VERSION = (JSON.parse(readFileSync(path.join(packageRoot, "package.json"), "utf8")) as { version: string }).version;

/** What the run reports while it goes, for a live view. */
export type RunEvent =
  | { kind: "stage"; stage: string; detail?: string }
  | { kind: "phase"; name: string; index: number; of: number; startMs: number; durationMs?: number; timeoutMs?: number }
  | { kind: "window"; window: MetricsWindow; baselineP99Us?: number }
  | { kind: "progress"; point: ProgressPoint }
  | { kind: "migration"; event: MigrationEvent }
  | { kind: "fault"; event: FaultEvent; active: string[] }
  | { kind: "log"; line: string };

export interface RunOptions {
  /** run directory; default runs/<scenario>-<timestamp> */
  outDir?: string;
  signal?: AbortSignal;
  onEvent?: (e: RunEvent) => void;
}

export interface RunOutcome {
  result: RunResult;
  dir: string;
  exitCode: number;
}

/** Runs one scenario. Never throws for harness failures: they become verdict `error`. */
export async function runScenario(scenario: Scenario, opts: RunOptions = {}): Promise<RunOutcome> {
  const dir = await prepareRunDir(opts.outDir ?? defaultRunDir(scenario.name));
  const emit = opts.onEvent ?? (() => {});
  const startedAt = new Date();
  // One monotonic clock for the driver, the workers' windows and history, and events.
  const clock = createClock();
  const now = () => Math.round(clock.nowMs());

  // One abort for everything: the caller's signal, the global deadline, or an internal failure.
  const abort = new AbortController();
  const onOuterAbort = () => abort.abort(opts.signal?.reason ?? new Error("interrupted"));
  opts.signal?.addEventListener("abort", onOuterAbort, { once: true });
  if (opts.signal?.aborted) onOuterAbort();
  const deadline = setTimeout(() => abort.abort(new HarnessError(`the run exceeded its deadline of ${scenario.deadlineMs} ms`)), scenario.deadlineMs);
  deadline.unref();

  const state: RunState = {
    phases: [],
    faults: [],
    migrationEvents: [],
    progress: [],
    topologySamples: [],
    windows: [],
    history: [],
    summary: null,
    migration: { strategy: scenario.migration?.strategy ?? "none", outcome: "not-run", slotsPlanned: 0, slotsMoved: 0, keysMoved: 0 },
    migratingSlots: [],
    checks: {},
    files: {},
  };
  let cluster: StartedCluster | undefined;
  let error: Error | undefined;
  const active = new Map<string, ActiveFault>();

  try {
    await writeJson(dir, "scenario.json", scenario.document);
    state.files.scenario = "scenario.json";
    emit({ kind: "stage", stage: "provision", detail: `${scenario.cluster.server}, ${scenario.cluster.primaries} primaries x ${scenario.cluster.replicas} replicas` });
    cluster = await provision(scenario, abort.signal, (line) => emit({ kind: "log", line }));
    state.serverVersion = cluster.serverVersion;
    await stages.runStages({ scenario, cluster, dir, signal: abort.signal, now, clock, emit, state, active });
  } catch (e) {
    error = asError(abort.signal.aborted && abort.signal.reason instanceof Error && !(e instanceof UsageError) ? abort.signal.reason : e);
  } finally {
    clearTimeout(deadline);
    opts.signal?.removeEventListener("abort", onOuterAbort);
  }

  // Teardown and the record happen whatever happened above.
  for (const f of active.values()) await f.heal().catch(() => {});
  if (cluster) {
    for (const n of cluster.nodes()) {
      const log = cluster.logPath(n.name);
      if (log) {
        const name = await copyInto(path.join(dir, "logs"), log, `${n.name.replace(/[/:]/g, "_")}.log`);
        if (name) state.files[`log:${n.name}`] = `logs/${name}`;
      }
    }
    await cluster.stop().catch(() => {});
  }
  if (state.history.length) state.files.history = await writeNdjsonGz(dir, "history.ndjson.gz", state.history).catch(() => "");

  const result = await stages.finishResult({ scenario, state, error, startedAt, durationMs: now(), dir, cluster });
  return { result, dir, exitCode: stages.exitCodeOf(result) };
}

async function provision(scenario: Scenario, signal: AbortSignal, log: (l: string) => void): Promise<StartedCluster> {
  const c = scenario.cluster;
  if (c.provider === "external") {
    return connectExternalCluster({ server: c.server, primaries: c.primaries, replicasPerPrimary: c.replicas, seeds: c.seeds });
  }
  if (c.provider !== "local") throw new UsageError(`cluster.provider: '${c.provider}' is not available yet: use local or external`);
  return startLocalCluster(
    { server: c.server, serverBin: c.serverBin, primaries: c.primaries, replicasPerPrimary: c.replicas, config: c.config },
    signal,
    log,
  );
}

function asError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}

/** Everything a run accumulates, shared between the stages. */
export interface RunState {
  phases: PhaseRecord[];
  faults: FaultEvent[];
  migrationEvents: MigrationEvent[];
  progress: ProgressPoint[];
  topologySamples: TopologySample[];
  windows: MetricsWindow[];
  history: HistoryEvent[];
  summary: WorkloadSummary | null;
  migration: MigrationOutcome;
  plan?: MigrationPlan;
  migratingSlots: number[];
  snapshot?: ClusterSnapshot;
  preload?: { keys: Record<string, string>; overwritable?: true | string[] };
  checks: Record<string, CheckResult>;
  files: Record<string, string>;
  serverVersion?: string;
}

export const machine = () => ({ cpus: os.availableParallelism(), memoryGiB: Math.round(os.totalmem() / 2 ** 30), platform: `${os.platform()} ${os.release()}`, node: process.version });

