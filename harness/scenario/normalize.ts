// ScenarioInput (schema-valid) → Scenario: durations to ms, defaults that depend on
// other fields, and the rules that span fields. Problems carry input paths.
import { isAbsolute, resolve } from "node:path";
import type { PlanSpec } from "../migration/types.ts";
import { formatDuration, parseDuration } from "./duration.ts";
import { DEFAULT_CHECKS, type ResolvedNames } from "./names.ts";
import type { PathSegment, Problem } from "./problems.ts";
import { PROGRESS_PATTERN, type ScenarioInput } from "./schema.ts";
import { parseSlotRanges, parseSlotSelector, type SlotSelector } from "./slots.ts";
import { didYouMean, listNames } from "./suggest.ts";
import type {
  ClusterSection,
  CommandTemplate,
  DatasetSection,
  FaultSpec,
  MigrationSection,
  OpMix,
  Phase,
  Scenario,
  ValueSize,
  WorkloadSection,
} from "./types.ts";

export interface NormalizeContext {
  /** name when the scenario has none (the file's base name) */
  defaultName: string;
  /** where a relative serverBin is resolved from */
  baseDir?: string;
  names: ResolvedNames;
  randomSeed: () => number;
}

type Normalized = Omit<Scenario, "document" | "overrides" | "file">;

/** Server config the harness itself sets; a scenario changing them would break the cluster. */
const MANAGED_CONFIG = ["port", "bind", "cluster-enabled", "cluster-config-file", "daemonize", "dir", "pidfile", "logfile"];
const LOOPBACK = /^(127(?:\.\d{1,3}){3}|localhost|\[::1\]|::1)$/;
const PLACEHOLDERS = ["__key__", "__data__"];
const NODE_ID = /^[0-9a-f]{40}$/;

export function normalizeScenario(input: ScenarioInput, ctx: NormalizeContext): { scenario?: Normalized; problems: Problem[] } {
  const problems: Problem[] = [];
  const problem = (path: PathSegment[], message: string) => problems.push({ path, message });
  const ms = (value: unknown, path: PathSegment[]): number => {
    const v = parseDuration(value);
    if (v === undefined) problem(path, `expected a duration, got ${String(value)}`); // the schema makes this unreachable
    return v ?? 0;
  };
  const hasMigration = input.migration !== undefined;
  const selector = (value: string | number, path: PathSegment[]): SlotSelector => {
    const parsed = parseSlotSelector(value);
    if (typeof parsed === "object" && !Array.isArray(parsed)) {
      problem(path, parsed.error);
      return "all";
    }
    if (parsed === "migrating" && !hasMigration) problem(path, "migrating slots need a migration section (there is none)");
    return parsed;
  };

  const cluster = normalizeCluster(input.cluster, ctx, problem);
  const dataset = normalizeDataset(input.dataset, hasMigration, selector, problem);
  const workload = normalizeWorkload(input.workload, dataset, selector, ms, problem);
  checkPrefixes(dataset, workload, problem);
  const migration = input.migration && normalizeMigration(input.migration, cluster, ms, problem);
  const deadlineMs = ms(input.deadline, ["deadline"]);
  if (deadlineMs <= 0) problem(["deadline"], "must be longer than 0");
  const phases = normalizePhases(input.phases, migration, ms, problem);
  const fixedMs = phases.reduce((sum, p) => sum + (p.durationMs ?? 0), 0);
  if (deadlineMs > 0 && fixedMs >= deadlineMs) {
    problem(["deadline"], `is ${formatDuration(deadlineMs)}, but the phases alone take ${formatDuration(fixedMs)}`);
  }
  const faults = normalizeFaults(input.faults, cluster, migration, deadlineMs, ms, problem);
  const checks = normalizeChecks(input.checks, phases, ctx.names, problem);

  if (problems.length > 0) return { problems };
  return {
    problems,
    scenario: {
      name: input.name ?? ctx.defaultName,
      ...(input.description !== undefined && { description: input.description }),
      seed: input.seed ?? ctx.randomSeed(),
      seedGenerated: input.seed === undefined,
      deadlineMs,
      cluster,
      dataset,
      workload,
      phases,
      ...(migration && { migration }),
      faults,
      checks,
      gates: input.gates.map((g) => g.trim()),
    },
  };
}

