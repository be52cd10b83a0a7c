import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { UsageError } from "../errors.ts";
import { clusterSpecOf, loadScenarioFile, parseScenario, scenarioJsonSchema, type ParseOptions } from "./index.ts";

const FIVE_LINES = `cluster: { primaries: 3 }
workload: { rate: 500 }
migration:
  strategy: atomic
  plan: { scaleOut: 1 }
`;

/** The UsageError message parseScenario throws (fails the test when it does not throw one). */
function errorOf(text: string, options: ParseOptions = {}): string {
  try {
    parseScenario(text, { fileName: "s.yaml", ...options });
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as Error).message;
  }
  throw new Error(`expected a UsageError for:\n${text}`);
}

describe("defaults", () => {
  it("fills every default of the five-line scenario", () => {
    const s = parseScenario(FIVE_LINES, { fileName: "dir/five.yaml", randomSeed: () => 1234 });
    expect(s.name).toBe("five");
    expect(s.seed).toBe(1234);
    expect(s.seedGenerated).toBe(true);
    expect(s.deadlineMs).toBe(15 * 60_000);
    expect(s.cluster).toEqual({ provider: "local", server: "valkey-9.1", primaries: 3, replicas: 1, config: {}, seeds: [] });
    expect(s.dataset).toEqual({
      keys: 10_000,
      prefix: "key:",
      valueSize: { kind: "fixed", bytes: 100 },
      ttlSeconds: 0,
      slots: "all",
      bigKeys: [],
    });
    expect(s.workload).toMatchObject({
      executor: "open",
      rate: 500,
      connections: 4,
      pipeline: 1,
      workers: 2,
      maxInFlight: 1000,
      mix: { set: 1, get: 10, incr: 0, append: 0, mset: 0, mget: 0 },
      commands: [],
      keyPattern: "uniform",
      keySpace: 10_000,
      slots: "all",
      valueSize: { kind: "fixed", bytes: 100 },
      windowMs: 1000,
      timeoutMs: 2000,
      history: { keys: 50, model: "register", prefix: "hist:", slots: "all" },
    });
    expect(s.workload.ramp).toBeUndefined();
    expect(s.phases).toEqual([
      { name: "baseline", durationMs: 5000, startsMigration: false },
      { name: "migrate", until: "migration-done", timeoutMs: 300_000, startsMigration: true },
      { name: "cooldown", durationMs: 5000, startsMigration: false },
    ]);
    expect(s.migration).toEqual({ strategy: "atomic", plan: { scaleOut: 1 }, params: {}, timeoutMs: 300_000 });
    expect(s.faults).toEqual([]);
    expect(s.checks).toEqual({
      linearizable: {},
      completeness: {},
      topology: {},
      latency: { baselinePhase: "baseline", factor: 5, floorMs: 5 },
    });
    expect(s.gates).toEqual([]);
    expect(s.document).toEqual({
      cluster: { primaries: 3 },
      workload: { rate: 500 },
      migration: { strategy: "atomic", plan: { scaleOut: 1 } },
    });
  });

  it("draws a fresh seed when none is given and keeps a given one", () => {
    const seeds = new Set(Array.from({ length: 5 }, () => parseScenario("{}").seed));
    expect(seeds.size).toBeGreaterThan(1);
    const s = parseScenario("seed: 42\n", { randomSeed: () => 1 });
    expect([s.seed, s.seedGenerated]).toEqual([42, false]);
  });

  it("runs an empty file as a steady load without migration", () => {
    const s = parseScenario("", { fileName: "empty.yml" });
    expect(s.name).toBe("empty");
    expect(s.migration).toBeUndefined();
    expect(s.phases.map((p) => [p.name, p.durationMs])).toEqual([
      ["baseline", 5000],
      ["steady", 10_000],
    ]);
  });

  it("treats an empty section as its defaults", () => {
    const s = parseScenario("dataset:\nworkload:\n  history:\n");
    expect(s.dataset.keys).toBe(10_000);
    expect(s.workload.history.keys).toBe(50);
  });

  it("converts durations, sizes, slots and ratios", () => {
    const s = parseScenario(`
deadline: 1h30m
dataset: { keys: 0, ttl: 2m, valueSize: { min: 10, max: 20 }, slots: "100-200, 0-10 11" }
workload:
  ramp: [ { from: 10, to: 100, duration: 1.5s }, { from: 100, to: 100, duration: 2000 } ]
  ratio: " 3 : 1 "
  valueSize: [8, 16]
  windowMs: 500ms
  timeoutMs: 1s
  commands: [ "HSET __key__ f __data__", { template: "PING", weight: 0.5 } ]
faults: [ { at: 1m, kind: pause, target: replica:2:0, duration: 2s } ]
`);
    expect(s.deadlineMs).toBe(5_400_000);
    expect(s.dataset.ttlSeconds).toBe(120);
    expect(s.dataset.valueSize).toEqual({ kind: "range", min: 10, max: 20 });
    expect(s.dataset.slots).toEqual([
      [0, 11],
      [100, 200],
    ]);
    expect(s.workload.keySpace).toBe(1000);
    expect(s.workload.rate).toBeUndefined();
    expect(s.workload.ramp).toEqual([
      { from: 10, to: 100, durationMs: 1500 },
      { from: 100, to: 100, durationMs: 2000 },
    ]);
    expect(s.workload.mix).toMatchObject({ set: 3, get: 1 });
    expect(s.workload.valueSize).toEqual({ kind: "list", sizes: [8, 16] });
    expect([s.workload.windowMs, s.workload.timeoutMs]).toEqual([500, 1000]);
    expect(s.workload.commands).toEqual([
      { template: "HSET __key__ f __data__", weight: 1 },
      { template: "PING", weight: 0.5 },
    ]);
    expect(s.faults).toEqual([{ kind: "pause", target: "replica:2:0", atMs: 60_000, durationMs: 2000, params: {} }]);
  });

  it("starts the migration at the flagged phase and bounds until phases by the migration timeout", () => {
    const s = parseScenario(`
migration: { strategy: legacy, timeout: 3m }
phases:
  - { name: warm, duration: 2s, migration: start }
  - { name: wait, until: migration-done }
faults: [ { at: "migration:25%", kind: kill, target: primary:2 } ]
checks: { latency: { factor: 2 }, topology: false }
`);
    expect(s.phases.map((p) => p.startsMigration)).toEqual([true, false]);
    expect(s.phases[1].timeoutMs).toBe(180_000);
    expect(s.faults[0].atProgress).toBe(0.25);
    expect(s.faults[0].atMs).toBeUndefined();
    expect(s.checks).toEqual({
      linearizable: {},
      completeness: {},
      latency: { baselinePhase: "warm", factor: 2, floorMs: 5 },
    });
  });

  it("accepts a list of checker names as the only checks", () => {
    expect(Object.keys(parseScenario("checks: [linearizable, completeness]\n").checks)).toEqual(["linearizable", "completeness"]);
  });

  it("ignores top-level x- keys, so anchors have a home", () => {
    const s = parseScenario("x-rate: &r 777\nworkload: { rate: *r }\n");
    expect(s.workload.rate).toBe(777);
  });

  it("accepts JSON", () => {
    const s = parseScenario(JSON.stringify({ name: "j", migration: { strategy: "throttled", plan: { scaleIn: 1 } } }), { fileName: "j.json" });
    expect(s.migration?.plan).toEqual({ scaleIn: 1 });
  });

  it("reads an empty migration section as no migration, and {} as all defaults", () => {
    expect(parseScenario("migration:\n").migration).toBeUndefined();
    expect(parseScenario("migration: {}\n").migration?.strategy).toBe("atomic");
  });

  it("gives the provider its cluster spec", () => {
    const s = parseScenario("cluster: { primaries: 4, replicas: 0, config: { appendonly: no } }\n");
    expect(clusterSpecOf(s.cluster)).toEqual({ server: "valkey-9.1", primaries: 4, replicasPerPrimary: 0, config: { appendonly: "no" } });
  });

  it("maps booleans in server config to yes/no", () => {
    expect(parseScenario("cluster: { config: { appendonly: true, save: '' } }\n").cluster.config).toEqual({ appendonly: "yes", save: "" });
  });

  it("uses injected registry names", () => {
    const names = { strategies: ["atomic", "mine"], faultKinds: ["wobble"] };
    const s = parseScenario("migration: { strategy: mine }\nfaults: [ { at: 1s, kind: wobble } ]\n", names);
    expect(s.migration?.strategy).toBe("mine");
    expect(errorOf("migration: { strategy: legacy }\n", names)).toBe(
      's.yaml:1:24: migration.strategy: unknown value "legacy"; allowed: atomic, mine',
    );
  });
});

