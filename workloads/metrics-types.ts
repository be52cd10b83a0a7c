// Per-window measurements that flow from workers to the run record.

export type OpClass = "read" | "write" | "multi";
/** keys in slots that the migration moves vs all others */
export type SlotClass = "migrating" | "other";

export type ErrorClass =
  | "MOVED" | "ASK" | "TRYAGAIN" | "CLUSTERDOWN" | "CROSSSLOT"
  | "timeout" | "connection" | "other";

export interface LatencySummary {
  count: number;
  /** microseconds */
  p50: number; p90: number; p99: number; p999: number; max: number; mean: number;
}

/** What a window and the whole run both measure. */
export interface Measurements {
  /** ops completed (ok + error) */
  ops: number;
  /** latency from intended start (open loop) or send (closed loop), all ops */
  latency: LatencySummary;
  /** service time: completion - actual send */
  service: LatencySummary;
  byClass: Partial<Record<OpClass, LatencySummary>>;
  bySlotClass: Partial<Record<SlotClass, LatencySummary>>;
  errors: Partial<Record<ErrorClass, number>>;
  /** redirects the client followed (counted even when the op then succeeded) */
  redirects: { MOVED: number; ASK: number; TRYAGAIN: number };
  /** open loop: ops that started later than intended by more than the tolerance */
  late: number;
  dropped: number;
  /** open loop: actual send - intended start of ops that did not wait for the in-flight cap (the harness's own scheduling lag), microseconds */
  schedulingLag?: LatencySummary;
}

export interface MetricsWindow extends Measurements {
  /** window start, ms since run start */
  startMs: number;
  durationMs: number;
  /** compressed base64 HdrHistogram of `latency` for this window (for the interval log) */
  hdr?: string;
  /** event-loop delay of the load threads in this window (worst thread), microseconds */
  eventLoopLag?: LatencySummary;
}

export interface WorkloadSummary extends Measurements {
  durationMs: number;
  opsPerSec: number;
  /** harness event-loop lag (noise floor), microseconds */
  eventLoopLag: LatencySummary;
  /** server-side errorstats deltas, when collected */
  serverErrorstats?: Record<string, number>;
}
