// Property tests: whatever the input, parseScenario returns a valid Scenario or throws
// a UsageError with a short message — never another exception, never a hang.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import YAML from "yaml";
import { UsageError } from "../errors.ts";
import { parseScenario, type ParseOptions, type Scenario } from "./index.ts";

const SCENARIO_DIR = join(import.meta.dirname, "../../scenarios");
const EXAMPLES: Array<{ file: string; text: string }> = readdirSync(SCENARIO_DIR)
  .filter((f) => f.endsWith(".yaml"))
  .map((f) => ({ file: f, text: readFileSync(join(SCENARIO_DIR, f), "utf8") }));
const EXAMPLE_DOCS: unknown[] = EXAMPLES.map((e) => YAML.parse(e.text));

/** Not a performance check: a parse taking this long means something loops. */
const LIVENESS_MS = 2000;

function isFiniteDeep(value: unknown, depth = 0): boolean {
  if (typeof value === "number") return Number.isFinite(value);
  if (value === null || typeof value !== "object" || depth > 40) return true;
  return Object.values(value).every((v) => isFiniteDeep(v, depth + 1));
}

/** What every parsed scenario promises its readers. */
function checkScenario(s: Scenario): void {
  const { document: _document, ...parsed } = s;
  expect(JSON.parse(JSON.stringify(parsed))).toEqual(parsed);
  expect(isFiniteDeep(parsed)).toBe(true);
  expect(s.name.length).toBeGreaterThan(0);
  expect(Number.isSafeInteger(s.seed) && s.seed >= 0).toBe(true);
  expect(s.deadlineMs).toBeGreaterThan(0);
  expect(s.phases.length).toBeGreaterThan(0);
  for (const p of s.phases) {
    expect((p.durationMs !== undefined) !== (p.until !== undefined)).toBe(true);
    if (p.durationMs !== undefined) expect(p.durationMs).toBeGreaterThan(0);
    if (p.until !== undefined) expect(p.timeoutMs).toBeGreaterThan(0);
  }
  expect(s.phases.filter((p) => p.startsMigration).length).toBe(s.migration ? 1 : 0);
  if (s.workload.executor === "open") expect((s.workload.rate !== undefined) !== (s.workload.ramp !== undefined)).toBe(true);
  const weight = Object.values(s.workload.mix).reduce((a, b) => a + b, 0) + s.workload.commands.reduce((a, c) => a + c.weight, 0);
  expect(weight).toBeGreaterThan(0);
  if (s.migration) {
    const plan = s.migration.plan;
    expect([plan.scaleOut, plan.scaleIn, plan.moves].filter((x) => x !== undefined)).toHaveLength(1);
  }
  for (const f of s.faults) expect((f.atMs !== undefined) !== (f.atProgress !== undefined)).toBe(true);
  const latency = s.checks.latency;
  if (latency) expect(s.phases.map((p) => p.name)).toContain(latency.baselinePhase);
  if (s.cluster.provider === "external") expect(s.cluster.seeds.length).toBeGreaterThan(0);
}

/** Parses; accepts a Scenario or a UsageError, fails on anything else. */
function outcome(text: string, options: ParseOptions = {}): "ok" | "usage" {
  const started = performance.now();
  try {
    checkScenario(parseScenario(text, { fileName: "fuzz.yaml", ...options }));
    return "ok";
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    const lines = e.message.split("\n");
    expect(e.message.trim().length).toBeGreaterThan(0);
    expect(lines.length).toBeLessThanOrEqual(12);
    expect(e.message).not.toMatch(/\n\s+at .*:\d+:\d+/); // no stack
    for (const line of lines.slice(lines.length > 1 ? 1 : 0)) expect(line.length).toBeLessThan(400);
    return "usage";
  } finally {
    expect(performance.now() - started).toBeLessThan(LIVENESS_MS);
  }
}

// ---- arbitraries ------------------------------------------------------------

const interesting = fc.constantFrom<unknown>(
  NaN, Infinity, -Infinity, -0, 1e300, -1, 0, 1, 2 ** 53 + 2, 0.5, 16384, 50, 51,
  "", " ", "atomic", "atomc", "legacy", "migration:50%", "migration:150%", "5s", "-5s", "1h30m", "all",
  "migrating", "other", "0-16383", "0-20000", "primary:0", "primary:99", "new:0", "replica:0:0",
  "__proto__", "constructor", "lost == 0", "migration-done", "start", true, false, null, [], {},
);
const value: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: interesting },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 20 }) },
  { weight: 1, arbitrary: fc.double() },
);

type Path = Array<string | number>;

/** Every path to a node of plain data (the root excluded). */
function pathsOf(data: unknown, prefix: Path = []): Path[] {
  if (data === null || typeof data !== "object") return [];
  const entries: Array<[string | number, unknown]> = Array.isArray(data) ? data.map((v, i) => [i, v]) : Object.entries(data);
  return entries.flatMap(([k, v]) => [[...prefix, k], ...pathsOf(v, [...prefix, k])]);
}

function parentOf(root: unknown, path: Path): Record<string | number, unknown> | unknown[] | undefined {
  let node: unknown = root;
  for (const seg of path.slice(0, -1)) {
    if (node === null || typeof node !== "object") return undefined;
    node = (node as Record<string | number, unknown>)[seg];
  }
  return node !== null && typeof node === "object" ? (node as Record<string, unknown>) : undefined;
}