describe("error messages", () => {
  it("suggests the closest strategy for a typo", () => {
    expect(errorOf("migration:\n  strategy: atomc\n")).toBe(
      's.yaml:2:13: migration.strategy: unknown value "atomc"; allowed: legacy, throttled, atomic, command — did you mean "atomic"?',
    );
  });

  it("suggests the closest key for an unknown key, at the key's position", () => {
    expect(errorOf("name: x\nworkloa:\n  rate: 5\n")).toBe('s.yaml:2:1: workloa: unknown key "workloa" — did you mean "workload"?');
    expect(errorOf("workload:\n  hist0ry: { keys: 1 }\n")).toBe(
      's.yaml:2:3: workload.hist0ry: unknown key "hist0ry" — did you mean "history"?',
    );
  });

  it("lists the allowed keys when nothing is close", () => {
    expect(errorOf("cluster: { zzzzzzzz: 1 }\n")).toMatch(
      /^s\.yaml:1:12: cluster\.zzzzzzzz: unknown key "zzzzzzzz"; allowed keys: provider, server, serverBin, primaries, replicas, config, seeds$/,
    );
  });

  it("names the expected type and the value given", () => {
    expect(errorOf("workload:\n  rate: fast\n")).toBe('s.yaml:2:9: workload.rate: expected a number, got "fast"');
    expect(errorOf("phases: nope\n")).toBe('s.yaml:1:9: phases: expected a list, got "nope"');
    expect(errorOf("seed: 1.5\n")).toBe("s.yaml:1:7: seed: expected an integer, got 1.5");
  });

  it("names the bound of an out-of-range number", () => {
    expect(errorOf("cluster:\n  primaries: 51\n")).toBe("s.yaml:2:14: cluster.primaries: must be <= 50, got 51");
    expect(errorOf("cluster:\n  replicas: -1\n")).toBe("s.yaml:2:13: cluster.replicas: must be >= 0, got -1");
    expect(errorOf("workload: { windowMs: 50 }\n")).toBe("s.yaml:1:23: workload.windowMs: must be between 100ms and 60s, got 50ms");
  });

  it("explains a union from the branch the value's type matches", () => {
    expect(errorOf("dataset:\n  valueSize: { min: 1, max: big }\n")).toBe(
      's.yaml:2:29: dataset.valueSize.max: expected a number, got "big"',
    );
    expect(errorOf("dataset:\n  valueSize: true\n")).toBe(
      "s.yaml:2:14: dataset.valueSize: expected a size in bytes, { min, max }, or a list of sizes, got true",
    );
    expect(errorOf("deadline: 5 minutes\n")).toBe(
      's.yaml:1:11: deadline: expected a duration like "500ms", "5s", "2m", "1h30m" or a number of milliseconds, got "5 minutes"',
    );
  });

  it("reports a missing required field at its parent", () => {
    expect(errorOf("dataset:\n  bigKeys:\n    - { count: 2 }\n")).toBe("s.yaml:3:7: dataset.bigKeys.0.type: is required; allowed: hash, set, zset, list");
  });

  it("gives line and column of YAML syntax errors", () => {
    expect(errorOf("name: x\nworkload: { rate: 5\ncluster: {}\n")).toMatch(/^s\.yaml:3:1: YAML syntax error: /);
    expect(errorOf("a: 1\na: 2\n")).toBe("s.yaml:2:1: YAML syntax error: Map keys must be unique");
    expect(errorOf("name: x\n\tcluster: {}\n")).toMatch(/^s\.yaml:2:1: YAML syntax error: Tabs are not allowed/);
    expect(errorOf("workload: { rate: *nothing }\n")).toMatch(/^s\.yaml:1:19: alias \*nothing has no anchor/);
  });

  it("reports every problem at once, in document order", () => {
    const message = errorOf("cluster:\n  primaries: 0\nworkloa: {}\nmigration: { strategy: atomc }\n");
    expect(message.split("\n")).toEqual([
      "s.yaml: 3 problems in the scenario:",
      "  s.yaml:2:14: cluster.primaries: must be >= 1, got 0",
      '  s.yaml:3:1: workloa: unknown key "workloa" — did you mean "workload"?',
      '  s.yaml:4:24: migration.strategy: unknown value "atomc"; allowed: legacy, throttled, atomic, command — did you mean "atomic"?',
    ]);
  });

  it("caps the list at ten and counts the rest", () => {
    const text = Array.from({ length: 14 }, (_, i) => `bad${i}: 1`).join("\n");
    const lines = errorOf(text).split("\n");
    expect(lines[0]).toBe("s.yaml: 14 problems in the scenario:");
    expect(lines).toHaveLength(12);
    expect(lines[11]).toBe("  … and 4 more");
  });

  it("rejects a document that is not a mapping", () => {
    expect(errorOf("- a\n- b\n")).toBe("s.yaml:1:1: a scenario is a mapping of fields (name, cluster, workload, migration, …), got a list of 2");
  });

  it("checks rules that span fields", () => {
    const cases: Array<[string, string]> = [
      ["phases: [ { name: m, until: migration-done } ]\n", "phases.0.until: waits for a migration, but the scenario has no migration section"],
      ["migration: {}\nphases: [ { name: a, duration: 1s } ]\n", "phases: no phase starts the migration; add until: migration-done or migration: start to a phase"],
      ["migration: {}\nphases: [ { name: a, duration: 1s, until: migration-done } ]\n", "phases.0: give either duration or until, not both"],
      ["migration: {}\nphases: [ { name: a, duration: 1s }, { name: a, until: migration-done } ]\n", 'phases.1.name: "a" is already the name of phases.0'],
      ["migration: { plan: { scaleIn: 3 } }\n", "migration.plan.scaleIn: 3 would remove every primary; the cluster has 3"],
      ["migration: { plan: { scaleIn: 1, scaleOut: 1 } }\n", "migration.plan: give exactly one of scaleOut, scaleIn, moves (got scaleOut and scaleIn)"],
      ["migration: { strategy: command }\n", "migration.command: is required for strategy command (the shell command that migrates)"],
      ["migration: { strategy: throttled, params: { adaptive: { p99BudgetFactor: 3 } } }\nphases: [ { name: m, until: migration-done } ]\n", "migration.params.adaptive.p99BudgetFactor: is relative to the baseline p99, but the migration starts in the first phase (m); add a phase before it, or give p99BudgetMs"],
      ['migration: { plan: { moves: [ { slots: "10-5", from: primary:0, to: new:0 } ] } }\n', 'migration.plan.moves.0.slots: range "10-5" runs backwards; write 5-10'],
      ['migration: { plan: { moves: [ { slots: 1, from: primary:9, to: new:0 } ] } }\n', 'migration.plan.moves.0.from: "primary:9" does not exist; the cluster has 3 primaries (primary:0..primary:2)'],
      ["dataset: { slots: migrating }\n", "dataset.slots: migrating slots need a migration section (there is none)"],
      ["workload: { ratio: '1:1', mix: { get: 1 } }\n", "workload.mix: give either ratio or mix, not both"],
      ["workload: { mix: { get: 0 } }\n", "workload.mix: every weight is 0 and there are no commands; the workload would send nothing"],
      ["workload: { commands: [ 'SET __kye__ __data__' ] }\n", 'workload.commands.0: unknown placeholder __kye__; allowed: __key__, __data__ — did you mean "__key__"?'],
      ["workload: { executor: closed, rate: 5 }\n", "workload.rate: applies to the open-loop executor; the closed loop runs as fast as connections × pipeline allow"],
      ["cluster: { provider: external }\n", 'cluster.seeds: is required for provider external: list "host:port" of cluster nodes'],
      ["cluster: { provider: external, seeds: ['10.0.0.1:6379'] }\n", 'cluster.seeds.0: "10.0.0.1:6379" is not a loopback address; only 127.0.0.0/8, localhost and ::1 may be targets'],
      ["cluster: { seeds: ['127.0.0.1:7000'] }\n", "cluster.seeds: applies only to provider external (provider is local)"],
      ["cluster: { config: { port: 7000 } }\n", "cluster.config.port: is managed by the harness and cannot be set"],
      ["faults: [ { at: 1s, kind: kill, target: primary:3 } ]\n", 'faults.0.target: "primary:3" does not exist; the cluster has 3 primaries (primary:0..primary:2)'],
      ["faults: [ { at: 'migration:50%', kind: kill } ]\n", 'faults.0.at: "migration:50%" is a migration point, but the scenario has no migration section'],
      ["deadline: 20m\nfaults: [ { at: 30m, kind: kill } ]\n", "faults.0.at: 30m is past the deadline (20m); the fault would never happen"],
      ["deadline: 8s\n", "deadline: is 8s, but the phases alone take 15s"],
      ["checks: { latency: { baselinePhase: basline } }\n", 'checks.latency.baselinePhase: no phase is called "basline"; phases: baseline, steady — did you mean "baseline"?'],
      ["checks: [ linearizible ]\n", 'checks.0: unknown value "linearizible"; allowed: linearizable, completeness, topology, latency — did you mean "linearizable"?'],
      ["checks: { toplogy: false }\n", 'checks.toplogy: unknown key "toplogy" — did you mean "topology"?'],
      ["gates: [ 'p99 <' ]\n", 'gates.0: a gate is identifier [op number], e.g. "lost == 0", "linearizable", "p99_spike_ratio < 5", got "p99 <"'],
      ["dataset: { ttl: 500ms }\n", "dataset.ttl: is 500ms; the smallest expiry is 1s (0 = none)"],
      ["workload: { slots: migratng }\n", 'workload.slots: unknown slot selector "migratng"; allowed: all, migrating, other, or ranges like "0-1000 2000" — did you mean "migrating"?'],
      ["workload: { slots: '0-16384' }\n", "workload.slots: slot 16384 is out of range; slots are 0-16383"],
      ["cluster: { server: valkey-9 }\n", 'cluster.server: unknown value "valkey-9"; allowed: valkey-9.1, redis-7.0, custom — did you mean "valkey-9.1"?'],
      ["cluster: { server: custom }\n", "cluster.server: custom needs serverBin (the path of your server binary)"],
      ["workload: { history: { prefix: 'key:' } }\n", 'workload.history.prefix: "key:" is also dataset.prefix; history keys need their own prefix'],
      ["dataset: { bigKeys: [ { type: set, prefix: 'hist:' } ] }\n", 'dataset.bigKeys.0.prefix: "hist:" is already used by other keys; big keys need their own prefix'],
      ["workload: { ramp: [ { from: 1, to: 2 } ] }\n", 'workload.ramp.0.duration: is required; expected a duration like "500ms"'],
    ];
    for (const [text, expected] of cases) {
      const message = errorOf(text);
      expect(message, text).toMatch(/^s\.yaml:\d+:\d+: /);
      expect(message.replace(/^s\.yaml:\d+:\d+: /, ""), text).toContain(expected);
    }
  });

  it("never shows a stack trace", () => {
    for (const text of ["a: [", "cluster: 5", "- x", "workload: { rate: [1, {a: 2}] }"]) {
      expect(errorOf(text)).not.toMatch(/\n\s+at /);
    }
  });
});

