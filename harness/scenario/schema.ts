// The scenario as written (input shape): zod schema with defaults and a description
// on every field. Cross-field rules and unit conversion live in normalize.ts.
import { z } from "zod";
import { DURATION_HINT, DURATION_PATTERN } from "./duration.ts";
import { resolveNames, type ResolvedNames, type ScenarioNames } from "./names.ts";
import { parseSlotSelector, SLOT_COUNT } from "./slots.ts";

const MAX_VALUE_BYTES = 16 * 1024 * 1024;
export const MAX_PRIMARIES = 50;
export const MAX_REPLICAS = 5;

/** `identifier [op number|true|false]`, e.g. `lost == 0`, `linearizable`, `p99_spike_ratio < 5` */
export const GATE_PATTERN = /^\s*[A-Za-z_][\w.]*\s*(?:(?:==|!=|<=|>=|<|>)\s*(?:-?\d+(?:\.\d+)?|true|false)\s*)?$/;
/** `migration:50%` */
export const PROGRESS_PATTERN = /^migration:(\d+(?:\.\d+)?)%$/;

const text = (description: string) => z.string().describe(description);

function duration(description: string) {
  return z
    .union([z.number().nonnegative(), z.string().regex(DURATION_PATTERN, { error: `expected ${DURATION_HINT}` })], {
      error: `expected ${DURATION_HINT}`,
    })
    .meta({ description, examples: ["500ms", "5s", "2m"] });
}

function int(min: number, max: number, description: string) {
  return z.number().int().min(min).max(max).describe(description);
}

function slotSelector(description: string) {
  return z
    .union(
      [
        z.number().int().min(0).max(SLOT_COUNT - 1),
        z.string().superRefine((value, ctx) => {
          const parsed = parseSlotSelector(value);
          if (typeof parsed === "object" && !Array.isArray(parsed)) ctx.addIssue({ code: "custom", message: parsed.error });
        }),
      ],
      { error: 'expected all, migrating, other, or slot ranges like "0-1000 2000"' },
    )
    .meta({ description, examples: ["all", "migrating", "other", "0-1000 2000"] });
}

function valueSize(description: string) {
  return z
    .union(
      [
        z.number().int().min(1).max(MAX_VALUE_BYTES),
        z.strictObject({
          min: int(1, MAX_VALUE_BYTES, "smallest value, bytes"),
          max: int(1, MAX_VALUE_BYTES, "largest value, bytes"),
        }),
        z.array(z.number().int().min(1).max(MAX_VALUE_BYTES)).min(1),
      ],
      { error: "expected a size in bytes, { min, max }, or a list of sizes" },
    )
    .describe(`${description}: bytes, { min, max } (uniform), or a list of sizes (one chosen uniformly)`);
}

/** Free-form parameters, validated later by whoever owns them. */
const params = (description: string) => z.record(z.string(), z.unknown()).describe(description);

function enumOf(list: readonly string[], description: string) {
  return z.enum(list as [string, ...string[]]).describe(description);
}

