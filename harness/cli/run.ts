// `slotproof run FILE`: the main job.
import path from "node:path";
import type { Command } from "commander";
import { loadScenario } from "../api.ts";
import { runScenario } from "../run.ts";
import { LiveView } from "./live-view.ts";
import { interrupt, printData, say } from "./signals.ts";
import { consoleSummary } from "../../results/outputs/console.ts";

export function registerRunCommand(program: Command): void {
  program
    .command("run")
    .description("run a scenario: provision, preload, load + migration + faults, checks; write the run directory; exit with the verdict")
    .argument("<file>", "scenario file (YAML or JSON)")
    .option("--out <dir>", "run directory (default runs/<scenario>-<timestamp>)")
    .option("--set <path=value...>", "override scenario fields, e.g. --set workload.rate=5000 --set migration.strategy=legacy")
    .option("--json", "print result.json to stdout at the end instead of the summary")
    .addHelpText("after", "\nExit codes: 0 pass, 1 a check failed, 2 unknown, 3 a gate failed, 4 harness error, 64 scenario or usage error.")
    .action(async (file: string, opts: { out?: string; set?: string[]; json?: boolean }) => {
      const scenario = await loadScenario(file, opts.set ?? []);
      const view = new LiveView(opts.json ? process.stderr : process.stdout);
      let outcome;
      try {
        outcome = await runScenario(scenario, { outDir: opts.out, signal: interrupt.signal, onEvent: view.on });
      } finally {
        view.close();
      }
      if (opts.json) printData(outcome.result);
      else {
        for (const line of consoleSummary(outcome.result)) say(line);
        say(`report: ${path.join(outcome.dir, "report.html")}`);
      }
      process.exitCode = outcome.exitCode;
    });
}
