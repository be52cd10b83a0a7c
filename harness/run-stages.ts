// The stages of one run between provisioning and teardown, and the making of its record.
// harness/run.ts owns the lifecycle (abort, deadline, teardown); this file owns the order
// of work inside it.
import { EXIT, HarnessError } from "./errors.ts";
import type { StartedCluster } from "./providers/types.ts";
import type { Scenario } from "./scenario/index.ts";
import { HARNESS_VERSION, machine, type RunEvent, type RunState } from "./run.ts";
import { writeJson } from "./run-dir.ts";
import { NEMESES, type ActiveFault } from "../faults/process.ts";
import { SCHEMA_VERSION, type RunRecordForChecks, type RunResult } from "../results/model.ts";
import { preparePlan, finishPlan, runMigration, slotsOfPlan } from "./migration/index.ts";
import { takeSnapshot } from "../checks/snapshot.ts";
import { runCheckers } from "../checks/registry.ts";
import { evaluateGates, verdictOf } from "../checks/gates.ts";
import { baselineP99, wholeWindows } from "../checks/latency/figures.ts";
import { writeAllOutputs } from "../results/outputs/index.ts";
import { preload, startWorkload, type WorkloadHandle, type RunClock } from "../workloads/index.ts";

export interface StageContext {
  scenario: Scenario;
  cluster: StartedCluster;
  dir: string;
  signal: AbortSignal;
  now: () => number;
  clock: RunClock;
  emit: (e: RunEvent) => void;
  state: RunState;
  active: Map<string, ActiveFault>;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });

export async function runStages(ctx: StageContext): Promise<void> {
  const { scenario, cluster, signal, emit, state, now } = ctx;

  // The plan is computed before the load starts, so the workload can tell migrating slots apart.
  if (scenario.migration) {
    emit({ kind: "stage", stage: "plan", detail: `${scenario.migration.strategy} ${JSON.stringify(scenario.migration.plan)}` });
    state.plan = await preparePlan(cluster, scenario.migration.plan, {
      replicas: scenario.cluster.replicas,
      signal,
      now,
      onEvent: (ev) => {
        state.migrationEvents.push(ev);
        emit({ kind: "migration", event: ev });
      },
    });
    state.migratingSlots = slotsOfPlan(state.plan);
    state.migration.slotsPlanned = state.plan.totalSlots;
    await writeJson(ctx.dir, "plan.json", state.plan);
    state.files.plan = "plan.json";
  }

  emit({ kind: "stage", stage: "preload", detail: `${scenario.dataset.keys} keys` });
  const loaded = await preload({ cluster, scenario, migratingSlots: state.migratingSlots, signal, onProgress: (done, total) => emit({ kind: "log", line: `preload ${done}/${total}` }) });
  // The plain (untracked) load overwrites preloaded keys with values nobody records: for
  // those, completeness checks presence only. Keys the load never writes keep exact values.
  const mix = scenario.workload.mix;
  const loadWrites = mix.set + mix.incr + mix.append + mix.mset > 0 || scenario.workload.commands.length > 0;
  // Keys with a TTL may expire before the snapshot: they are not expected there.
  const keys = scenario.dataset.ttlSeconds > 0 ? {} : loaded.keys;
  state.preload = { keys, ...(loadWrites ? { overwritable: true as const } : {}) };
  await writeJson(ctx.dir, "preload.json", state.preload);
  state.files.preload = "preload.json";

  emit({ kind: "stage", stage: "load", detail: `${scenario.workload.executor} loop` });
  const workload: WorkloadHandle = await startWorkload({ cluster, scenario, migratingSlots: state.migratingSlots, signal, clock: ctx.clock, intervalLogPath: `${ctx.dir}/latency.hlog` });
  state.files.latencyLog = "latency.hlog";
  let liveBaselineUs: number | undefined;
  // the latency check's baseline phase (normalized: explicit, else "baseline", else the first)
  const names = scenario.phases.map((p) => p.name);
  const baselinePhase = String(scenario.checks.latency?.baselinePhase ?? (names.includes("baseline") ? "baseline" : names[0]));
  workload.onWindow((w) => {
    state.windows.push(w);
    emit({ kind: "window", window: w, baselineP99Us: liveBaselineUs });
  });
  const sampler = startTopologySampler(ctx);
  let migrationDone: Promise<void> | undefined;
  let stopFaults: (() => Promise<void>) | undefined;
  try {
    stopFaults = startFaultTimeline(ctx);
    for (let i = 0; i < scenario.phases.length; i++) {
      const phase = scenario.phases[i];
      const startMs = now();
      emit({ kind: "phase", name: phase.name, index: i, of: scenario.phases.length, startMs, durationMs: phase.durationMs, timeoutMs: phase.timeoutMs });
      if (phase.startsMigration && scenario.migration && state.plan) migrationDone = startMigration(ctx, workload, () => liveBaselineUs);
      if (phase.until === "migration-done") {
        if (!migrationDone) throw new HarnessError(`phases[${i}] (${phase.name}) waits for the migration, but none was started`);
        const bound = phase.timeoutMs ?? scenario.migration?.timeoutMs ?? 600_000;
        // the bound's timer must go when the migration wins, or it keeps a caller's process alive
        const boundDone = new AbortController();
        const timedOut = await Promise.race([migrationDone.then(() => false), sleep(bound, AbortSignal.any([signal, boundDone.signal])).then(() => true)]).finally(() => boundDone.abort());
        if (timedOut) throw new HarnessError(`phase ${phase.name}: the migration did not finish within ${bound} ms`);
      } else {
        await sleep(phase.durationMs ?? 0, signal);
      }
      state.phases.push({ name: phase.name, startMs, endMs: now() });
      if (phase.name === baselinePhase) liveBaselineUs = baselineOf(state.windows, startMs, now());
    }
    if (migrationDone) await migrationDone;
  } finally {
    await stopFaults?.().catch(() => {});
    emit({ kind: "stage", stage: "stop-load" });
    const done = await workload.stop();
    state.summary = done.summary;
    state.windows = done.windows;
    state.history = done.history;
    await sampler.stop();
  }
  signal.throwIfAborted();

  if (state.plan && state.migration.outcome === "success") {
    await finishPlan(cluster, state.plan, {
      signal,
      now,
      onEvent: (ev) => {
        state.migrationEvents.push(ev);
        emit({ kind: "migration", event: ev });
      },
    });
  }

  emit({ kind: "stage", stage: "snapshot", detail: "waiting for replicas, reading every key from every node" });
  await waitHealthyBounded(cluster, 30_000);
  state.snapshot = await takeSnapshot(cluster, { signal });
  await writeJson(ctx.dir, "snapshot.json", state.snapshot);
  state.files.snapshot = "snapshot.json";

  emit({ kind: "stage", stage: "check", detail: Object.keys(scenario.checks).join(", ") });
  state.checks = await runCheckers(scenario.checks, {
    history: state.history,
    model: scenario.workload.history.model,
    snapshot: state.snapshot,
    preload: state.preload,
    run: runRecordOf(state),
    signal,
  });
}

