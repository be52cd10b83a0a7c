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
    /** list keys' elements (lists up to the snapshot's element limit), beside their `type:list:<len>` digest */
    lists?: Record<string, string[]>;
    /**
     * keys this node holds but will not serve (their slot is not served by it, so GET answers
     * MOVED): key -> `digest:<hex>` (DEBUG DIGEST-VALUE) or `unreadable`
     */
    unreadable?: Record<string, string>;
    /** slot ranges this node itself believes it owns (its own CLUSTER NODES line; primaries) */
    ownSlots?: Array<[number, number]>;
    /** replicas: replication offset against the primary's when the snapshot was read */
    replication?: { offset: number; primaryOffset: number; caughtUp: boolean };
    /**
     * replicas: DEBUG DIGEST (a digest of the whole dataset) equalled the primary's, so the
     * keys were not read again: `keys`, `lists` and `unreadable` are the primary's
     */
    sameAsPrimary?: boolean;
    /** the node could not be read (unreachable, paused): its keys are unknown */
    error?: string;
  }>;
  /** the topology health report at the end (a HealthReport, see harness/topology.ts) */
  health?: unknown;
  /** slot -> number of keys its owner holds (CLUSTER COUNTKEYSINSLOT; slots with 0 keys omitted) */
  slotKeyCounts?: Record<string, number>;
  /** the keys the snapshot was limited to; absent = every key */
  keyFilter?: { pattern?: string; prefixes?: string[] };
  /** how long reading took, ms */
  readMs?: number;
}

/**
 * One observation of cluster health during the run, recorded by the run driver (e.g. every
 * 250-500 ms from `LocalCluster.health()`); the topology checker measures convergence from them.
 */
export interface TopologySample {
  /** ms since run start */
  atMs: number;
  ok: boolean;
  /** HealthReport.problems at that moment (empty when ok) */
  problems: string[];
}

export interface CheckInput {
  history: HistoryEvent[];
  model: HistoryModel;
  snapshot?: ClusterSnapshot;
  /** preloaded keys and their exact values (never written again unless in history) */
  preload?: {
    keys: Record<string, string>;
    /**
     * preloaded keys that load without a history may also write (the workload shares the
     * dataset's key space): only their presence is checked, not their value. `true` = all.
     */
    overwritable?: true | string[];
  };
  /** windows and events of the run; see results/model.ts */
  run?: import("../results/model.ts").RunRecordForChecks;
  params?: Record<string, unknown>;
  signal?: AbortSignal;
}

export interface Checker {
  readonly name: string;
  check(input: CheckInput): Promise<CheckResult>;
}
