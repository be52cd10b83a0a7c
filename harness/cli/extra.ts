// Commands that later modules plug in (run, load, plan, report, check, compare, schema).
import type { Command } from "commander";

export function registerOtherCommands(_program: Command): void {}