type Report = (path: PathSegment[], message: string) => void;
type Ms = (value: unknown, path: PathSegment[]) => number;
type Selector = (value: string | number, path: PathSegment[]) => SlotSelector;

function normalizeCluster(c: ScenarioInput["cluster"], ctx: NormalizeContext, problem: Report): ClusterSection {
  const server = c.server ?? (c.serverBin ? "custom" : "valkey-9.1");
  if (server === "custom" && !c.serverBin) problem(["cluster", "server"], "custom needs serverBin (the path of your server binary)");
  let serverBin = c.serverBin;
  if (serverBin && !isAbsolute(serverBin) && ctx.baseDir) serverBin = resolve(ctx.baseDir, serverBin);

  const config: Record<string, string | number> = {};
  for (const [key, value] of Object.entries(c.config)) {
    if (MANAGED_CONFIG.includes(key)) problem(["cluster", "config", key], `is managed by the harness and cannot be set (managed: ${MANAGED_CONFIG.join(", ")})`);
    config[key] = typeof value === "boolean" ? (value ? "yes" : "no") : value;
  }

  const seeds = c.seeds ?? [];
  if (c.provider === "external") {
    if (seeds.length === 0) problem(["cluster", "seeds"], 'is required for provider external: list "host:port" of cluster nodes');
    seeds.forEach((seed, i) => {
      const m = /^(.+):(\d{1,5})$/.exec(seed);
      if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535) problem(["cluster", "seeds", i], `"${seed}" is not host:port`);
      else if (!LOOPBACK.test(m[1])) problem(["cluster", "seeds", i], `"${seed}" is not a loopback address; only 127.0.0.0/8, localhost and ::1 may be targets`);
    });
  } else if (c.seeds !== undefined) {
    problem(["cluster", "seeds"], `applies only to provider external (provider is ${c.provider})`);
  }
  return {
    provider: c.provider,
    server,
    ...(serverBin !== undefined && { serverBin }),
    primaries: c.primaries,
    replicas: c.replicas,
    config,
    seeds,
  };
}

function valueSizeOf(v: number | { min: number; max: number } | number[], path: PathSegment[], problem: Report): ValueSize {
  if (typeof v === "number") return { kind: "fixed", bytes: v };
  if (Array.isArray(v)) return { kind: "list", sizes: [...v] };
  if (v.min > v.max) problem([...path, "min"], `min ${v.min} is larger than max ${v.max}`);
  return { kind: "range", min: v.min, max: v.max };
}

function normalizeDataset(d: ScenarioInput["dataset"], hasMigration: boolean, selector: Selector, problem: Report): DatasetSection {
  let ttlSeconds = 0;
  if (typeof d.ttl === "number") ttlSeconds = d.ttl;
  else {
    const ttlMs = parseDuration(d.ttl) ?? 0;
    if (ttlMs > 0 && ttlMs < 1000) problem(["dataset", "ttl"], `is ${formatDuration(ttlMs)}; the smallest expiry is 1s (0 = none)`);
    ttlSeconds = Math.round(ttlMs / 1000);
  }
  return {
    keys: d.keys,
    prefix: d.prefix,
    valueSize: valueSizeOf(d.valueSize, ["dataset", "valueSize"], problem),
    ttlSeconds,
    slots: selector(d.slots, ["dataset", "slots"]),
    bigKeys: d.bigKeys.map((b, i) => ({
      type: b.type,
      count: b.count,
      elements: b.elements,
      elementSize: b.elementSize,
      slots: selector(b.slots ?? (hasMigration ? "migrating" : "all"), ["dataset", "bigKeys", i, "slots"]),
      prefix: b.prefix,
    })),
  };
}

