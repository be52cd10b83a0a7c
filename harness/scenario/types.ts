// The parsed scenario: every default filled, every duration in milliseconds.
// This is what the run driver, workloads, nemeses and checkers read.
import type { PlanSpec } from "../migration/types.ts";
import type { HistoryModel } from "../../workloads/history-types.ts";
import type { SlotSelector } from "./slots.ts";

export type { SlotSelector } from "./slots.ts";

/** Sizes of generated values in bytes. */
export type ValueSize =
  | { kind: "fixed"; bytes: number }
  /** uniform in [min, max] */
  | { kind: "range"; min: number; max: number }
  /** one of these, uniformly */
  | { kind: "list"; sizes: number[] };

export interface ClusterSection {
  provider: "local" | "docker" | "external";
  /** registry name (`valkey-9.1`, `redis-7.0`), or `custom` when only `serverBin` names the binary */
  server: string;
  /** absolute path of the user's own server binary */
  serverBin?: string;
  primaries: number;
  /** replicas per primary */
  replicas: number;
  /** server config overrides; booleans already turned into "yes"/"no" */
  config: Record<string, string | number>;
  /** "host:port" of nodes of an existing cluster (provider external only; empty otherwise) */
  seeds: string[];
}

export interface BigKeySpec {
  type: "hash" | "set" | "zset" | "list";
  count: number;
  /** fields / members / elements per key */
  elements: number;
  /** bytes per element */
  elementSize: number;
  slots: SlotSelector;
  prefix: string;
}

export interface DatasetSection {
  /** preloaded string keys (may be 0) */
  keys: number;
  prefix: string;
  valueSize: ValueSize;
  /** 0 = no expiry */
  ttlSeconds: number;
  slots: SlotSelector;
  bigKeys: BigKeySpec[];
}

export interface RampStep {
  /** ops/s at the start of the step */
  from: number;
  /** ops/s at its end (linear in between) */
  to: number;
  durationMs: number;
}

/** Weights of built-in operations (relative, like memtier's --ratio). */
export interface OpMix {
  set: number;
  get: number;
  incr: number;
  append: number;
  mset: number;
  mget: number;
}

export interface CommandTemplate {
  /** e.g. "HSET __key__ f __data__" (placeholders: __key__, __data__) */
  template: string;
  /** relative weight, in the same units as the mix weights */
  weight: number;
}

export interface HistorySpec {
  /** keys checked for linearizability; 0 disables the history */
  keys: number;
  model: HistoryModel;
  prefix: string;
  slots: SlotSelector;
}

export interface WorkloadSection {
  executor: "open" | "closed";
  /** open loop: constant arrival rate, ops/s. Absent for the closed loop and when `ramp` is given. */
  rate?: number;
  /** open loop: arrival rate steps, followed in order; the last `to` holds after them */
  ramp?: RampStep[];
  /** connections per worker (closed loop) / pool size per worker (open loop) */
  connections: number;
  /** closed loop pipeline depth */
  pipeline: number;
  workers: number;
  /** open loop cap of ops in flight; arrivals beyond it wait (counted late, their wait inside their latency) and are dropped (counted) only when overdue by more than timeoutMs */
  maxInFlight: number;
  /** SET/GET/... weights (from `ratio` or `mix`) */
  mix: OpMix;
  commands: CommandTemplate[];
  keyPattern: "uniform" | "gaussian" | "zipf" | "sequential";
  /** distinct keys the workload touches (prefix is dataset.prefix) */
  keySpace: number;
  slots: SlotSelector;
  valueSize: ValueSize;
  windowMs: number;
  timeoutMs: number;
  history: HistorySpec;
}

export interface Phase {
  name: string;
  /** fixed length; absent when the phase runs until an event */
  durationMs?: number;
  /** the phase ends when this happens (bounded by `timeoutMs`) */
  until?: "migration-done";
  timeoutMs?: number;
  /** the migration starts when this phase starts (exactly one phase when a migration exists) */
  startsMigration: boolean;
}

export interface MigrationSection {
  /** strategy registry name */
  strategy: string;
  /** exactly one of scaleOut, scaleIn, moves (move slots validated, node refs checked) */
  plan: PlanSpec;
  params: Record<string, unknown>;
  /** shell command for strategy `command` */
  command?: string;
  timeoutMs: number;
}

export interface FaultSpec {
  /** nemesis registry name */
  kind: string;
  /** node name (`primary:0`, `replica:0:1`, `new:0`) or a nemesis-specific target */
  target?: string;
  /** ms since the first phase starts; exactly one of atMs / atProgress is set */
  atMs?: number;
  /** fraction (0..1) of the planned slots moved */
  atProgress?: number;
  /** how long the fault lasts before it is healed; absent = the nemesis default */
  durationMs?: number;
  params: Record<string, unknown>;
}

export interface Scenario {
  name: string;
  description?: string;
  seed: number;
  /** the scenario gave no seed, so one was drawn at random (record it to reproduce the run) */
  seedGenerated: boolean;
  /** global bound of the whole run */
  deadlineMs: number;
  cluster: ClusterSection;
  dataset: DatasetSection;
  workload: WorkloadSection;
  phases: Phase[];
  /** absent = no migration */
  migration?: MigrationSection;
  faults: FaultSpec[];
  /** enabled checkers by name, with their parameters (disabled ones are absent) */
  checks: Record<string, Record<string, unknown>>;
  /** gate expressions, syntax-checked; evaluated by checks/gates */
  gates: string[];
  /** absolute path of the scenario file, when loaded from one */
  file?: string;
  /** the raw document (plain data, after --set overrides), for the run directory */
  document: unknown;
  /** the --set overrides applied, as given */
  overrides: string[];
}
