// One load worker thread: its own cluster client, executor, history processes and
// window recorder; reports windows and history events to the coordinator.
import { monitorEventLoopDelay, type IntervalHistogram } from "node:perf_hooks";
import { parentPort, workerData } from "node:worker_threads";
import { AFFINITY_MAX_KEYS, homesOf, spread, type Home } from "./affinity.ts";
import { WorkerArrivals, ArrivalSchedule } from "./arrival.ts";
import { ClusterClient } from "./client.ts";
import { createClock } from "./clock.ts";
import { classifyError } from "./errors.ts";
import { ClosedLoopExecutor } from "./executor-closed.ts";
import { OpenLoopExecutor } from "./executor-open.ts";
import type { ExecutorContext } from "./executor-types.ts";
import type { HistoryEvent } from "./history-types.ts";
import { HistoryRunner } from "./history.ts";
import { KeySpace } from "./keyspace.ts";
import type { LatencySummary } from "./metrics-types.ts";
import { WindowRecorder } from "./metrics.ts";
import { OpFactory } from "./mix.ts";
import { Rng, mixSeed } from "./prng.ts";
import { SLOT_COUNT } from "./slots.ts";
import { ValueSource } from "./values.ts";
import type { FromWorker, ToWorker, WorkerConfig } from "./worker-protocol.ts";

const port = parentPort!;
const cfg = workerData as WorkerConfig;
const w = cfg.workload;
const post = (m: FromWorker): void => port.postMessage(m);

/** event-loop sampling period; Node records the whole period, so it is subtracted */
const LOOP_RESOLUTION_MS = 5;

function loopSummary(h: IntervalHistogram): LatencySummary | null {
  if (h.count === 0) return null;
  const us = (ns: number): number => Math.max(0, Math.round((ns - LOOP_RESOLUTION_MS * 1e6) / 100) / 10);
  return { count: h.count, p50: us(h.percentile(50)), p90: us(h.percentile(90)), p99: us(h.percentile(99)), p999: us(h.percentile(99.9)), max: us(h.max), mean: us(h.mean) };
}

