// Scenario files: schema, loader, overrides. See types.ts for the parsed shape.
export { loadScenarioFile, parseScenario, MAX_SCENARIO_BYTES, type LoadOptions, type ParseOptions } from "./load.ts";
export { applyOverrides, parseOverride, type Override } from "./overrides.ts";
export { scenarioJsonSchema, scenarioSchema, type ScenarioInput } from "./schema.ts";
export { DEFAULT_CHECKS, DEFAULT_FAULT_KINDS, DEFAULT_SERVERS, DEFAULT_STRATEGIES, type ScenarioNames } from "./names.ts";
export { parseDuration, formatDuration } from "./duration.ts";
export { parseSlotRanges, parseSlotSelector, countSlots, SLOT_COUNT, type SlotKeyword } from "./slots.ts";
export { closestName } from "./suggest.ts";
export { clusterSpecOf } from "./cluster-spec.ts";
export type * from "./types.ts";
