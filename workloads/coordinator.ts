// The main-thread side of a workload: checks options, learns the cluster, starts the
// worker threads, merges their windows live and collects the result at stop.
import { Worker } from "node:worker_threads";
import { HarnessError } from "../harness/errors.ts";
import { ClusterClient } from "./client.ts";
import { createClock, type RunClock } from "./clock.ts";
import { IntervalLogWriter } from "./hdr-log.ts";
import { mergeByTime } from "./history-io.ts";
import type { HistoryEvent } from "./history-types.ts";
import { supportsIfeq, type CasMode } from "./history.ts";
import type { LatencySummary, MetricsWindow, WorkloadSummary } from "./metrics-types.ts";
import { WindowMerger, worstOf } from "./metrics.ts";
import { resolveWorkload, type ResolvedWorkload, type WorkloadOptions } from "./options.ts";
import type { FromWorker, ToWorker, WorkerConfig } from "./worker-protocol.ts";

export interface WorkloadResult {
  windows: MetricsWindow[];
  summary: WorkloadSummary;
  /** history events of all workers, in time order */
  history: HistoryEvent[];
  /** things that went wrong but did not stop the run (a worker died, ops still in flight at stop) */
  problems: string[];
}

export interface WorkloadHandle {
  readonly clock: RunClock;
  readonly options: ResolvedWorkload;
  /** live windows as they complete (all workers merged); returns an unsubscribe function */
  onWindow(cb: (w: MetricsWindow) => void): () => void;
  /** slots the migration moves, for the migrating/other latency split */
  setMigratingSlots(slots: number[]): void;
  /** stops sending, waits for in-flight ops (bounded by the op timeout), returns everything */
  stop(): Promise<WorkloadResult>;
}

export interface StartHooks {
  /** the run clock; windows and history times are relative to its origin (default: now) */
  clock?: RunClock;
  /** aborting stops the load (stop() still returns the result) */
  signal?: AbortSignal;
  /** bound for the workers to connect (default 30 s) */
  startTimeoutMs?: number;
}

interface ClusterFacts {
  primaries: number;
  casMode: CasMode;
}

/** Asks the cluster what the workers need to know before they start. */
async function discover(w: ResolvedWorkload): Promise<ClusterFacts> {
  const client = new ClusterClient({ seeds: w.seeds, timeoutMs: Math.min(w.timeoutMs, 5000) });
  try {
    await client.connect();
    const primaries = client.primaries();
    let casMode: CasMode = "lua";
    if (w.history?.useIfeq) {
      const info = await client.callNode(primaries[0], ["INFO", "server"]);
      if (typeof info === "string" && supportsIfeq(info)) casMode = "ifeq";
    }
    return { primaries: primaries.length, casMode };
  } finally {
    await client.close();
  }
}

