// The "completeness" checker: every acknowledged write survived, once, where clients can reach it.
import { UsageError } from "../../harness/errors.ts";
import type { Checker, CheckInput, CheckResult } from "../types.ts";
import { checkCompleteness, type CompletenessOptions } from "./check.ts";

export { checkCompleteness, CLASSES, INVALID, keyFilter, globToRegExp, type CompletenessResult, type CompletenessOptions, type Example, type KeyClass } from "./check.ts";
export { judgeKey, existence, type Found, type Judgement, type KeyHistory, type ValueClass } from "./expectations.ts";

const PARAMS = ["maxExamples", "untrackedKeys"] as const;

function optionsFrom(params: Record<string, unknown> | undefined): CompletenessOptions {
  for (const name of Object.keys(params ?? {})) {
    if (!(PARAMS as readonly string[]).includes(name)) throw new UsageError(`completeness param ${JSON.stringify(name)} is unknown; allowed: ${PARAMS.join(", ")}`);
  }
  return (params ?? {}) as CompletenessOptions; // values are validated by checkCompleteness
}

export const completeness: Checker = {
  name: "completeness",
  async check(input: CheckInput): Promise<CheckResult> {
    const opts = optionsFrom(input.params);
    if (!input.snapshot) return { valid: "unknown", summary: "no final snapshot of the cluster: completeness cannot be judged" };
    return checkCompleteness({ history: input.history, model: input.model, snapshot: input.snapshot, preload: input.preload }, opts);
  },
};

export default completeness;