function normalizeWorkload(
  w: ScenarioInput["workload"],
  dataset: DatasetSection,
  selector: Selector,
  ms: Ms,
  problem: Report,
): WorkloadSection {
  const open = w.executor === "open";
  if (!open && w.rate !== undefined) problem(["workload", "rate"], "applies to the open-loop executor; the closed loop runs as fast as connections × pipeline allow");
  if (!open && w.ramp !== undefined) problem(["workload", "ramp"], "applies to the open-loop executor (executor is closed)");
  if (w.rate !== undefined && w.ramp !== undefined) problem(["workload", "ramp"], "give either rate or ramp, not both");
  const ramp = w.ramp?.map((s, i) => ({ from: s.from, to: s.to, durationMs: ms(s.duration, ["workload", "ramp", i, "duration"]) }));
  ramp?.forEach((s, i) => {
    if (s.durationMs <= 0) problem(["workload", "ramp", i, "duration"], "must be longer than 0");
  });
  if (ramp && ramp.every((s) => s.from === 0 && s.to === 0)) problem(["workload", "ramp"], "every step has rate 0; the workload would send nothing");

  let mix: OpMix;
  if (w.ratio !== undefined && w.mix !== undefined) {
    problem(["workload", "mix"], "give either ratio or mix, not both");
  }
  if (w.mix) mix = { ...w.mix };
  else {
    const [set, get] = (w.ratio ?? "1:10").split(":").map((n) => Number(n.trim()));
    mix = { set, get, incr: 0, append: 0, mset: 0, mget: 0 };
  }

  const commands: CommandTemplate[] = w.commands.map((c, i) => {
    const template = typeof c === "string" ? c.trim() : c.template.trim();
    const path: PathSegment[] = typeof c === "string" ? ["workload", "commands", i] : ["workload", "commands", i, "template"];
    if (template.length === 0) problem(path, "must not be empty");
    for (const [placeholder] of template.matchAll(/__[A-Za-z0-9]+__/g)) {
      if (!PLACEHOLDERS.includes(placeholder)) {
        problem(path, `unknown placeholder ${placeholder}; allowed: ${PLACEHOLDERS.join(", ")}${didYouMean(placeholder, PLACEHOLDERS)}`);
      }
    }
    return { template, weight: typeof c === "string" ? 1 : c.weight };
  });
  const totalWeight = Object.values(mix).reduce((a, b) => a + b, 0) + commands.reduce((a, c) => a + c.weight, 0);
  if (totalWeight <= 0) problem(["workload", w.mix ? "mix" : "ratio"], "every weight is 0 and there are no commands; the workload would send nothing");

  const windowMs = ms(w.windowMs, ["workload", "windowMs"]);
  if (windowMs < 100 || windowMs > 60_000) problem(["workload", "windowMs"], `must be between 100ms and 60s, got ${formatDuration(windowMs)}`);
  const timeoutMs = ms(w.timeoutMs, ["workload", "timeoutMs"]);
  if (timeoutMs < 1 || timeoutMs > 600_000) problem(["workload", "timeoutMs"], `must be between 1ms and 10m, got ${formatDuration(timeoutMs)}`);

  return {
    executor: w.executor,
    ...(open && !ramp && { rate: w.rate ?? 1000 }),
    ...(open && ramp && { ramp }),
    connections: w.connections,
    pipeline: w.pipeline,
    workers: w.workers,
    maxInFlight: w.maxInFlight,
    mix,
    commands,
    keyPattern: w.keyPattern,
    keySpace: w.keySpace ?? (dataset.keys > 0 ? dataset.keys : 1000),
    slots: selector(w.slots, ["workload", "slots"]),
    valueSize: w.valueSize === undefined ? dataset.valueSize : valueSizeOf(w.valueSize, ["workload", "valueSize"], problem),
    windowMs,
    timeoutMs,
    history: {
      keys: w.history.keys,
      model: w.history.model,
      prefix: w.history.prefix,
      slots: selector(w.history.slots, ["workload", "history", "slots"]),
    },
  };
}

