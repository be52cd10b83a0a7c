// Workload options: what a caller (the run driver, the CLI, a benchmark) asks for,
// checked once and resolved into a plain, serialisable config that workers receive.
import { UsageError } from "../harness/errors.ts";
import type { HistoryModel } from "./history-types.ts";
import { resolveKeySpace, type KeySpaceSpec, type KeyPattern, type ResolvedKeySpace } from "./keyspace.ts";
import { resolveMix, type MixSpec, type ResolvedMix } from "./mix.ts";
import { ArrivalSchedule, type RampStep } from "./arrival.ts";
import { SLOT_COUNT, SlotSet } from "./slots.ts";
import { resolveValueSize, type ResolvedValueSize, type ValueSizeSpec } from "./values.ts";
import os from "node:os";

/** Where keys live: every slot, the migrating slots, the others, or an explicit list. */
export type SlotChoice = "all" | "migrating" | "other" | number[];

export interface HistoryOptions {
  /** number of checked keys (0 disables the history) */
  keys: number;
  model: HistoryModel;
  /** key prefix; must differ from the load's (default "hist:") */
  prefix?: string;
  slots?: SlotChoice;
  /** logical processes, one op in flight each (default min(10, 2 x keys)) */
  processes?: number;
  /** history ops per second over all processes (default 500); 0 = back to back */
  rate?: number;
  /** use `SET k v IFEQ old` for cas when the server has it (default true); else a Lua script */
  useIfeq?: boolean;
}

export interface WorkloadOptions {
  /** "host:port" of cluster nodes */
  seeds: string[];
  /** open (default): arrival rate, latency from intended start; closed: as fast as possible */
  executor?: "open" | "closed";
  /** open loop: ops/s over all workers */
  rate?: number;
  /** open loop: rate steps; the last `to` holds afterwards */
  ramp?: RampStep[];
  /** sockets per worker, spread over the primaries (default 4) */
  connections?: number;
  /** closed loop: ops kept in flight per connection (default 1) */
  pipeline?: number;
  /** worker threads (default: 1 per 2 CPUs, at least 1, at most 4) */
  workers?: number;
  /**
   * closed loop: home each connection on one primary and draw its keys among that
   * primary's keys, like valkey-benchmark --cluster (larger writes, fewer syscalls).
   * Default: on when the key pattern is uniform (where it keeps every key equally
   * likely); never for other patterns.
   */
  affinity?: boolean;
  /** open loop: cap of ops in flight over all workers (default 1000); arrivals beyond it wait (late) and are dropped after timeoutMs */
  maxInFlight?: number;
  mix?: MixSpec;
  keySpace?: KeySpaceSpec;
  /** shorthand for keySpace.pattern */
  keyPattern?: KeyPattern;
  /** which slots the load keys live in (default all) */
  slots?: SlotChoice;
  /** the slots the migration moves (for slot-class metrics and `slots: migrating|other`) */
  migratingSlots?: number[];
  valueSize?: ValueSizeSpec;
  /** metrics window (default 1000 ms, 100..60000) */
  windowMs?: number;
  /** per-op reply timeout (default 5000 ms) */
  timeoutMs?: number;
  /**
   * open loop: an op sent later than this after its intended start counts as late
   * (default 5 ms; timers fire at ~1 ms granularity, so smaller values count jitter)
   */
  lateToleranceMs?: number;
  history?: HistoryOptions;
  /** seed of every random choice (default 1) */
  seed?: number;
  /** write the merged latency histograms as an HdrHistogram interval log here */
  intervalLogPath?: string;
}

export interface ResolvedHistory {
  keySpace: ResolvedKeySpace;
  model: HistoryModel;
  processes: number;
  rate: number;
  useIfeq: boolean;
}

/** Everything a worker needs; plain data. */
export interface ResolvedWorkload {
  seeds: string[];
  executor: "open" | "closed";
  rate?: number;
  ramp?: RampStep[];
  connections: number;
  pipeline: number;
  workers: number;
  /** closed loop node affinity (decided: only with uniform keys) */
  affinity: boolean;
  maxInFlight: number;
  mix: ResolvedMix;
  keySpace: ResolvedKeySpace;
  migratingSlots: number[];
  valueSize: ResolvedValueSize;
  windowMs: number;
  timeoutMs: number;
  lateToleranceMs: number;
  history?: ResolvedHistory;
  seed: number;
  intervalLogPath?: string;
}

function intIn(v: number | undefined, dflt: number, lo: number, hi: number, field: string): number {
  const x = v ?? dflt;
  if (!Number.isInteger(x) || x < lo || x > hi) throw new UsageError(`${field}: ${String(v)} must be an integer in ${lo}..${hi}`);
  return x;
}

