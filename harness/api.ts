// The programmatic API: `import { run } from "slotproof"` from a team's own test suite.
import { loadScenarioFile, parseScenario, type Scenario } from "./scenario/index.ts";
import { runScenario, type RunOptions, type RunOutcome } from "./run.ts";
import { scenarioNames } from "./registries.ts";
import { parseGates } from "../checks/gates.ts";

export { loadScenarioFile as loadScenarioFileRaw };
export type { Scenario, RunOptions, RunOutcome };

/** Loads and validates a scenario file with the live registries' names (strategies, faults, checks). */
export async function loadScenario(file: string, overrides: string[] = []): Promise<Scenario> {
  return checked(await loadScenarioFile(file, { overrides, ...scenarioNames() }));
}

/** Gate metric names are only known to checks/gates: a typo there is a usage error too, not an `unknown` gate. */
function checked(s: Scenario): Scenario {
  parseGates(s.gates);
  return s;
}

/**
 * Runs a scenario (a file path, YAML/JSON text with `{ text }`, or a parsed Scenario) and
 * resolves with the run record, its directory and the exit code. Harness failures do not
 * throw: they come back as verdict `error`. Invalid scenarios throw a UsageError.
 */
export async function run(
  scenario: string | { text: string; fileName?: string } | Scenario,
  opts: RunOptions & { overrides?: string[] } = {},
): Promise<RunOutcome> {
  let s: Scenario;
  if (typeof scenario === "string") s = await loadScenario(scenario, opts.overrides);
  else if ("text" in scenario) s = checked(parseScenario(scenario.text, { fileName: scenario.fileName ?? "scenario.yaml", overrides: opts.overrides, ...scenarioNames() }));
  else s = scenario;
  return runScenario(s, opts);
}