/** Key families must not share names: a checked key written by the plain load breaks the check. */
function checkPrefixes(dataset: DatasetSection, workload: WorkloadSection, problem: Report): void {
  if (workload.history.keys > 0 && workload.history.prefix === dataset.prefix) {
    problem(["workload", "history", "prefix"], `"${dataset.prefix}" is also dataset.prefix; history keys need their own prefix`);
  }
  dataset.bigKeys.forEach((b, i) => {
    if (b.prefix === dataset.prefix || (workload.history.keys > 0 && b.prefix === workload.history.prefix)) {
      problem(["dataset", "bigKeys", i, "prefix"], `"${b.prefix}" is already used by other keys; big keys need their own prefix`);
    }
  });
}

/** `primary:N`, `new:N`, a 40-hex node id, or a loopback host:port */
function checkNodeRef(ref: string, cluster: ClusterSection, path: PathSegment[], problem: Report, allowNew: boolean): void {
  const m = /^(primary|new):(\d+)$/.exec(ref);
  if (m) {
    if (m[1] === "new" && !allowNew) problem(path, `"${ref}" is not in the cluster yet; a move's source is an existing primary`);
    if (m[1] === "primary" && cluster.provider !== "external" && Number(m[2]) >= cluster.primaries) {
      problem(path, `"${ref}" does not exist; the cluster has ${cluster.primaries} primaries (primary:0..primary:${cluster.primaries - 1})`);
    }
    return;
  }
  if (NODE_ID.test(ref) || /^[^\s:]+:\d{1,5}$/.test(ref)) return;
  problem(path, `"${ref}" is not a node; write primary:N${allowNew ? ", new:N" : ""}, a node id, or host:port`);
}

function normalizeMigration(m: NonNullable<ScenarioInput["migration"]>, cluster: ClusterSection, ms: Ms, problem: Report): MigrationSection {
  const base: PathSegment[] = ["migration"];
  const given = (["scaleOut", "scaleIn", "moves"] as const).filter((k) => m.plan[k] !== undefined);
  if (given.length !== 1) {
    problem([...base, "plan"], given.length === 0 ? "needs one of scaleOut, scaleIn, moves" : `give exactly one of scaleOut, scaleIn, moves (got ${given.join(" and ")})`);
  }
  const plan: PlanSpec = {};
  if (m.plan.scaleOut !== undefined) {
    plan.scaleOut = m.plan.scaleOut;
    if (cluster.primaries + m.plan.scaleOut > 50) problem([...base, "plan", "scaleOut"], `${cluster.primaries} + ${m.plan.scaleOut} primaries is more than 50`);
  }
  if (m.plan.scaleIn !== undefined) {
    plan.scaleIn = m.plan.scaleIn;
    if (cluster.provider !== "external" && m.plan.scaleIn >= cluster.primaries) {
      problem([...base, "plan", "scaleIn"], `${m.plan.scaleIn} would remove every primary; the cluster has ${cluster.primaries}`);
    }
  }
  if (m.plan.moves !== undefined) {
    plan.moves = m.plan.moves.map((mv, i) => {
      const path: PathSegment[] = [...base, "plan", "moves", i];
      const ranges = parseSlotRanges(mv.slots);
      if (!Array.isArray(ranges)) problem([...path, "slots"], ranges.error);
      checkNodeRef(mv.from, cluster, [...path, "from"], problem, false);
      checkNodeRef(mv.to, cluster, [...path, "to"], problem, true);
      if (mv.from === mv.to) problem([...path, "to"], `is the same node as from (${mv.from})`);
      return { slots: String(mv.slots).trim(), from: mv.from, to: mv.to };
    });
  }
  if (m.strategy === "command" && m.command === undefined) problem([...base, "command"], "is required for strategy command (the shell command that migrates)");
  if (m.strategy !== "command" && m.command !== undefined) problem([...base, "command"], `applies only to strategy command (strategy is ${m.strategy})`);
  const timeoutMs = ms(m.timeout, [...base, "timeout"]);
  if (timeoutMs <= 0) problem([...base, "timeout"], "must be longer than 0");
  return {
    strategy: m.strategy,
    plan,
    params: m.params,
    ...(m.command !== undefined && { command: m.command }),
    timeoutMs,
  };
}