/** Resolves a slot choice against the migrating slots; undefined = every slot. */
export function slotsOf(choice: SlotChoice | undefined, migrating: number[], field: string): number[] | undefined {
  if (choice === undefined || choice === "all") return undefined;
  if (choice === "migrating" || choice === "other") {
    if (migrating.length === 0) throw new UsageError(`${field}: "${choice}" needs the migrating slots, but none are known (no migration planned)`);
    const set = new SlotSet(migrating);
    const out = choice === "migrating" ? set.toArray() : set.complement().toArray();
    if (out.length === 0) throw new UsageError(`${field}: "other" is empty: every slot migrates`);
    return out;
  }
  if (!Array.isArray(choice)) throw new UsageError(`${field}: ${JSON.stringify(choice)} is not all, migrating, other or a list of slots`);
  for (const s of choice) {
    if (!Number.isInteger(s) || s < 0 || s >= SLOT_COUNT) throw new UsageError(`${field}: slot ${String(s)} is not in 0..16383`);
  }
  return choice;
}

export function defaultWorkers(): number {
  return Math.max(1, Math.min(4, Math.floor(os.availableParallelism() / 2)));
}

export function resolveWorkload(o: WorkloadOptions): ResolvedWorkload {
  if (!Array.isArray(o.seeds) || o.seeds.length === 0) throw new UsageError("seeds: give at least one host:port of the cluster");
  const executor = o.executor ?? "open";
  if (executor !== "open" && executor !== "closed") throw new UsageError(`executor: "${String(executor)}" is not open or closed`);
  if (executor === "open") new ArrivalSchedule({ rate: o.rate, ramp: o.ramp }, "workload"); // validates
  const migratingSlots = new SlotSet(o.migratingSlots ?? []).toArray();
  const keySpace = resolveKeySpace(
    { ...o.keySpace, pattern: o.keySpace?.pattern ?? o.keyPattern, slots: o.keySpace?.slots ?? slotsOf(o.slots, migratingSlots, "slots") },
    "keySpace",
  );
  const windowMs = intIn(o.windowMs, 1000, 100, 60_000, "windowMs");
  const timeoutMs = intIn(o.timeoutMs, 5000, 1, 600_000, "timeoutMs");
  const lateToleranceMs = o.lateToleranceMs ?? 5;
  if (!(lateToleranceMs >= 0)) throw new UsageError(`lateToleranceMs: ${lateToleranceMs} must be >= 0`);
  let history: ResolvedHistory | undefined;
  if (o.history && o.history.keys > 0) {
    const h = o.history;
    const prefix = h.prefix ?? "hist:";
    if (prefix.startsWith(keySpace.prefix) || keySpace.prefix.startsWith(prefix)) {
      throw new UsageError(`history.prefix: "${prefix}" overlaps the load prefix "${keySpace.prefix}"; history keys need their own names`);
    }
    if (!["register", "kv-append", "counter", "list-append"].includes(h.model)) {
      throw new UsageError(`history.model: "${h.model}" is not register, kv-append, counter or list-append`);
    }
    const keys = intIn(h.keys, 0, 1, 1_000_000, "history.keys");
    const rate = h.rate ?? 500;
    if (!(rate >= 0) || !Number.isFinite(rate)) throw new UsageError(`history.rate: ${rate} must be ops/s >= 0`);
    history = {
      keySpace: resolveKeySpace({ prefix, count: keys, slots: slotsOf(h.slots, migratingSlots, "history.slots") }, "history"),
      model: h.model,
      processes: intIn(h.processes, Math.min(10, 2 * keys), 1, 10_000, "history.processes"),
      rate,
      useIfeq: h.useIfeq ?? true,
    };
  }
  const seed = o.seed ?? 1;
  if (!Number.isSafeInteger(seed)) throw new UsageError(`seed: ${seed} must be an integer`);
  return {
    seeds: o.seeds,
    executor,
    rate: executor === "open" && !o.ramp ? o.rate : undefined,
    ramp: executor === "open" ? o.ramp : undefined,
    connections: intIn(o.connections, 4, 1, 10_000, "connections"),
    pipeline: intIn(o.pipeline, 1, 1, 10_000, "pipeline"),
    workers: intIn(o.workers, defaultWorkers(), 1, 64, "workers"),
    affinity: executor === "closed" && keySpace.pattern === "uniform" && (o.affinity ?? true),
    maxInFlight: intIn(o.maxInFlight, 1000, 1, 10_000_000, "maxInFlight"),
    mix: resolveMix(o.mix, "mix"),
    keySpace,
    migratingSlots,
    valueSize: resolveValueSize(o.valueSize, "valueSize"),
    windowMs,
    timeoutMs,
    lateToleranceMs,
    history,
    seed,
    intervalLogPath: o.intervalLogPath,
  };
}
