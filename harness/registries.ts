// The names the registries own, gathered for scenario validation and `--help`.
import type { ScenarioNames } from "./scenario/index.ts";
import { KNOWN_SERVERS } from "./servers/install.ts";
import { NEMESES } from "../faults/process.ts";
import { STRATEGIES } from "./migration/registry.ts";
import { CHECKERS } from "../checks/registry.ts";

export function scenarioNames(): ScenarioNames {
  return {
    strategies: Object.keys(STRATEGIES),
    faultKinds: Object.keys(NEMESES),
    servers: Object.keys(KNOWN_SERVERS),
    checks: Object.keys(CHECKERS),
  };
}
