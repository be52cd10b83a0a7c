// harness/migration: plans, strategies, progress observation, the run driver and cluster fix.
export { runMigration, verifyCluster, type RunMigrationOptions } from "./driver.ts";
export { ProgressObserver, type ObserverOptions } from "./progress.ts";
export {
  planMigration,
  preparePlan,
  finishPlan,
  formatPlan,
  evenSplitTopology,
  readTopology,
  resolveNodeRef,
  planKind,
  type PlanNode,
  type PrepareOptions,
  type FinishReport,
} from "./planner.ts";
export { STRATEGIES, getStrategy, strategyNames } from "./registry.ts";
export { fixCluster, formatFixReport, type FixReport, type FixOptions } from "./fix.ts";
export { slotsOfPlan, formatRanges, countSlots } from "./ranges.ts";
export type * from "./types.ts";
