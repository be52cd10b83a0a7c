// Names the scenario accepts where a registry owns the list. The loader takes the
// live registries' lists (so a new strategy or fault needs no change here); these
// defaults are what the harness ships and what `slotproof schema` shows.

export const DEFAULT_STRATEGIES = ["legacy", "throttled", "atomic", "command"] as const;
export const DEFAULT_FAULT_KINDS = ["failover", "kill", "pause", "restart", "latency", "partition", "reset"] as const;
export const DEFAULT_SERVERS = ["valkey-9.1", "redis-7.0"] as const;
/** checkers that run unless the scenario turns them off */
export const DEFAULT_CHECKS = ["linearizable", "completeness", "topology", "latency"] as const;

/** Registry name lists injected by the caller; any list left out takes the default above. */
export interface ScenarioNames {
  strategies?: readonly string[];
  faultKinds?: readonly string[];
  servers?: readonly string[];
  /** every checker name the registry knows (the four defaults are on unless disabled; others are opt-in) */
  checks?: readonly string[];
}

export type ResolvedNames = { [K in keyof ScenarioNames]-?: readonly string[] };

export function resolveNames(names: ScenarioNames = {}): ResolvedNames {
  const nonEmpty = (list: readonly string[] | undefined, fallback: readonly string[]) =>
    list && list.length > 0 ? [...new Set(list)] : fallback;
  return {
    strategies: nonEmpty(names.strategies, DEFAULT_STRATEGIES),
    faultKinds: nonEmpty(names.faultKinds, DEFAULT_FAULT_KINDS),
    servers: nonEmpty(names.servers, DEFAULT_SERVERS),
    checks: nonEmpty(names.checks, DEFAULT_CHECKS),
  };
}
