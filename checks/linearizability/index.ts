// The "linearizable" checker: every key's history must be linearizable under the
// workload's model (register, kv-append, counter by search; list-append Elle-style).
//
//   await linearizable.check({ history, model: "register", preload, params: { budgetMs: 60_000 } })
//   await checkOperations("kv-append", historyToOperations(events), { keyBudgetMs: 5_000, workers: 0 })
//
// Result: { valid: true | false | "unknown", summary, keysChecked, keysUnknown, keysUnknownCount,
// keysInvalid, violations, opsChecked, elapsedMs, workers } — see types.ts. A key that runs
// out of budget is `unknown`, never valid. Params: budgetMs, keyBudgetMs, shrinkBudgetMs,
// maxViolationReports, workers ("auto" | n), parallelMinOps.
import { UsageError } from "../../harness/errors.ts";
import type { Checker, CheckInput } from "../types.ts";
import { checkOperations } from "./check.ts";
import { pairHistory } from "./operations.ts";
import type { CheckOptions, LinearizabilityResult } from "./types.ts";

export { checkOperations, DEFAULTS } from "./check.ts";
export { historyToOperations, pairHistory, partitionByKey } from "./operations.ts";
export { checkListAppendKey } from "./list-append.ts";
export type * from "./types.ts";

const PARAMS = ["budgetMs", "keyBudgetMs", "shrinkBudgetMs", "maxViolationReports", "workers", "parallelMinOps"] as const;
type Param = (typeof PARAMS)[number];

/** Scenario params of this checker (numbers; `workers` may also be "auto"). */
function optionsFrom(params: Record<string, unknown> | undefined): CheckOptions {
  const opts: Partial<Record<Param, unknown>> = {};
  for (const [name, value] of Object.entries(params ?? {})) {
    if (!(PARAMS as readonly string[]).includes(name)) {
      throw new UsageError(`linearizable param ${JSON.stringify(name)} is unknown; allowed: ${PARAMS.join(", ")}`);
    }
    opts[name as Param] = value;
  }
  return opts as CheckOptions; // values are validated by checkOperations
}

export async function checkHistory(input: CheckInput): Promise<LinearizabilityResult> {
  const { ops, failed } = pairHistory(input.history);
  const preload = input.preload?.keys;
  return checkOperations(input.model, ops, {
    ...optionsFrom(input.params),
    initial: input.model === "list-append" || preload === undefined ? undefined : preload,
    failed,
    signal: input.signal,
  });
}

export const linearizable: Checker = {
  name: "linearizable",
  check: checkHistory,
};

export default linearizable;
