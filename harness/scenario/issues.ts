// zod issues → Problems with plain-language messages and did-you-mean hints.
import type { z } from "zod";
import { listNames, didYouMean } from "./suggest.ts";
import { renderValue, valueAt, type PathSegment, type Problem } from "./problems.ts";

type Issue = z.core.$ZodIssue;

/** Just the part of zod's internal definition the key lookup walks (stable in zod 4). */
interface Def {
  type: string;
  shape?: Record<string, { _zod: { def: Def } }>;
  innerType?: { _zod: { def: Def } };
  element?: { _zod: { def: Def } };
  options?: Array<{ _zod: { def: Def } }>;
  valueType?: { _zod: { def: Def } };
  in?: { _zod: { def: Def } };
}

const WRAPPERS = new Set(["optional", "default", "prefault", "nullable", "readonly", "catch", "nonoptional"]);

function unwrap(def: Def): Def {
  while (WRAPPERS.has(def.type) && def.innerType) def = def.innerType._zod.def;
  if (def.type === "pipe" && def.in) return unwrap(def.in._zod.def);
  return def;
}

/** Object definitions the schema allows at `path` (several when a union allows several). */
function objectsAt(def: Def, path: readonly PathSegment[]): Def[] {
  def = unwrap(def);
  if (def.type === "union") return (def.options ?? []).flatMap((o) => objectsAt(o._zod.def, path));
  if (path.length === 0) return def.type === "object" ? [def] : [];
  const [seg, ...rest] = path;
  if (def.type === "object") {
    const child = def.shape?.[String(seg)];
    return child ? objectsAt(child._zod.def, rest) : [];
  }
  if (def.type === "array" && def.element) return objectsAt(def.element._zod.def, rest);
  if (def.type === "record" && def.valueType) return objectsAt(def.valueType._zod.def, rest);
  return [];
}

/** Keys the schema accepts in the mapping at `path`. */
export function knownKeysAt(schema: z.ZodType, path: readonly PathSegment[]): string[] {
  const keys = objectsAt(schema._zod.def as unknown as Def, path).flatMap((d) => Object.keys(d.shape ?? {}));
  return [...new Set(keys)];
}

const TYPE_NAMES: Record<string, string> = {
  number: "a number",
  int: "an integer",
  string: "a string",
  boolean: "true or false",
  object: "a mapping",
  record: "a mapping",
  array: "a list",
};

const entries = (n: number) => (n === 1 ? "1 entry" : `${n} entries`);

function bound(issue: Extract<Issue, { code: "too_small" | "too_big" }>, value: unknown): string {
  const small = issue.code === "too_small";
  const limit = Number(small ? (issue as { minimum: number | bigint }).minimum : (issue as { maximum: number | bigint }).maximum);
  const inclusive = issue.inclusive !== false;
  switch (issue.origin) {
    case "array":
    case "set":
      return small
        ? `needs at least ${entries(limit)}, got ${Array.isArray(value) ? value.length : renderValue(value)}`
        : `allows at most ${entries(limit)}, got ${Array.isArray(value) ? value.length : renderValue(value)}`;
    case "string":
      if (small && limit === 1) return "must not be empty";
      return small ? `must have at least ${limit} characters` : `must have at most ${limit} characters`;
    default: {
      const op = small ? (inclusive ? ">=" : ">") : inclusive ? "<=" : "<";
      return `must be ${op} ${limit}, got ${renderValue(value)}`;
    }
  }
}

/** Converts one zod issue (possibly nested in a union) into problems. */
export function issueToProblems(issue: Issue, data: unknown, schema: z.ZodType, base: PathSegment[] = []): Problem[] {
  const path = [...base, ...(issue.path as PathSegment[])];
  const value = valueAt(data, path);
  switch (issue.code) {
    case "invalid_type":
      if (value === undefined) return [{ path, message: `is required (${TYPE_NAMES[issue.expected] ?? issue.expected})` }];
      return [{ path, message: `expected ${TYPE_NAMES[issue.expected] ?? issue.expected}, got ${renderValue(value)}` }];
    case "too_small":
    case "too_big":
      return [{ path, message: bound(issue, value) }];
    case "invalid_value": {
      const allowed = issue.values.map(String);
      if (value === undefined) return [{ path, message: `is required; allowed: ${listNames(allowed)}` }];
      const hint = typeof value === "string" ? didYouMean(value, allowed) : "";
      return [{ path, message: `unknown value ${renderValue(value)}; allowed: ${listNames(allowed)}${hint}` }];
    }
    case "unrecognized_keys": {
      const known = knownKeysAt(schema, path);
      return issue.keys.map((key) => {
        const hint = didYouMean(key, known);
        return {
          path: [...path, key],
          atKey: true,
          message: `unknown key "${key}"${hint || (known.length ? `; allowed keys: ${listNames(known, 16)}` : "")}`,
        };
      });
    }
    case "invalid_union": {
      // The branch whose type matched the value explains the problem best.
      const matched = issue.errors.find((branch) => !branch.some((i) => i.path.length === 0 && i.code === "invalid_type"));
      if (matched) return matched.flatMap((i) => issueToProblems(i, data, schema, path));
      if (value === undefined) return [{ path, message: `is required; ${issue.message}` }];
      return [{ path, message: `${issue.message}, got ${renderValue(value)}` }];
    }
    case "custom": {
      const shown = value === undefined || issue.message.includes(renderValue(value));
      return [{ path, message: shown ? issue.message : `${issue.message}, got ${renderValue(value)}` }];
    }
    default:
      return [{ path, message: `${issue.message}, got ${renderValue(value)}` }];
  }
}
