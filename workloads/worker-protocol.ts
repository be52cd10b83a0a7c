// Messages between the coordinator (index.ts) and load workers (worker-impl.ts).
import type { HistoryEvent } from "./history-types.ts";
import type { CasMode } from "./history.ts";
import type { LatencySummary } from "./metrics-types.ts";
import type { WorkerWindow } from "./metrics.ts";
import type { ResolvedWorkload } from "./options.ts";

export interface WorkerConfig {
  worker: number;
  workers: number;
  /** run clock origin (process.hrtime.bigint()) */
  originNs: bigint;
  workload: ResolvedWorkload;
  /** sockets per node for this worker's client */
  connectionsPerNode: number;
  /** history process ids this worker drives */
  historyProcesses: number[];
  casMode: CasMode;
}

export type ToWorker =
  | { type: "go"; startMs: number }
  | { type: "migrating"; slots: number[] }
  | { type: "stop" };

export type FromWorker =
  | { type: "ready" }
  | { type: "window"; window: WorkerWindow }
  | { type: "history"; events: HistoryEvent[] }
  | { type: "stopped"; eventLoop: LatencySummary; note?: string }
  | { type: "error"; message: string };