type Mutation =
  | { op: "delete"; pick: number }
  | { op: "replace"; pick: number; value: unknown }
  | { op: "rename"; pick: number; key: string }
  | { op: "insert"; pick: number; key: string; value: unknown }
  | { op: "nest"; pick: number; depth: number; asList: boolean };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant("delete" as const), pick: fc.nat() }),
  fc.record({ op: fc.constant("replace" as const), pick: fc.nat(), value }),
  fc.record({ op: fc.constant("rename" as const), pick: fc.nat(), key: fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom("workloa", "migratoin", "rate", "x-a", "__proto__")) }),
  fc.record({ op: fc.constant("insert" as const), pick: fc.nat(), key: fc.string({ maxLength: 12 }), value }),
  fc.record({ op: fc.constant("nest" as const), pick: fc.nat(), depth: fc.integer({ min: 1, max: 200 }), asList: fc.boolean() }),
);

/** Applies a mutation to a deep copy of `doc`. */
function mutate(doc: unknown, m: Mutation): unknown {
  const root = structuredClone(doc);
  const paths = pathsOf(root);
  if (paths.length === 0) return root;
  const path = paths[m.pick % paths.length];
  const parent = parentOf(root, path);
  if (!parent) return root;
  const key = path[path.length - 1];
  const p = parent as Record<string | number, unknown>;
  switch (m.op) {
    case "delete":
      if (Array.isArray(parent)) parent.splice(Number(key), 1);
      else delete p[key];
      break;
    case "replace":
      p[key] = m.value;
      break;
    case "rename":
      if (!Array.isArray(parent)) {
        const v = p[key];
        delete p[key];
        Object.defineProperty(p, m.key, { value: v, enumerable: true, writable: true, configurable: true });
      }
      break;
    case "insert":
      if (Array.isArray(parent)) parent.push(m.value);
      else Object.defineProperty(p, m.key, { value: m.value, enumerable: true, writable: true, configurable: true });
      break;
    case "nest": {
      let v = p[key];
      for (let i = 0; i < m.depth; i++) v = m.asList ? [v] : { v };
      p[key] = v;
      break;
    }
  }
  return root;
}

function serialise(data: unknown, asJson: boolean): string {
  return asJson ? JSON.stringify(data) ?? "null" : YAML.stringify(data, { aliasDuplicateObjects: false });
}

const yamlTokens = fc.constantFrom(
  "a", "name", "workload", "rate", "migration", "strategy", ":", ": ", " ", "  ", "\n", "- ", "[", "]", "{", "}", ",",
  "&x ", "*x", "!!str ", "!!binary ", "!foo ", "'", '"', "# c", "\t", "1", "1e999", "~", "<<: ", "---\n", "? ", "|", ">",
  "%YAML 1.2\n", "null", "true", "5s", "\\", "\u0000", "é", "\uFEFF",
);

// ---- properties -------------------------------------------------------------

describe("parseScenario never fails with anything but a UsageError", () => {
  it("on random text", () => {
    fc.assert(fc.property(fc.string({ maxLength: 300 }), (text) => void outcome(text)), { numRuns: 300 });
  });

  it("on YAML-shaped token soup", () => {
    fc.assert(fc.property(fc.array(yamlTokens, { maxLength: 60 }), (tokens) => void outcome(tokens.join(""))), { numRuns: 500 });
  });

  it("on random documents (YAML and JSON)", () => {
    fc.assert(
      fc.property(fc.oneof(value, fc.dictionary(fc.string({ maxLength: 10 }), value)), fc.boolean(), (doc, asJson) => void outcome(serialise(doc, asJson))),
      { numRuns: 300 },
    );
  });

  it("on random mutations of valid scenarios", () => {
    const counts = { ok: 0, usage: 0 };
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: EXAMPLE_DOCS.length - 1 }),
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
        fc.boolean(),
        (which, mutations, asJson) => {
          const doc = mutations.reduce((d, m) => mutate(d, m), EXAMPLE_DOCS[which]);
          counts[outcome(serialise(doc, asJson), { randomSeed: () => 5 })]++;
        },
      ),
      { numRuns: 800 },
    );
    // both outcomes must actually occur, or the property tests nothing
    console.info(`mutations: ${counts.ok} valid, ${counts.usage} usage errors`);
    expect(counts.ok).toBeGreaterThan(25);
    expect(counts.usage).toBeGreaterThan(25);
  });

  it("on random --set overrides", () => {
    const segment = fc.oneof(
      fc.constantFrom("workload", "rate", "phases", "0", "1", "5", "migration", "strategy", "plan", "scaleOut", "cluster", "config", "checks", "latency", "faults", "history", "x", ""),
      fc.string({ maxLength: 6 }),
    );
    const override = fc
      .tuple(fc.array(segment, { minLength: 1, maxLength: 4 }), fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom("5000", "false", "~", "[1, 2", "{a: 1}", "2m", "a: b", "")))
      .map(([path, v]) => `${path.join(".")}=${v}`);
    const overrides = fc.array(fc.oneof(override, fc.string({ maxLength: 15 })), { maxLength: 5 });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: EXAMPLES.length - 1 }), overrides, (which, sets) => void outcome(EXAMPLES[which].text, { overrides: sets })),
      { numRuns: 500 },
    );
  });

  it("on pathological inputs", () => {
    const cases = [
      "[".repeat(50_000),
      "a:\n" + Array.from({ length: 200 }, (_, i) => `${" ".repeat(2 * i + 2)}b:`).join("\n"),
      "x: " + "[".repeat(100) + "]".repeat(100),
      "workload:\n  rate: " + "9".repeat(5000),
      'a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n',
      "a: 1\n".repeat(1) + "x".repeat(1024 * 1024 + 1),
      "---\na: 1\n---\nb: 2\n",
      "migration:\n  params: " + "{a: ".repeat(40) + "1" + "}".repeat(40) + "\n",
    ];
    for (const text of cases) expect(outcome(text)).toBe("usage");
  });
});
