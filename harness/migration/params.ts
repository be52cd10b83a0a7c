// Reading a strategy's `migration.params` with UsageErrors that name the field, the
// value and what is allowed.
import { UsageError } from "../errors.ts";
import { didYouMean } from "../scenario/suggest.ts";

export type Params = Record<string, unknown>;

const FIELD = "migration.params";

/** Keys every strategy accepts: `timeoutMs` bounds the whole migration (the driver enforces it). */
export const COMMON_PARAM_KEYS = ["timeoutMs"] as const;

/** Rejects keys the strategy does not know (with a did-you-mean). */
export function checkKeys(params: Params, allowed: readonly string[], strategy: string, prefix = FIELD): void {
  if (prefix === FIELD) allowed = [...allowed, ...COMMON_PARAM_KEYS];
  for (const key of Object.keys(params)) {
    if (!allowed.includes(key))
      throw new UsageError(`${prefix}.${key}: unknown parameter for strategy ${strategy}; allowed: ${allowed.join(", ")}${didYouMean(key, allowed)}`);
  }
}

export function optNumber(
  params: Params,
  key: string,
  rule: { min?: number; max?: number; integer?: boolean; unit?: string },
  prefix = FIELD,
): number | undefined {
  const v = params[key];
  if (v === undefined || v === null) return undefined;
  const n = typeof v === "string" && v.trim() !== "" ? Number(v) : v;
  const min = rule.min ?? -Infinity;
  const max = rule.max ?? Infinity;
  if (typeof n !== "number" || !Number.isFinite(n) || n < min || n > max || (rule.integer && !Number.isInteger(n))) {
    const range = `${rule.integer ? "a whole number" : "a number"}${rule.min !== undefined ? ` ≥ ${rule.min}` : ""}${rule.max !== undefined ? ` and ≤ ${rule.max}` : ""}${rule.unit ? ` (${rule.unit})` : ""}`;
    throw new UsageError(`${prefix}.${key}: ${JSON.stringify(v)} is not allowed: use ${range}`);
  }
  return n;
}

export function optBool(params: Params, key: string, prefix = FIELD): boolean | undefined {
  const v = params[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v === "boolean") return v;
  if (v === "true" || v === "false") return v === "true";
  throw new UsageError(`${prefix}.${key}: ${JSON.stringify(v)} is not allowed: use true or false`);
}

export function optString(params: Params, key: string, prefix = FIELD): string | undefined {
  const v = params[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v === "string" && v.trim() !== "") return v;
  throw new UsageError(`${prefix}.${key}: ${JSON.stringify(v)} is not allowed: use a non-empty string`);
}

export function optObject(params: Params, key: string, prefix = FIELD): Params | undefined {
  const v = params[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v === "object" && !Array.isArray(v)) return v as Params;
  throw new UsageError(`${prefix}.${key}: ${JSON.stringify(v)} is not allowed: use a mapping of options`);
}
