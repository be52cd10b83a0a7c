// Strategy name → implementation. Adding a strategy is one file in strategies/ plus one line here.
import { UsageError } from "../errors.ts";
import { didYouMean } from "../scenario/suggest.ts";
import { atomic } from "./strategies/atomic.ts";
import { command } from "./strategies/command.ts";
import { legacy } from "./strategies/legacy.ts";
import { throttled } from "./strategies/throttled.ts";
import type { MigrationStrategy } from "./types.ts";

export const STRATEGIES: Record<string, MigrationStrategy> = {
  legacy,
  throttled,
  atomic,
  command,
};

export function strategyNames(): string[] {
  return Object.keys(STRATEGIES);
}

export function getStrategy(name: string): MigrationStrategy {
  const s = STRATEGIES[name];
  if (!s) {
    const names = strategyNames();
    throw new UsageError(`migration.strategy: '${name}' is not a strategy: allowed are ${names.join(", ")}${didYouMean(name, names)}`);
  }
  return s;
}
