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
}

export interface MigrationStrategy {
  readonly name: string;
  /** runs every move of the plan; yields events; throws only on harness errors */
  run(plan: MigrationPlan, ctx: StrategyContext): AsyncIterable<MigrationEvent>;
}