async function main(): Promise<void> {
  const clock = createClock(cfg.originNs);
  const client = new ClusterClient({ seeds: w.seeds, connectionsPerNode: cfg.connectionsPerNode, timeoutMs: w.timeoutMs });
  await client.connect();

  const rng = new Rng(mixSeed(w.seed, "worker", cfg.worker));
  const keys = new KeySpace(w.keySpace, rng, cfg.worker, cfg.workers);
  const values = new ValueSource(w.valueSize, mixSeed(w.seed, "values"));
  const ops = new OpFactory(w.mix, keys, values, rng);
  const migrating = new Uint8Array(SLOT_COUNT);
  for (const s of w.migratingSlots) migrating[s] = 1;
  const recorder = new WindowRecorder(w.executor === "closed"); // closed loop: service time = latency
  const windowLoop = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
  const runLoop = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
  let history: HistoryEvent[] = [];

  // windows are aligned on the run clock: index = floor(ms since origin / windowMs)
  let index = 0;
  let windowStart = 0;
  let windowEnd = 0;
  let windowTimer: NodeJS.Timeout | undefined;
  let last = { moved: 0, ask: 0, tryagain: 0 };
  const emitWindow = (endMs: number): void => {
    const s = client.stats;
    const redirects = { MOVED: s.moved - last.moved, ASK: s.ask - last.ask, TRYAGAIN: s.tryagain - last.tryagain };
    last = { moved: s.moved, ask: s.ask, tryagain: s.tryagain };
    const eventLoop = loopSummary(windowLoop);
    windowLoop.reset();
    post({ type: "window", window: recorder.take({ worker: cfg.worker, index, startMs: windowStart, endMs, redirects, eventLoop }) });
    if (history.length > 0) {
      post({ type: "history", events: history });
      history = [];
    }
  };
  const windows = {
    maybeRotate(now: number): void {
      while (now >= windowEnd) {
        emitWindow(windowEnd);
        index++;
        windowStart = windowEnd;
        windowEnd += w.windowMs;
      }
    },
  };
  const armWindowTimer = (): void => {
    windowTimer = setTimeout(() => {
      windows.maybeRotate(clock.nowMs());
      armWindowTimer();
    }, Math.max(1, windowEnd - clock.nowMs() + 0.5));
  };

  const ctx: ExecutorContext = {
    client,
    clock,
    recorder,
    windows,
    ops,
    keys,
    migrating,
    connections: w.connections,
    timeoutMs: w.timeoutMs,
    errorClass: (err) => classifyError(err).cls,
  };
  const closedLoopAffinity = (): { homes: Home[]; counts: number[] } | undefined => {
    if (!w.affinity || keys.size > AFFINITY_MAX_KEYS) return undefined;
    const homes = homesOf(keys, (slot) => client.ownerOf(slot));
    const counts = spread(homes, w.connections);
    return counts ? { homes, counts } : undefined;
  };
  let executor: OpenLoopExecutor | ClosedLoopExecutor | undefined;
  let runner: HistoryRunner | undefined;

  port.on("message", (m: ToWorker) => {
    if (m.type === "go") {
      windowLoop.enable();
      runLoop.enable();
      const now = clock.nowMs();
      windowStart = now;
      index = Math.floor(now / w.windowMs);
      windowEnd = (index + 1) * w.windowMs;
      armWindowTimer();
      if (w.executor === "open") {
        const arrivals = new WorkerArrivals(new ArrivalSchedule({ rate: w.rate, ramp: w.ramp }), cfg.worker, cfg.workers);
        executor = new OpenLoopExecutor(ctx, arrivals, m.startMs, Math.max(1, Math.round(w.maxInFlight / cfg.workers)), w.lateToleranceMs);
      } else {
        executor = new ClosedLoopExecutor(ctx, w.pipeline, rng, closedLoopAffinity());
      }
      if (w.history && cfg.historyProcesses.length > 0) {
        runner = new HistoryRunner(w.history, {
          client,
          clock,
          emit: (e) => history.push(e),
          processIds: cfg.historyProcesses,
          totalProcesses: w.history.processes,
          casMode: cfg.casMode,
          seed: mixSeed(w.seed, "history", cfg.worker),
        });
        runner.start();
      }
      executor.start();
    } else if (m.type === "migrating") {
      migrating.fill(0);
      for (const s of m.slots) migrating[s] = 1;
    } else if (m.type === "stop") {
      void stop();
    }
  });

  const stop = async (): Promise<void> => {
    executor?.stop();
    const historyIdle = runner?.stop() ?? Promise.resolve();
    // every op ends by reply, error or client timeout; bound the wait anyway
    const deadline = clock.nowMs() + w.timeoutMs + 2000;
    while ((executor?.inflight ?? 0) > 0 && clock.nowMs() < deadline) await new Promise((r) => setTimeout(r, 5));
    let note: string | undefined;
    const idle = await Promise.race([historyIdle.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), Math.max(0, deadline - clock.nowMs())))]);
    if ((executor?.inflight ?? 0) > 0 || !idle) note = `worker ${cfg.worker}: ${executor?.inflight ?? 0} load ops and ${runner?.inflight ?? 0} history ops still in flight at stop`;
    if (windowTimer) clearTimeout(windowTimer);
    const now = clock.nowMs();
    windows.maybeRotate(now);
    emitWindow(now);
    windowLoop.disable();
    runLoop.disable();
    post({ type: "stopped", eventLoop: loopSummary(runLoop) ?? { count: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0, mean: 0 }, note });
    await client.close();
    port.close();
  };

  post({ type: "ready" });
}

main().catch((e: unknown) => {
  post({ type: "error", message: e instanceof Error ? e.message : String(e) });
});