/** The input schema for the given registry names. */
export function makeScenarioSchema(names: ResolvedNames) {
  const cluster = z
    .strictObject({
      provider: z
        .enum(["local", "docker", "external"])
        .default("local")
        .describe("where the cluster runs: local processes, docker containers, or an existing cluster (seeds)"),
      server: enumOf([...names.servers, "custom"], "server from the registry; default valkey-9.1, or custom with serverBin").optional(),
      serverBin: text("path of your own server binary (relative to the scenario file); overrides the registry lookup").min(1).optional(),
      primaries: int(1, MAX_PRIMARIES, "number of primaries").default(3),
      replicas: int(0, MAX_REPLICAS, "replicas per primary").default(1),
      config: z
        .record(z.string(), z.union([z.string(), z.number(), z.boolean()], { error: "expected a string or a number" }))
        .default({})
        .describe('server config overrides, e.g. { appendonly: "no", repl-timeout: 10 }'),
      seeds: z.array(text('"host:port" of a node')).min(1).optional().describe("seed nodes of an existing cluster (provider external only, required there)"),
    })
    .describe("the cluster under test");

  const bigKey = z.strictObject({
    type: z.enum(["hash", "set", "zset", "list"]).describe("Redis type of the big key"),
    count: int(1, 1000, "how many such keys").default(1),
    elements: int(1, 10_000_000, "fields / members / elements per key").default(1000),
    elementSize: int(1, 1024 * 1024, "bytes per element").default(16),
    slots: slotSelector("where the big keys live; default migrating when there is a migration, else all").optional(),
    prefix: text("key name prefix").default("big:"),
  });

  const dataset = z
    .strictObject({
      keys: int(0, 100_000_000, "preloaded string keys (0 allowed)").default(10_000),
      prefix: text("key name prefix").default("key:"),
      valueSize: valueSize("preloaded value size").default(100),
      ttl: z
        .union([z.number().int().nonnegative(), z.string().regex(DURATION_PATTERN, { error: `expected seconds or ${DURATION_HINT}` })], {
          error: `expected seconds or ${DURATION_HINT}`,
        })
        .default(0)
        .describe("expiry of preloaded keys: seconds (number) or a duration string; 0 = none"),
      slots: slotSelector("slots the preloaded keys live in").default("all"),
      bigKeys: z.array(bigKey).default([]).describe("large hashes/sets/zsets/lists (slow to migrate)"),
    })
    .describe("keys loaded before the first phase");

  const rampStep = z.strictObject({
    from: z.number().nonnegative().max(10_000_000).describe("ops/s at the start of the step"),
    to: z.number().nonnegative().max(10_000_000).describe("ops/s at the end of the step"),
    duration: duration("length of the step"),
  });

  const weight = (op: string) => z.number().nonnegative().default(0).describe(`weight of ${op}`);

  const history = z
    .strictObject({
      keys: int(0, 10_000, "keys whose every op is recorded and checked; 0 disables").default(50),
      model: z.enum(["register", "kv-append", "counter", "list-append"]).default("register").describe("what the history keys model"),
      prefix: text("key name prefix of history keys").default("hist:"),
      slots: slotSelector("slots the history keys live in").default("all"),
    })
    .describe("the checked keys (Jepsen-style history)");

  const workload = z
    .strictObject({
      executor: z.enum(["open", "closed"]).default("open").describe("open loop (arrival rate, no coordinated omission) or closed loop"),
      rate: z.number().positive().max(10_000_000).optional().describe("open loop: target ops/s (default 1000)"),
      ramp: z.array(rampStep).min(1).optional().describe("open loop: arrival rate steps instead of a constant rate"),
      connections: int(1, 1000, "connections per worker (closed loop) / pool size per worker (open loop)").default(4),
      pipeline: int(1, 1000, "closed loop pipeline depth").default(1),
      workers: int(1, 64, "worker threads").default(2),
      maxInFlight: int(1, 1_000_000, "open loop cap of ops in flight; arrivals beyond it wait (counted late, their wait inside their latency) and are dropped (counted) only when overdue by more than timeoutMs").default(1000),
      ratio: z
        .string()
        .regex(/^\s*\d+\s*:\s*\d+\s*$/, { error: 'expected SET:GET weights like "1:10"' })
        .optional()
        .describe('SET:GET ratio like memtier --ratio (default "1:10")'),
      mix: z
        .strictObject({
          set: weight("SET"),
          get: weight("GET"),
          incr: weight("INCR"),
          append: weight("APPEND"),
          mset: weight("MSET"),
          mget: weight("MGET"),
        })
        .optional()
        .describe("operation weights (alternative to ratio)"),
      commands: z
        .array(
          z.union(
            [
              text("command template").min(1),
              z.strictObject({
                template: text("command template, e.g. HSET __key__ f __data__").min(1),
                weight: z.number().positive().default(1).describe("relative weight, same units as mix"),
              }),
            ],
            { error: "expected a command template string or { template, weight }" },
          ),
        )
        .default([])
        .describe("extra command templates (__key__, __data__), weight 1 each unless given"),
      keyPattern: z.enum(["uniform", "gaussian", "zipf", "sequential"]).default("uniform").describe("how keys are picked"),
      keySpace: int(1, 1_000_000_000, "distinct keys the workload touches (default dataset.keys, or 1000 when that is 0)").optional(),
      slots: slotSelector("slots the workload's keys sit in").default("all"),
      valueSize: valueSize("written value size (default dataset.valueSize)").optional(),
      windowMs: duration("metrics window, 100ms..60s").default(1000),
      timeoutMs: duration("per-op command timeout").default(2000),
      history: history.prefault({}),
    })
    .describe("the client load");

  const phase = z.strictObject({
    name: text("phase name (letters, digits, . _ -)")
      .min(1)
      .max(64)
      .regex(/^[A-Za-z0-9_.-]+$/, { error: "a phase name uses letters, digits, . _ - only" }),
    duration: duration("fixed length of the phase").optional(),
    until: z.enum(["migration-done"]).optional().describe("end the phase when this happens (instead of a duration)"),
    timeout: duration("bound of an until phase (default migration.timeout)").optional(),
    migration: z.enum(["start"]).optional().describe("start the migration when this phase starts (default: the until phase)"),
  });

  const move = z.strictObject({
    slots: z
      .union([z.number().int().min(0).max(SLOT_COUNT - 1), z.string()], { error: 'expected slot ranges like "0-1000 2000"' })
      .describe('slot ranges, e.g. "0-1000 2000"'),
    from: text("source node: primary:N or a node id"),
    to: text("target node: primary:N, new:N, or a node id"),
  });

  const migration = z
    .strictObject({
      strategy: enumOf(names.strategies, "migration strategy").default("atomic"),
      plan: z
        .strictObject({
          scaleOut: int(1, MAX_PRIMARIES, "add K primaries and move slots to them evenly").optional(),
          scaleIn: int(1, MAX_PRIMARIES - 1, "empty K primaries and remove them").optional(),
          moves: z.array(move).min(1).optional().describe("explicit moves"),
        })
        .default({ scaleOut: 1 })
        .describe("exactly one of scaleOut, scaleIn, moves"),
      params: params("strategy parameters, validated by the strategy").default({}),
      command: text("shell command for strategy command").min(1).optional(),
      timeout: duration("bound of the whole migration").default("5m"),
    })
    .describe("the slot migration under test; absent or empty = none, {} = all defaults (atomic, scaleOut 1)");

  const fault = z.strictObject({
    at: z
      .union(
        [
          z.number().nonnegative(),
          z.string().superRefine((value, ctx) => {
            if (DURATION_PATTERN.test(value)) return;
            const m = PROGRESS_PATTERN.exec(value);
            if (m && Number(m[1]) <= 100) return;
            ctx.addIssue({ code: "custom", message: `expected ${DURATION_HINT}, or a migration point like "migration:50%"` });
          }),
        ],
        { error: `expected ${DURATION_HINT}, or "migration:50%"` },
      )
      .meta({ description: 'when: time since the first phase starts, or "migration:50%" (share of planned slots moved)', examples: ["10s", "migration:50%"] }),
    kind: enumOf(names.faultKinds, "fault kind (nemesis)"),
    target: text("node (primary:0, replica:0:1, new:0) or a nemesis-specific target").min(1).optional(),
    duration: duration("how long before the fault is healed").optional(),
    params: params("nemesis parameters").default({}),
  });

  const latencyParams = z
    .looseObject({
      baselinePhase: text("phase whose latency is the reference (default baseline, else the first phase)").optional(),
      factor: z.number().positive().optional().describe("allowed p99 growth over the baseline (default 5)"),
      floorMs: z.number().nonnegative().optional().describe("p99 below this never fails (default 5)"),
    })
    .describe("latency checker parameters");

  const checkShape: Record<string, z.ZodType> = {};
  for (const name of names.checks) {
    checkShape[name] = z
      .union([z.boolean(), name === "latency" ? latencyParams : params(`${name} parameters`)], {
        error: "expected true, false, or a mapping of parameters",
      })
      .optional()
      .describe(`${name} checker: parameters, or false to disable`);
  }

  const checks = z
    .union([z.array(enumOf(names.checks, "checker")), z.strictObject(checkShape)], {
      error: "expected a list of checker names or a mapping name → parameters | false",
    })
    .describe("checkers: a list of names, or name → parameters | false (unlisted defaults stay on)");

  const gate = z
    .string()
    .regex(GATE_PATTERN, { error: 'a gate is identifier [op number], e.g. "lost == 0", "linearizable", "p99_spike_ratio < 5"' });

  return z
    .strictObject({
      $schema: text("JSON Schema reference for editors (ignored)").optional(),
      name: text("scenario name (default: the file's base name)").min(1).max(200).optional(),
      description: text("what the scenario is for").optional(),
      seed: z.number().int().min(0).optional().describe("makes the workload reproducible (default: random, recorded)"),
      deadline: duration("global bound for the whole run").default("15m"),
      cluster: cluster.prefault({}),
      dataset: dataset.prefault({}),
      workload: workload.prefault({}),
      phases: z
        .array(phase)
        .min(1)
        .optional()
        .describe("phases on one clock; default baseline 5s, migrate until migration-done, cooldown 5s"),
      migration: migration.optional(),
      faults: z.array(fault).default([]).describe("fault timeline"),
      checks: checks.optional(),
      gates: z.array(gate).default([]).describe('exit-code gates, e.g. "lost == 0", "linearizable"'),
    })
    .describe(
      "A slotproof scenario: one run of a cluster, a load, a migration and faults, and what must hold. Top-level keys starting with x- are ignored (use them for YAML anchors).",
    );
}

export type ScenarioSchema = ReturnType<typeof makeScenarioSchema>;
/** The scenario as written, with schema defaults applied (durations not yet converted). */
export type ScenarioInput = z.output<ScenarioSchema>;

const schemaCache = new Map<string, ScenarioSchema>();

/** The (cached) input schema for these registry names. */
export function scenarioSchema(names: ScenarioNames = {}): ScenarioSchema {
  const resolved = resolveNames(names);
  const key = JSON.stringify(resolved);
  let schema = schemaCache.get(key);
  if (!schema) {
    schema = makeScenarioSchema(resolved);
    schemaCache.set(key, schema);
  }
  return schema;
}

/** JSON Schema (draft 2020-12) of the scenario file, for editor completion (`slotproof schema`). */
export function scenarioJsonSchema(names: ScenarioNames = {}): Record<string, unknown> {
  const schema = z.toJSONSchema(scenarioSchema(names), { io: "input", unrepresentable: "any" });
  // top-level `x-…` keys are ignored by the loader (a place for YAML anchors)
  return { ...schema, title: "slotproof scenario", patternProperties: { "^x-": {} } };
}
