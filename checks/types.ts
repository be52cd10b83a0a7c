// The checker contract: every checker is a small object picked by name from checks/registry.ts.
import type { HistoryEvent, HistoryModel } from "../workloads/history-types.ts";

export type Validity = true | false | "unknown";

export interface CheckResult {
  valid: Validity;
  /** one line for humans: what was found */
  summary: string;
  /** checker-specific figures and examples (serialisable) */
  [figure: string]: unknown;
}

/** What each node held at the end of the run, read directly (not cluster-routed). */
export interface ClusterSnapshot {
  takenAt: string;
  /** slot -> owner node id (16384 entries; null when uncovered) */
  slotOwners: (string | null)[];
  nodes: Array<{
    id: string;
    name: string;
    role: "primary" | "replica";
    host: string;
    port: number;
    primaryId?: string;
    /** key -> value as read from this node (strings; non-string types as `type:<t>:<len>` digests) */
    keys: Record<string, string>;
  }>;
  /** the topology health report at the end (see harness/topology.ts) */
  health?: unknown;
}

export interface CheckInput {
  history: HistoryEvent[];
  model: HistoryModel;
  snapshot?: ClusterSnapshot;
  /** preloaded keys and their exact values (never written again unless in history) */
  preload?: { keys: Record<string, string> };
  /** windows and events of the run; see results/model.ts */
  run?: import("../results/model.ts").RunRecordForChecks;
  params?: Record<string, unknown>;
  signal?: AbortSignal;
}

export interface Checker {
  readonly name: string;
  check(input: CheckInput): Promise<CheckResult>;
}