function normalizePhases(
  input: ScenarioInput["phases"],
  migration: MigrationSection | undefined,
  ms: Ms,
  problem: Report,
): Phase[] {
  if (input === undefined) {
    // Defaults; without a migration there is nothing to wait for.
    return migration
      ? [
          { name: "baseline", durationMs: 5000, startsMigration: false },
          { name: "migrate", until: "migration-done", timeoutMs: migration.timeoutMs, startsMigration: true },
          { name: "cooldown", durationMs: 5000, startsMigration: false },
        ]
      : [
          { name: "baseline", durationMs: 5000, startsMigration: false },
          { name: "steady", durationMs: 10_000, startsMigration: false },
        ];
  }
  const seen = new Map<string, number>();
  const phases: Phase[] = input.map((p, i) => {
    const path: PathSegment[] = ["phases", i];
    if (seen.has(p.name)) problem([...path, "name"], `"${p.name}" is already the name of phases.${seen.get(p.name)}`);
    seen.set(p.name, i);
    if (p.duration !== undefined && p.until !== undefined) problem(path, "give either duration or until, not both");
    if (p.duration === undefined && p.until === undefined) problem(path, "needs a duration (e.g. 5s) or until: migration-done");
    if (p.timeout !== undefined && p.until === undefined) problem([...path, "timeout"], "applies only to a phase with until (use duration for a fixed length)");
    if (p.until !== undefined && !migration) problem([...path, "until"], "waits for a migration, but the scenario has no migration section");
    if (p.migration !== undefined && !migration) problem([...path, "migration"], "starts a migration, but the scenario has no migration section");
    const phase: Phase = { name: p.name, startsMigration: p.migration === "start" };
    if (p.duration !== undefined) {
      phase.durationMs = ms(p.duration, [...path, "duration"]);
      if (phase.durationMs <= 0) problem([...path, "duration"], "must be longer than 0");
    }
    if (p.until !== undefined) {
      phase.until = p.until;
      const timeoutMs = p.timeout !== undefined ? ms(p.timeout, [...path, "timeout"]) : migration?.timeoutMs;
      if (timeoutMs !== undefined) phase.timeoutMs = timeoutMs;
      if (timeoutMs !== undefined && timeoutMs <= 0) problem([...path, "timeout"], "must be longer than 0");
    }
    return phase;
  });

  if (migration) {
    const flagged = phases.flatMap((p, i) => (p.startsMigration ? [i] : []));
    if (flagged.length > 1) problem(["phases", flagged[1], "migration"], `the migration already starts in phases.${flagged[0]}; only one phase can start it`);
    if (flagged.length === 0) {
      const firstUntil = phases.findIndex((p) => p.until === "migration-done");
      if (firstUntil >= 0) phases[firstUntil].startsMigration = true;
      else problem(["phases"], "no phase starts the migration; add until: migration-done or migration: start to a phase");
    }
    const start = phases.findIndex((p) => p.startsMigration);
    phases.forEach((p, i) => {
      if (start >= 0 && p.until === "migration-done" && i < start) {
        problem(["phases", i, "until"], `waits for a migration that starts later, in phases.${start} (${phases[start].name})`);
      }
    });
    // a budget relative to the baseline p99 needs a phase before the migration to measure it
    const adaptive = migration.params.adaptive as Record<string, unknown> | undefined;
    if (start === 0 && migration.strategy === "throttled" && adaptive?.p99BudgetFactor !== undefined && adaptive.p99BudgetMs === undefined)
      problem(["migration", "params", "adaptive", "p99BudgetFactor"], `is relative to the baseline p99, but the migration starts in the first phase (${phases[0].name}); add a phase before it, or give p99BudgetMs`);
  }
  return phases;
}

