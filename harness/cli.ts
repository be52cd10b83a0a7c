// The slotproof command line. The CLI owns the terminal: library code returns data and
// strings; everything printed is printed here. Errors become one line and an exit code.
import { Command, CommanderError, Option } from "commander";
import { EXIT, HarnessError, UsageError } from "./errors.ts";
import { packageRoot } from "./paths.ts";
import { readFileSync } from "node:fs";
import path from "node:path";
import { registerClusterCommands } from "./cli/cluster.ts";
import { registerServerCommands, registerSetupCommand } from "./cli/servers.ts";
import { registerOtherCommands } from "./cli/extra.ts";
import { installSignalHandlers } from "./cli/signals.ts";

const version = (JSON.parse(readFileSync(path.join(packageRoot, "package.json"), "utf8")) as { version: string }).version;

export function buildProgram(): Command {
  const program = new Command("slotproof")
    .description("Benchmark and chaos verification harness for Redis Cluster / Valkey slot migration")
    .version(version)
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride();
  program.configureHelp({ sortSubcommands: false });
  registerSetupCommand(program);
  registerServerCommands(program);
  registerClusterCommands(program);
  registerOtherCommands(program);
  // Every sub-command exits through commander's override too.
  const override = (cmd: Command) => {
    cmd.exitOverride();
    cmd.commands.forEach(override);
  };
  override(program);
  return program;
}

/** Turns anything thrown into one line on stderr and the documented exit code. */
export function exitCodeFor(e: unknown): number {
  if (e instanceof CommanderError) {
    if (e.code === "commander.helpDisplayed" || e.code === "commander.version" || e.code === "commander.help") return 0;
    return EXIT.usage;
  }
  if (e instanceof UsageError) return EXIT.usage;
  return EXIT.harnessError;
}

async function main(): Promise<void> {
  installSignalHandlers();
  const program = buildProgram();
  try {
    await program.parseAsync(process.argv);
  } catch (e) {
    const code = exitCodeFor(e);
    if (!(e instanceof CommanderError)) {
      const msg = e instanceof UsageError || e instanceof HarnessError ? e.message : `internal error: ${(e as Error)?.stack ?? String(e)}`;
      process.stderr.write(`slotproof: ${msg}\n`);
    }
    process.exitCode = code;
  }
}

await main();
// Remaining handles (ioredis reconnect timers, etc.) must not keep a finished command alive.
setTimeout(() => process.exit(process.exitCode ?? 0), 200).unref();
export { Option };
