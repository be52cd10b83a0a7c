// Reading a scenario: YAML/JSON text → --set overrides → schema → Scenario, or one
// UsageError listing every problem with file:line:col, field path, value and what is allowed.
import { randomInt } from "node:crypto";
import { readFile } from "node:fs/promises";
import { basename, dirname, extname, resolve } from "node:path";
import { isMap, isSeq, LineCounter, parseDocument, visit, type Document } from "yaml";
import { UsageError } from "../errors.ts";
import { resolveNames, type ScenarioNames } from "./names.ts";
import { normalizeScenario } from "./normalize.ts";
import { applyOverrides, parseOverride } from "./overrides.ts";
import { issueToProblems } from "./issues.ts";
import { problemsError, renderValue, type PathSegment, type Problem, type SourceInfo } from "./problems.ts";
import { scenarioSchema } from "./schema.ts";
import type { Scenario } from "./types.ts";

/** Larger files are not scenarios (and would make every later step slow). */
export const MAX_SCENARIO_BYTES = 1024 * 1024;
const MAX_ALIASES = 100;

export interface ParseOptions extends ScenarioNames {
  /** shown in messages and the default scenario name (default "scenario") */
  fileName?: string;
  /** `path=value` strings, applied in order before validation */
  overrides?: readonly string[];
  /** directory a relative serverBin is resolved against */
  baseDir?: string;
  /** seed source when the scenario has none (default: crypto random 0..2^31-2) */
  randomSeed?: () => number;
}

export type LoadOptions = Omit<ParseOptions, "fileName" | "baseDir">;

/** Reads and validates a scenario file (.yaml, .yml or .json). Throws UsageError. */
export async function loadScenarioFile(path: string, options: LoadOptions = {}): Promise<Scenario> {
  const file = resolve(path);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "it is a directory" : (e as Error).message;
    throw new UsageError(`cannot read scenario ${path}: ${why}`);
  }
  const scenario = parseScenario(text, { ...options, fileName: path, baseDir: dirname(file) });
  return { ...scenario, file };
}

/** Validates scenario text (YAML or JSON). Throws UsageError; never anything else for any input. */
export function parseScenario(text: string, options: ParseOptions = {}): Scenario {
  const fileName = options.fileName ?? "scenario";
  if (Buffer.byteLength(text, "utf8") > MAX_SCENARIO_BYTES) {
    throw new UsageError(`${fileName}: ${Buffer.byteLength(text, "utf8")} bytes is too large for a scenario (limit ${MAX_SCENARIO_BYTES})`);
  }
  const lineCounter = new LineCounter();
  const doc = readYaml(text, fileName, lineCounter);
  const sets = options.overrides ?? [];
  if (sets.length > 0) applyOverrides(doc, sets);
  const overrides = sets.map((o) => parseOverride(o));
  const src: SourceInfo = { fileName, doc, lineCounter, overrides };

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIASES });
  } catch (e) {
    throw new UsageError(`${fileName}: ${(e as Error).message}`);
  }
  if (data === null || data === undefined) data = {};
  if (typeof data !== "object" || Array.isArray(data)) {
    throw problemsError([{ path: [], message: `a scenario is a mapping of fields (name, cluster, workload, migration, …), got ${renderValue(data)}` }], src);
  }

  const names = resolveNames(options);
  const schema = scenarioSchema(names);
  let cleaned: unknown;
  try {
    cleaned = withoutExtensions(withoutNulls(data, []));
  } catch (e) {
    if (!(e instanceof DepthError)) throw e;
    throw problemsError([{ path: e.path, message: `nests deeper than ${MAX_DEPTH} levels; no scenario field needs that` }], src);
  }
  const parsed = schema.safeParse(withoutNegativeZero(cleaned));
  if (!parsed.success) {
    throw problemsError(parsed.error.issues.flatMap((i) => issueToProblems(i, data, schema)), src);
  }
  const { scenario, problems } = normalizeScenario(parsed.data, {
    defaultName: options.fileName ? basename(options.fileName, extname(options.fileName)) : "scenario",
    baseDir: options.baseDir,
    names,
    randomSeed: options.randomSeed ?? (() => randomInt(2 ** 31 - 1)),
  });
  if (!scenario) throw problemsError(problems, src);
  return { ...scenario, document: data, overrides: [...sets] };
}

/** Parses YAML, turning syntax errors, unknown tags and dangling aliases into one UsageError. */
function readYaml(text: string, fileName: string, lineCounter: LineCounter): Document {
  let doc: Document;
  try {
    // logLevel error: yaml would otherwise print warnings itself; they are reported below instead
    doc = parseDocument(text, { lineCounter, prettyErrors: false, merge: true, uniqueKeys: true, logLevel: "error" });
  } catch (e) {
    // the parser recurses; absurd nesting can exhaust the stack
    throw new UsageError(`${fileName}: cannot parse the scenario: ${(e as Error).message}`);
  }
  const problems: Problem[] = [...doc.errors, ...doc.warnings].map((e) => ({
    path: [],
    pos: lineCounter.linePos(e.pos[0]),
    message: `${e.name === "YAMLWarning" ? "" : "YAML syntax error: "}${e.message.split("\n")[0]}`,
  }));
  if (problems.length === 0) {
    try {
      visit(doc, {
        Pair(_, pair) {
          const key = pair.key as { range?: [number, number] } | null;
          if ((isMap(pair.key) || isSeq(pair.key)) && key?.range) {
            problems.push({ path: [], pos: lineCounter.linePos(key.range[0]), message: "a key must be a plain name, not a list or a mapping" });
          }
        },
        Alias(_, node) {
          if (!node.resolve(doc) && node.range) {
            problems.push({ path: [], pos: lineCounter.linePos(node.range[0]), message: `alias *${node.source} has no anchor &${node.source} before it` });
          }
        },
      });
    } catch (e) {
      throw new UsageError(`${fileName}: cannot parse the scenario: ${(e as Error).message}`);
    }
  }
  if (problems.length > 0) throw problemsError(problems, { fileName });
  return doc;
}

/** Drops top-level `x-…` keys: a place for YAML anchors, like docker compose's extension fields. */
function withoutExtensions(data: unknown): unknown {
  if (data === null || typeof data !== "object" || Array.isArray(data)) return data;
  return Object.fromEntries(Object.entries(data).filter(([k]) => !k.startsWith("x-")));
}

export const MAX_DEPTH = 32;

/**
 * Drops null values from mappings (`dataset:` with nothing under it means "defaults")
 * and refuses absurd nesting, which no scenario needs and which would make every
 * later consumer of the recorded document recurse without bound.
 */
function withoutNulls(value: unknown, path: PathSegment[]): unknown {
  if (value === null || typeof value !== "object") return value;
  if (path.length >= MAX_DEPTH) throw new DepthError(path);
  if (Array.isArray(value)) return value.map((v, i) => withoutNulls(v, [...path, i]));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (v === null) continue;
    // defineProperty: a key named __proto__ stays a plain (and rejected) key
    Object.defineProperty(out, k, { value: withoutNulls(v, [...path, k]), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

class DepthError extends Error {
  constructor(readonly path: PathSegment[]) {
    super("too deep");
  }
}

/** YAML's `-0` is a number JSON cannot keep apart from 0: read it as 0 so the record round-trips. */
function withoutNegativeZero(value: unknown): unknown {
  if (Object.is(value, -0)) return 0;
  if (Array.isArray(value)) return value.map(withoutNegativeZero);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withoutNegativeZero(v)]));
  }
  return value;
}
