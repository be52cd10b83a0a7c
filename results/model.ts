// The run record: versioned, serialisable, the single input of every output and re-check.
import type { CheckResult, TopologySample } from "../checks/types.ts";
import type { MigrationEvent, MigrationOutcome } from "../harness/migration/types.ts";
import type { MetricsWindow, WorkloadSummary } from "../workloads/metrics-types.ts";

export const SCHEMA_VERSION = 1;

export type Verdict = "pass" | "fail" | "unknown" | "error";

export interface GateResult {
  expr: string;
  passed: boolean | "unknown";
  actual?: number | boolean | string;
  message: string;
}

export interface FaultEvent {
  kind: string;
  target?: string;
  /** ms since run start */
  startMs: number;
  endMs?: number;
  detail?: Record<string, unknown>;
}

export interface PhaseRecord { name: string; startMs: number; endMs: number }

export interface ProgressPoint { atMs: number; slotsMoved: number; slotsPlanned: number; keysMoved: number; keysPlanned: number }

export interface RunRecordForChecks {
  windows: MetricsWindow[];
  phases: PhaseRecord[];
  migration: MigrationOutcome;
  migrationEvents: MigrationEvent[];
  faults: FaultEvent[];
  /** slots moved by the plan, to classify keys as migrating/other */
  migratingSlots: number[];
  /** cluster health sampled during the run, for convergence times (checks/topology.ts) */
  topologySamples?: TopologySample[];
}

export interface RunResult extends RunRecordForChecks {
  schemaVersion: typeof SCHEMA_VERSION;
  verdict: Verdict;
  /** why the verdict is error, or the one-line headline */
  reason?: string;
  scenario: { name: string; file?: string; seed: number; document: unknown };
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  environment: {
    harnessVersion: string;
    server: string;
    serverVersion: string;
    provider: string;
    primaries: number;
    replicasPerPrimary: number;
    node: string;
    cpus: number;
    memoryGiB: number;
    platform: string;
  };
  workload: WorkloadSummary | null;
  progress: ProgressPoint[];
  checks: Record<string, CheckResult>;
  gates: GateResult[];
  /** files in the run directory, relative */
  files: Record<string, string>;
}