export async function startLoad(options: WorkloadOptions, hooks: StartHooks = {}): Promise<WorkloadHandle> {
  const w = resolveWorkload(options);
  const facts = await discover(w);
  const clock = hooks.clock ?? createClock();
  const connectionsPerNode = Math.max(1, Math.ceil(w.connections / facts.primaries));
  const procs = w.history?.processes ?? 0;

  const merger = new WindowMerger(w.workers);
  const listeners = new Set<(m: MetricsWindow) => void>();
  const history: HistoryEvent[][] = [];
  const problems: string[] = [];
  const loops: LatencySummary[] = [];
  const log = w.intervalLogPath ? new IntervalLogWriter(w.intervalLogPath, Date.now() - clock.nowMs()) : undefined;
  if (log) merger.onMerged = (win, hists) => log.window(win.startMs, win.durationMs, hists);
  const publish = (ws: MetricsWindow[]): void => {
    for (const win of ws) for (const cb of listeners) cb(win);
  };

  const workers: Worker[] = [];
  const stopped = new Set<number>();
  let onAllStopped: (() => void) | undefined;
  const readies: Array<Promise<void>> = [];

  for (let i = 0; i < w.workers; i++) {
    const config: WorkerConfig = {
      worker: i,
      workers: w.workers,
      originNs: clock.originNs,
      workload: w,
      connectionsPerNode,
      historyProcesses: Array.from({ length: procs }, (_, p) => p).filter((p) => p % w.workers === i),
      casMode: facts.casMode,
    };
    // execArgv: [] — the bootstrap registers tsx itself, and the caller's flags (say
    // `node --input-type=module -e`) are not valid for a worker
    const worker = new Worker(new URL("./worker.mjs", import.meta.url), { workerData: config, execArgv: [] });
    workers.push(worker);
    history.push([]);
    readies.push(
      new Promise<void>((resolve, reject) => {
        worker.on("message", (m: FromWorker) => {
          switch (m.type) {
            case "ready":
              return resolve();
            case "error":
              problems.push(`worker ${i}: ${m.message}`);
              return reject(new HarnessError(`load worker ${i} failed: ${m.message}`));
            case "window":
              return publish(merger.add(m.window));
            case "history":
              history[i].push(...m.events);
              return;
            case "stopped":
              loops.push(m.eventLoop);
              if (m.note) problems.push(m.note);
              stopped.add(i);
              if (stopped.size === w.workers) onAllStopped?.();
              return;
          }
        });
        worker.on("error", (e) => {
          problems.push(`worker ${i} crashed: ${e.message}`);
          reject(new HarnessError(`load worker ${i} crashed: ${e.message}`));
        });
        worker.on("exit", (code) => {
          if (!stopped.has(i)) {
            if (code !== 0) problems.push(`worker ${i} exited with code ${code} before it stopped`);
            stopped.add(i);
            if (stopped.size === w.workers) onAllStopped?.();
          }
        });
      }),
    );
  }

  const startTimeoutMs = hooks.startTimeoutMs ?? 30_000;
  let startTimer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      Promise.all(readies),
      new Promise((_, reject) => {
        startTimer = setTimeout(() => reject(new HarnessError(`load workers did not connect to ${w.seeds.join(", ")} within ${startTimeoutMs} ms`)), startTimeoutMs);
      }),
    ]);
  } catch (e) {
    await Promise.all(workers.map((x) => x.terminate()));
    await log?.close();
    throw e;
  } finally {
    clearTimeout(startTimer);
  }

  const send = (m: ToWorker): void => {
    for (const x of workers) x.postMessage(m);
  };
  const startMs = clock.nowMs();
  send({ type: "go", startMs });

  let result: Promise<WorkloadResult> | undefined;
  const stop = (): Promise<WorkloadResult> => {
    result ??= (async () => {
      const stopMs = clock.nowMs();
      const all = new Promise<void>((resolve) => {
        onAllStopped = resolve;
        if (stopped.size === w.workers) resolve();
      });
      send({ type: "stop" });
      const bound = w.timeoutMs + 10_000;
      let timer: NodeJS.Timeout | undefined;
      const inTime = await Promise.race([all.then(() => true), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), bound)))]);
      clearTimeout(timer);
      if (!inTime) problems.push(`load workers did not stop within ${bound} ms; their last windows are missing`);
      await Promise.all(workers.map((x) => x.terminate()));
      publish(merger.flush());
      await log?.close();
      hooks.signal?.removeEventListener("abort", onAbort);
      const summary = merger.summary(stopMs - startMs, loops.length > 0 ? worstOf(loops) : undefined);
      return { windows: merger.allWindows(), summary, history: mergeByTime(history.flat()), problems };
    })();
    return result;
  };
  const onAbort = (): void => void stop();
  hooks.signal?.addEventListener("abort", onAbort, { once: true });
  if (hooks.signal?.aborted) onAbort();

  return {
    clock,
    options: w,
    onWindow(cb) {
      listeners.add(cb);
      return () => listeners.delete(cb);
    },
    setMigratingSlots(slots) {
      send({ type: "migrating", slots: [...slots] });
    },
    stop,
  };
}