function normalizeFaults(
  input: ScenarioInput["faults"],
  cluster: ClusterSection,
  migration: MigrationSection | undefined,
  deadlineMs: number,
  ms: Ms,
  problem: Report,
): FaultSpec[] {
  return input.map((f, i) => {
    const path: PathSegment[] = ["faults", i];
    const fault: FaultSpec = { kind: f.kind, params: f.params };
    const progress = typeof f.at === "string" ? PROGRESS_PATTERN.exec(f.at) : null;
    if (progress) {
      fault.atProgress = Number(progress[1]) / 100;
      if (!migration) problem([...path, "at"], `"${f.at}" is a migration point, but the scenario has no migration section`);
    } else {
      fault.atMs = ms(f.at, [...path, "at"]);
      if (deadlineMs > 0 && fault.atMs >= deadlineMs) problem([...path, "at"], `${formatDuration(fault.atMs)} is past the deadline (${formatDuration(deadlineMs)}); the fault would never happen`);
    }
    if (f.target !== undefined) {
      fault.target = f.target;
      checkFaultTarget(f.target, cluster, [...path, "target"], problem);
    }
    if (f.duration !== undefined) {
      fault.durationMs = ms(f.duration, [...path, "duration"]);
      if (fault.durationMs <= 0) problem([...path, "duration"], "must be longer than 0 (leave it out for the nemesis default)");
    }
    return fault;
  });
}

/** Node names are checked against the cluster size; other targets belong to the nemesis. */
function checkFaultTarget(target: string, cluster: ClusterSection, path: PathSegment[], problem: Report): void {
  if (cluster.provider === "external") return;
  const primary = /^primary:(\d+)$/.exec(target);
  if (primary && Number(primary[1]) >= cluster.primaries) {
    problem(path, `"${target}" does not exist; the cluster has ${cluster.primaries} primaries (primary:0..primary:${cluster.primaries - 1})`);
  }
  const replica = /^replica:(\d+):(\d+)$/.exec(target);
  if (replica) {
    if (cluster.replicas === 0) problem(path, `"${target}" does not exist; the cluster has no replicas`);
    else if (Number(replica[1]) >= cluster.primaries || Number(replica[2]) >= cluster.replicas) {
      problem(path, `"${target}" does not exist; replicas are replica:P:R with P < ${cluster.primaries} and R < ${cluster.replicas}`);
    }
  }
}

function normalizeChecks(
  input: ScenarioInput["checks"],
  phases: Phase[],
  names: ResolvedNames,
  problem: Report,
): Record<string, Record<string, unknown>> {
  const enabled = new Map<string, Record<string, unknown>>();
  if (Array.isArray(input)) {
    for (const name of input) enabled.set(name, {});
  } else {
    for (const name of DEFAULT_CHECKS) if (names.checks.includes(name)) enabled.set(name, {});
    for (const [name, value] of Object.entries(input ?? {})) {
      if (value === false) enabled.delete(name);
      else enabled.set(name, value === true || value === undefined ? {} : { ...(value as Record<string, unknown>) });
    }
  }
  const latency = enabled.get("latency");
  if (latency) {
    const phaseNames = phases.map((p) => p.name);
    const explicit = latency.baselinePhase;
    if (explicit !== undefined && !phaseNames.includes(String(explicit))) {
      problem(["checks", "latency", "baselinePhase"], `no phase is called "${String(explicit)}"; phases: ${listNames(phaseNames)}${didYouMean(String(explicit), phaseNames)}`);
    }
    latency.baselinePhase = explicit ?? (phaseNames.includes("baseline") ? "baseline" : phaseNames[0]);
    latency.factor ??= 5;
    latency.floorMs ??= 5;
  }
  return Object.fromEntries(enabled);
}
