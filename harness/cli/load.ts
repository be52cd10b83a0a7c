// `slotproof load --seed ADDR`: the load engine alone, against any cluster on loopback.
import type { Command } from "commander";
import { LOAD_OPTIONS, runLoadCommand, type LoadCommandOptions } from "../../workloads/cli-load.ts";
import { UsageError } from "../errors.ts";
import { parseAddr } from "./options.ts";
import { interrupt, say } from "./signals.ts";

export function registerLoadCommand(program: Command): void {
  const cmd = program
    .command("load")
    .description("drive memtier-like load against a running cluster: a live line per window, then p50/p99/p999/max per class, errors and redirects (cross-checked with INFO errorstats)");
  for (const o of LOAD_OPTIONS) cmd.option(o.flags, o.description, o.default);
  cmd.action(async (opts: LoadCommandOptions) => {
    if (!opts.seed) throw new UsageError("--seed: required: host:port of any cluster node");
    for (const s of String(opts.seed).split(",")) parseAddr("--seed", s);
    const r = await runLoadCommand(opts, { onLine: say, signal: interrupt.signal });
    for (const l of r.lines) process.stdout.write(`${l}\n`);
    for (const p of r.problems) process.stderr.write(`slotproof: ${p}\n`);
  });
}