describe("--set overrides", () => {
  it("overrides values before validation", () => {
    const s = parseScenario(FIVE_LINES, {
      overrides: ["workload.rate=5000", "migration.strategy=legacy", "checks.linearizable=false", "deadline=20m", "cluster.config.appendonly=no"],
    });
    expect(s.workload.rate).toBe(5000);
    expect(s.migration?.strategy).toBe("legacy");
    expect(Object.keys(s.checks)).toEqual(["completeness", "topology", "latency"]);
    expect(s.deadlineMs).toBe(1_200_000);
    expect(s.cluster.config).toEqual({ appendonly: "no" });
    expect(s.overrides).toHaveLength(5);
    expect((s.document as { workload: { rate: number } }).workload.rate).toBe(5000);
  });

  it("changes list entries by index", () => {
    const s = parseScenario("migration: {}\nphases:\n  - { name: a, duration: 1s }\n  - { name: m, until: migration-done }\n", {
      overrides: ["phases.1.timeout=2m", "phases.0.duration=3s"],
    });
    expect(s.phases.map((p) => p.durationMs ?? p.timeoutMs)).toEqual([3000, 120_000]);
  });

  it("attributes a bad override value to the --set that gave it", () => {
    expect(errorOf(FIVE_LINES, { overrides: ["workload.rate=fast"] })).toBe('--set workload.rate=fast: workload.rate: expected a number, got "fast"');
    expect(errorOf(FIVE_LINES, { overrides: ["workloa.rate=1"] })).toBe('--set workloa.rate=1: workloa: unknown key "workloa" — did you mean "workload"?');
  });

  it("names a bad path", () => {
    expect(errorOf(FIVE_LINES, { overrides: ["phases.1.timeout=2m"] })).toBe(
      "--set phases.1.timeout=2m: phases is not written in the scenario (its default applies), so there is no phases.1 to change; write phases in the file",
    );
    expect(errorOf(FIVE_LINES, { overrides: ["workload.rate.max=3"] })).toBe(
      "--set workload.rate.max=3: workload.rate is 500, not a mapping or a list, so there is no workload.rate.max",
    );
    expect(errorOf(FIVE_LINES, { overrides: ["workload..rate=3"] })).toBe(
      '--set workload..rate=3: "workload..rate" is not a path; write dotted keys like workload.rate or phases.1.timeout',
    );
    expect(errorOf(FIVE_LINES, { overrides: ["workload.rate"] })).toBe("--set workload.rate: expected path=value, e.g. --set workload.rate=5000");
  });
});