/** The part of the record checkers read. */
function runRecordOf(state: RunState): RunRecordForChecks {
  const { windows, phases, migration, migrationEvents, faults, migratingSlots, topologySamples } = state;
  return { windows, phases, migration, migrationEvents, faults, migratingSlots, topologySamples };
}

/** The live baseline (view, adaptive budget): the median window p99 of the baseline phase's whole windows, as the latency check takes it. */
function baselineOf(windows: RunState["windows"], from: number, to: number): number | undefined {
  return baselineP99(wholeWindows(windows, from, to));
}

async function waitHealthyBounded(cluster: StartedCluster, ms: number): Promise<void> {
  const c = cluster as StartedCluster & { waitHealthy?: (ms: number) => Promise<unknown> };
  // Not healthy in time is a finding for the topology check, not a harness error.
  await c.waitHealthy?.(ms).catch(() => {});
}

function startMigration(ctx: StageContext, workload: WorkloadHandle, baselineP99Us: () => number | undefined): Promise<void> {
  const { scenario, cluster, signal, emit, state, now } = ctx;
  const m = scenario.migration!;
  workload.setMigratingSlots(state.migratingSlots);
  return runMigration(state.plan!, m.strategy, {
    cluster,
    signal,
    now,
    params: { ...m.params, ...(m.command ? { command: m.command } : {}), timeoutMs: m.timeoutMs },
    outDir: ctx.dir,
    liveP99Us: () => state.windows.at(-1)?.latency.p99,
    baselineP99Us,
  }, (ev) => {
    state.migrationEvents.push(ev);
    if (ev.kind === "progress") {
      const point = { atMs: ev.atMs, slotsMoved: Number(ev.slotsMoved ?? 0), slotsPlanned: Number(ev.slotsPlanned ?? 0), keysMoved: Number(ev.keysMoved ?? 0), keysPlanned: Number(ev.keysPlanned ?? 0) };
      state.progress.push(point);
      emit({ kind: "progress", point });
    } else {
      emit({ kind: "migration", event: ev });
    }
  }).then((outcome) => {
    state.migration = outcome;
  });
}

