// Commands around the run: schema, plan, report, check, compare, cluster fix.
import { writeFile } from "node:fs/promises";
import path from "node:path";
import type { Command } from "commander";
import { loadScenario } from "../api.ts";
import { scenarioJsonSchema } from "../scenario/index.ts";
import { scenarioNames } from "../registries.ts";
import { evenSplitTopology, formatPlan, planMigration, fixCluster, formatFixReport } from "../migration/index.ts";
import { recheck } from "../../checks/recheck.ts";
import { metricList } from "../../checks/gates.ts";
import { rerender, readRunDir } from "../../results/outputs/index.ts";
import { renderCompareHtml } from "../../results/compare.ts";
import { EXIT, UsageError } from "../errors.ts";
import { parseAddr } from "./options.ts";
import { interrupt, printData, say } from "./signals.ts";
import { registerRunCommand } from "./run.ts";
import { registerLoadCommand } from "./load.ts";

export function registerOtherCommands(program: Command): void {
  registerRunCommand(program);
  registerLoadCommand(program);

  program
    .command("plan")
    .description("print the moves a scenario's migration plan makes (on the cluster the scenario would start)")
    .argument("<file>", "scenario file")
    .option("--set <path=value...>", "override scenario fields")
    .option("--json", "print the plan as JSON")
    .action(async (file: string, opts: { set?: string[]; json?: boolean }) => {
      const s = await loadScenario(file, opts.set ?? []);
      if (!s.migration) throw new UsageError(`migration: ${file} has no migration section, so there is nothing to plan`);
      const nodes = evenSplitTopology(s.cluster.primaries);
      const added: string[] = [];
      for (let i = 0; i < (s.migration.plan.scaleOut ?? 0); i++) {
        added.push(`new:${i}`);
        nodes.push({ id: "", name: `new:${i}`, host: "127.0.0.1", port: 0, slots: [] });
      }
      const plan = planMigration(s.migration.plan, nodes, { added });
      if (opts.json) return printData({ strategy: s.migration.strategy, ...plan });
      say(`strategy: ${s.migration.strategy}`);
      for (const l of formatPlan(plan).split("\n")) say(l);
    });

  program
    .command("schema")
    .description("print the JSON Schema of scenario files (for editor completion)")
    .option("--out <file>", "write it to a file instead")
    .action(async (opts: { out?: string }) => {
      const schema = scenarioJsonSchema(scenarioNames());
      if (opts.out) await writeFile(opts.out, JSON.stringify(schema, null, 2) + "\n");
      else printData(schema);
    });

  program
    .command("report")
    .description("re-render report.html, junit.xml and summary.md of a saved run directory (no cluster needed)")
    .argument("<dir>", "run directory")
    .action(async (dir: string) => {
      const r = await rerender(dir);
      for (const l of r.summary) say(l);
      say(`report: ${path.join(path.resolve(dir), "report.html")}`);
    });

  program
    .command("check")
    .description("re-run every checker and gate on a saved run directory (no cluster needed) and exit with the verdict")
    .argument("<dir>", "run directory")
    .option("--gate <expr...>", "gates to evaluate instead of the scenario's (see --list-gates)")
    .option("--write", "update the run directory's result.json and reports")
    .option("--json", "print the checks, gates and verdict as JSON")
    .addHelpText("after", () => `\nGate metrics:\n${metricList().map((m) => `  ${m.name.padEnd(26)} ${m.description}`).join("\n")}`)
    .action(async (dir: string, opts: { gate?: string[]; write?: boolean; json?: boolean }) => {
      const r = await recheck(dir, { gates: opts.gate, write: opts.write, signal: interrupt.signal });
      if (opts.write) await rerender(dir);
      if (opts.json) printData({ verdict: r.verdict, reason: r.reason, checks: r.checks, gates: r.gates });
      else {
        for (const [name, c] of Object.entries(r.checks)) say(`check ${name}: ${c.valid === true ? "ok" : c.valid === false ? "FAILED" : "unknown"}  ${c.summary}`);
        for (const g of r.gates) say(`gate ${g.expr}: ${g.passed === true ? "held" : g.passed === false ? "FAILED" : "unknown"}  ${g.message}`);
        say(`verdict: ${r.verdict} (${r.reason})`);
      }
      process.exitCode = r.exitCode;
    });

  program
    .command("compare")
    .description("write one HTML report with several runs side by side (timelines aligned at migration start)")
    .argument("<dirs...>", "run directories")
    .option("--out <file>", "output file", "compare.html")
    .action(async (dirs: string[], opts: { out: string }) => {
      const runs = [];
      for (const d of dirs) runs.push({ dir: d, result: (await readRunDir(d)).result });
      await writeFile(opts.out, renderCompareHtml(runs));
      say(`compare: ${runs.length} runs -> ${path.resolve(opts.out)}`);
    });

  const cluster = program.commands.find((c) => c.name() === "cluster")!;
  cluster
    .command("fix")
    .description("repair open slots (MIGRATING/IMPORTING) the way `valkey-cli --cluster fix` does")
    .argument("<addr>", "host:port of any node")
    .option("--json", "print what was done as JSON")
    .action(async (addr: string, opts: { json?: boolean }) => {
      const seed = parseAddr("ADDR", addr);
      const r = await fixCluster(`${seed.host}:${seed.port}`);
      if (opts.json) printData(r);
      else for (const l of formatFixReport(r).split("\n")) say(l);
      process.exitCode = r.ok ? EXIT.pass : EXIT.checkFailed;
    });
}