describe("files", () => {
  const dir = join(import.meta.dirname, "../../scenarios");
  const files = readdirSync(dir).filter((f) => /\.(ya?ml|json)$/.test(f));

  it("has the smoke scenario", () => {
    expect(files).toContain("smoke.yaml");
  });

  for (const file of files) {
    it(`parses scenarios/${file}`, async () => {
      const s = await loadScenarioFile(join(dir, file));
      expect(s.file).toBe(join(dir, file));
      expect(s.phases.length).toBeGreaterThan(0);
    });
  }

  it("smoke.yaml says what the smoke test needs", async () => {
    const s = await loadScenarioFile(join(dir, "smoke.yaml"));
    expect(s.cluster).toMatchObject({ provider: "local", server: "valkey-9.1", primaries: 3, replicas: 1 });
    expect(s.dataset).toMatchObject({ keys: 2000, valueSize: { kind: "fixed", bytes: 100 } });
    expect(s.workload).toMatchObject({ executor: "open", rate: 1000, history: { keys: 30, model: "register" } });
    expect(s.phases).toEqual([
      { name: "baseline", durationMs: 4000, startsMigration: false },
      { name: "migrate", until: "migration-done", timeoutMs: 120_000, startsMigration: true },
      { name: "cooldown", durationMs: 3000, startsMigration: false },
    ]);
    expect(s.migration).toMatchObject({ strategy: "atomic", plan: { scaleOut: 1 } });
    expect(Object.keys(s.checks).sort()).toEqual(["completeness", "latency", "linearizable", "topology"]);
    expect(s.gates).toEqual(["lost == 0", "linearizable"]);
  });

  it("names the file and line in errors, and resolves serverBin beside the file", async () => {
    const tmp = mkdtempSync(join(tmpdir(), "slotproof-scenario-"));
    try {
      const bad = join(tmp, "bad.yaml");
      writeFileSync(bad, "name: bad\nmigration:\n  strategy: atomc\n");
      await expect(loadScenarioFile(bad)).rejects.toThrow(`${bad}:3:13: migration.strategy: unknown value "atomc"`);
      const good = join(tmp, "good.yaml");
      writeFileSync(good, "cluster: { serverBin: bin/valkey-server }\n");
      const s = await loadScenarioFile(good);
      expect(s.cluster).toMatchObject({ server: "custom", serverBin: join(tmp, "bin/valkey-server") });
      expect(s.name).toBe("good");
      await expect(loadScenarioFile(join(tmp, "missing.yaml"))).rejects.toThrow(/^cannot read scenario .*missing\.yaml: no such file$/);
      await expect(loadScenarioFile(tmp)).rejects.toThrow(/it is a directory/);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});

describe("JSON Schema", () => {
  it("describes every property and lists registry names", () => {
    const schema = scenarioJsonSchema({ strategies: ["atomic", "mine"] });
    const undocumented: string[] = [];
    const walk = (node: unknown, path: string): void => {
      if (!node || typeof node !== "object") return;
      const n = node as Record<string, unknown>;
      for (const [key, value] of Object.entries((n.properties as Record<string, Record<string, unknown>>) ?? {})) {
        if (typeof value.description !== "string") undocumented.push(`${path}.${key}`);
        walk(value, `${path}.${key}`);
      }
      for (const key of ["items", "additionalProperties"]) walk(n[key], `${path}[]`);
      for (const key of ["anyOf", "oneOf", "allOf"]) for (const sub of (n[key] as unknown[]) ?? []) walk(sub, path);
    };
    walk(schema, "");
    expect(undocumented).toEqual([]);
    const strategy = (schema as any).properties.migration.properties.strategy;
    expect(strategy.enum).toEqual(["atomic", "mine"]);
    expect(JSON.parse(JSON.stringify(schema))).toEqual(schema);
  });
});