/** Fires each scenario fault at its time or migration progress point; heals after its duration. */
function startFaultTimeline(ctx: StageContext): () => Promise<void> {
  const { scenario, cluster, signal, emit, state, now, active } = ctx;
  const origin = now();
  const timers: NodeJS.Timeout[] = [];
  const pending: Promise<void>[] = [];
  let stopped = false;
  const fire = (i: number) => {
    const f = scenario.faults[i];
    if (stopped || signal.aborted) return;
    const nemesis = NEMESES[f.kind];
    const event = { kind: f.kind, target: f.target, startMs: now(), detail: { ...f.params } as Record<string, unknown> };
    const p = (async () => {
      if (!nemesis) {
        event.detail.error = `fault kind '${f.kind}' is not available with this provider`;
        state.faults.push(event);
        return;
      }
      try {
        const a = await nemesis.invoke(cluster, f.target ?? "primary:0", f.params);
        Object.assign(event.detail, a.detail);
        const key = `${f.kind}#${i}`;
        active.set(key, a);
        state.faults.push(event);
        emit({ kind: "fault", event, active: [...active.keys()] });
        const heal = async () => {
          await a.heal();
          active.delete(key);
          (event as { endMs?: number }).endMs = now();
          emit({ kind: "fault", event, active: [...active.keys()] });
        };
        if (f.durationMs !== undefined) timers.push(setTimeout(() => pending.push(heal().catch(() => {})), f.durationMs));
        else (event as { endMs?: number }).endMs = now();
      } catch (e) {
        event.detail.error = (e as Error).message;
        state.faults.push(event);
        emit({ kind: "log", line: `fault ${f.kind} failed: ${(e as Error).message}` });
      }
    })();
    pending.push(p);
  };
  scenario.faults.forEach((f, i) => {
    if (f.atMs !== undefined) timers.push(setTimeout(() => fire(i), Math.max(0, f.atMs - (now() - origin))));
  });
  // Progress-keyed faults: checked on every progress point.
  const fired = new Set<number>();
  const poll = setInterval(() => {
    const p = state.progress.at(-1);
    if (!p || p.slotsPlanned === 0) return;
    scenario.faults.forEach((f, i) => {
      if (f.atProgress !== undefined && !fired.has(i) && p.slotsMoved / p.slotsPlanned >= f.atProgress) {
        fired.add(i);
        fire(i);
      }
    });
  }, 100);
  return async () => {
    stopped = true;
    clearInterval(poll);
    timers.forEach(clearTimeout);
    await Promise.allSettled(pending);
    for (const [key, a] of active) {
      await a.heal().catch(() => {});
      active.delete(key);
    }
  };
}

/** Samples cluster health during the run, for time-to-convergence figures. */
function startTopologySampler(ctx: StageContext): { stop(): Promise<void> } {
  const c = ctx.cluster as StartedCluster & { health?: () => Promise<{ ok: boolean; problems: string[] }> };
  let stopped = false;
  const loop = (async () => {
    while (!stopped && !ctx.signal.aborted) {
      try {
        const h = await c.health?.();
        if (h) ctx.state.topologySamples.push({ atMs: ctx.now(), ok: h.ok, problems: h.problems.slice(0, 5) });
      } catch {
        /* a node down is a sample of its own next time */
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
    },
  };
}

export interface FinishInput {
  scenario: Scenario;
  state: RunState;
  error?: Error;
  startedAt: Date;
  durationMs: number;
  dir: string;
  cluster?: StartedCluster;
}

/** Builds the record, evaluates gates and the verdict, and writes every output. */
export async function finishResult(input: FinishInput): Promise<RunResult> {
  const { scenario, state, error, startedAt, durationMs, dir, cluster } = input;
  const m = machine();
  const base: RunResult = {
    schemaVersion: SCHEMA_VERSION,
    verdict: "error",
    scenario: { name: scenario.name, file: scenario.file, seed: scenario.seed, document: scenario.document },
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    durationMs,
    environment: {
      harnessVersion: HARNESS_VERSION,
      server: scenario.cluster.server,
      serverVersion: state.serverVersion ?? cluster?.serverVersion ?? "unknown",
      provider: scenario.cluster.provider,
      primaries: scenario.cluster.primaries,
      replicasPerPrimary: scenario.cluster.replicas,
      node: m.node,
      cpus: m.cpus,
      memoryGiB: m.memoryGiB,
      platform: m.platform,
    },
    workload: state.summary,
    ...runRecordOf(state),
    progress: state.progress,
    checks: state.checks,
    gates: [],
    files: state.files,
  };
  if (error) {
    base.verdict = "error";
    base.reason = error.message;
  } else {
    base.gates = evaluateGates(scenario.gates, base);
    const v = verdictOf(base.checks, base.gates);
    base.verdict = v.verdict;
    base.reason = v.reason;
  }
  try {
    const files = await writeAllOutputs(base, dir);
    Object.assign(base.files, files);
  } catch (e) {
    // The record must exist even when a renderer fails: write the bare JSON.
    base.reason = `${base.reason ?? ""}${base.reason ? "; " : ""}writing outputs failed: ${(e as Error).message}`;
    await writeJson(dir, "result.json", base);
  }
  return base;
}

export function exitCodeOf(result: RunResult): number {
  switch (result.verdict) {
    case "pass":
      return EXIT.pass;
    case "unknown":
      return EXIT.unknown;
    case "error":
      return EXIT.harnessError;
    case "fail":
      return Object.values(result.checks).some((c) => c.valid === false) ? EXIT.checkFailed : EXIT.gateFailed;
  }
}
