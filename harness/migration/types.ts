// Migration plans, strategies and the events they emit.
import type { StartedCluster } from "../providers/types.ts";

/** inclusive slot range */
export type SlotRange = [number, number];

export interface NodeRef { id: string; name: string; host: string; port: number }

export interface Move {
  source: NodeRef;
  target: NodeRef;
  slots: SlotRange[];
}

export interface PlanSpec {
  scaleOut?: number;
  scaleIn?: number;
  moves?: Array<{ slots: string; from: string; to: string }>;
}

export interface MigrationPlan {
  spec: PlanSpec;
  /** nodes the plan adds before moving (names like `new:0`) */
  addedPrimaries: string[];
  /** primaries removed after moving */
  removedPrimaries: string[];
  moves: Move[];
  totalSlots: number;
  /** replicas each added primary gets (scale-out), when the plan was prepared on a cluster */
  replicasPerAdded?: number;
  /** slots each primary (by name) holds once the plan is done; removed primaries hold 0 */
  slotsAfter?: Record<string, number>;
}

/** One observation of migration progress (see progress.ts). */
export interface ProgressSample {
  /** ms since run start (monotonic, ctx.now()) */
  atMs: number;
  slotsMoved: number;
  slotsPlanned: number;
  keysMoved: number;
  keysPlanned: number;
}

/** What the driver found when it checked the cluster after the migration. */
export interface MigrationVerification {
  /** cluster health as `--cluster check` sees it, after a bounded settle wait */
  healthy: boolean;
  /** exactly what is wrong (empty when healthy and every planned slot is on its target) */
  problems: string[];
  /** planned slots not owned by their planned target */
  misplacedSlots: number;
}

export type MigrationEventKind =
  | "started" | "node-added" | "node-removed" | "move-started" | "move-finished"
  | "slot-done" | "job-state" | "progress" | "controller" | "error" | "finished";

export interface MigrationEvent {
  kind: MigrationEventKind;
  /** ms since run start (monotonic) */
  atMs: number;
  /** free-form, serialisable details (slot, jobId, state, keys, error, decision ...) */
  [detail: string]: unknown;
}

export interface MigrationOutcome {
  strategy: string;
  outcome: "success" | "failed" | "cancelled" | "timeout" | "not-run";
  startedAtMs?: number;
  finishedAtMs?: number;
  durationMs?: number;
  slotsPlanned: number;
  slotsMoved: number;
  keysMoved: number;
  bytesMoved?: number;
  error?: string;
  keysPerSec?: number;
  /** MB (10^6 bytes) per second, from bytesMoved */
  mbPerSec?: number;
  /** how bytesMoved was obtained ("estimate: MEMORY USAGE sample x keys" or "measured") */
  bytesSource?: string;
  /** exit code of the user's tool (strategy `command`) */
  exitCode?: number | null;
  verification?: MigrationVerification;
}

export interface StrategyContext {
  cluster: StartedCluster;
  signal: AbortSignal;
  /** ms since run start */
  now(): number;
  /** strategy parameters from the scenario */
  params: Record<string, unknown>;
  /** run directory for strategy artefacts (command output) */
  outDir?: string;
  /** live p99 of client ops in µs over the last window, for adaptive throttling */
  liveP99Us?: () => number | undefined;
  /** the run's baseline p99 in µs (median window p99 of the baseline phase), once known */
  baselineP99Us?: () => number | undefined;
}

export interface MigrationStrategy {
  readonly name: string;
  /** runs every move of the plan; yields events; throws only on harness errors.
   *  A migration that does not succeed ends with a `finished` event whose `outcome`
   *  is "failed" | "cancelled" | "timeout" (and `error`); returning without one means success. */
  run(plan: MigrationPlan, ctx: StrategyContext): AsyncIterable<MigrationEvent>;
  /** checks parameters and that the server supports the strategy, before any node is added;
   *  throws UsageError naming the field, the value and what is allowed */
  preflight?(cluster: StartedCluster, params: Record<string, unknown>): Promise<void>;
}
