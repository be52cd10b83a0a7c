// `slotproof load --seed ADDR [options]`: drive load against any cluster and report.
// The CLI (harness/cli.ts) registers LOAD_OPTIONS with commander, calls runLoadCommand
// and prints the strings it gets; nothing here writes to the terminal.
import { UsageError } from "../harness/errors.ts";
import { parseDuration } from "../harness/scenario/duration.ts";
import { ClusterClient } from "./client.ts";
import { errorstatsDelta, snapshotErrorstats, type ErrorstatsTarget } from "./errorstats.ts";
import { writeHistory } from "./history-io.ts";
import type { HistoryModel } from "./history-types.ts";
import type { KeyPattern } from "./keyspace.ts";
import type { LatencySummary, MetricsWindow, WorkloadSummary } from "./metrics-types.ts";
import { BUILTIN_OPS, type BuiltinOp } from "./mix.ts";
import { startLoad, type WorkloadResult } from "./coordinator.ts";
import { parseSlots } from "./slots.ts";
import type { RampStep } from "./arrival.ts";
import type { WorkloadOptions } from "./options.ts";

/** Options as commander hands them over (strings for anything with units). */
export interface LoadCommandOptions {
  seed: string;
  executor?: string;
  rate?: string | number;
  ramp?: string;
  duration?: string;
  connections?: string | number;
  pipeline?: string | number;
  workers?: string | number;
  maxInFlight?: string | number;
  ratio?: string;
  mix?: string;
  command?: string[];
  keyPrefix?: string;
  keys?: string | number;
  keyPattern?: string;
  slots?: string;
  valueSize?: string;
  window?: string;
  timeout?: string;
  history?: string | number;
  historyModel?: string;
  historyOut?: string;
  hdrLog?: string;
  rngSeed?: string | number;
  json?: boolean;
}

/** For the CLI to register: flags, description, default (commander syntax). */
export const LOAD_OPTIONS: Array<{ flags: string; description: string; default?: string }> = [
  { flags: "--seed <addr>", description: "host:port of any cluster node (comma-separated for several)" },
  { flags: "--executor <kind>", description: "open (arrival rate, latency from intended start) or closed (as fast as possible)", default: "open" },
  { flags: "--rate <ops>", description: "open loop: ops/s", default: "1000" },
  { flags: "--ramp <steps>", description: 'open loop: rate steps "from-to:duration,..." e.g. "0-5000:30s,5000-5000:1m"' },
  { flags: "--duration <d>", description: "how long to run (e.g. 30s, 2m)", default: "10s" },
  { flags: "--connections <n>", description: "sockets per worker, spread over the primaries", default: "4" },
  { flags: "--pipeline <n>", description: "closed loop: ops in flight per connection", default: "1" },
  { flags: "--workers <n>", description: "worker threads (default: one per two CPUs)" },
  { flags: "--max-in-flight <n>", description: "open loop: cap of ops in flight", default: "1000" },
  { flags: "--ratio <set:get>", description: 'SET:GET weights like memtier, e.g. "1:10"' },
  { flags: "--mix <weights>", description: 'op weights, e.g. "set=1,get=8,incr=1,mget=1"' },
  { flags: "--command <template...>", description: 'command templates, e.g. "HSET __key__ f __data__" (weight 1 each)' },
  { flags: "--key-prefix <p>", description: "key name prefix", default: "key:" },
  { flags: "--keys <n>", description: "distinct keys", default: "10000" },
  { flags: "--key-pattern <p>", description: "uniform, gaussian, zipf or sequential", default: "uniform" },
  { flags: "--slots <ranges>", description: 'keep keys in these slots, e.g. "0-100,5000"' },
  { flags: "--value-size <s>", description: 'bytes: "100", "32-512" or "32:1,64:2"', default: "100" },
  { flags: "--window <d>", description: "metrics window", default: "1s" },
  { flags: "--timeout <d>", description: "per-op reply timeout", default: "5s" },
  { flags: "--history <keys>", description: "record a Jepsen history on this many extra keys (0 = off)", default: "0" },
  { flags: "--history-model <m>", description: "register, kv-append, counter or list-append", default: "register" },
  { flags: "--history-out <file>", description: "write the history as NDJSON (.gz to compress)" },
  { flags: "--hdr-log <file>", description: "write an HdrHistogram interval log (microseconds)" },
  { flags: "--rng-seed <n>", description: "seed of every random choice", default: "1" },
  { flags: "--json", description: "print the result as JSON instead of text" },
];

function num(v: string | number | undefined, field: string, opts: { int?: boolean; min?: number } = {}): number | undefined {
  if (v === undefined) return undefined;
  const x = typeof v === "number" ? v : Number(v);
  if (!Number.isFinite(x) || (opts.int && !Number.isInteger(x)) || (opts.min !== undefined && x < opts.min)) {
    throw new UsageError(`--${field}: "${v}" is not ${opts.int ? "a whole number" : "a number"}${opts.min !== undefined ? ` >= ${opts.min}` : ""}`);
  }
  return x;
}

function duration(v: string | undefined, field: string, dflt: number): number {
  if (v === undefined) return dflt;
  const ms = parseDuration(/^\d+(\.\d+)?$/.test(v) ? Number(v) : v);
  if (ms === undefined || ms <= 0) throw new UsageError(`--${field}: "${v}" is not a duration like 500ms, 10s, 2m`);
  return ms;
}

/** "0-5000:30s,5000-5000:1m" → ramp steps */
export function parseRamp(text: string): RampStep[] {
  return text.split(",").map((part) => {
    const m = /^\s*(\d+(?:\.\d+)?)\s*-\s*(\d+(?:\.\d+)?)\s*:\s*(\S+)\s*$/.exec(part);
    if (!m) throw new UsageError(`--ramp: "${part}" is not from-to:duration, e.g. 0-5000:30s`);
    return { from: Number(m[1]), to: Number(m[2]), durationMs: duration(m[3], "ramp", 0) };
  });
}

/** "set=1,get=8" → weights */
export function parseMix(text: string): Partial<Record<BuiltinOp, number>> {
  const out: Partial<Record<BuiltinOp, number>> = {};
  for (const part of text.split(",").map((p) => p.trim()).filter(Boolean)) {
    const [op, w] = part.split("=").map((x) => x.trim());
    if (!(BUILTIN_OPS as readonly string[]).includes(op)) throw new UsageError(`--mix: "${op}" is not one of ${BUILTIN_OPS.join(", ")}`);
    out[op as BuiltinOp] = num(w, "mix", { min: 0 });
  }
  return out;
}

/** Command-line options → workload options and run length. */
export function loadOptionsOf(o: LoadCommandOptions): { workload: WorkloadOptions; durationMs: number } {
  if (!o.seed) throw new UsageError("--seed: give host:port of any cluster node");
  const seeds = o.seed.split(",").map((s) => s.trim()).filter(Boolean);
  for (const s of seeds) if (!/^[^:\s]+:\d{1,5}$/.test(s)) throw new UsageError(`--seed: "${s}" is not host:port`);
  const executor = o.executor ?? "open";
  if (executor !== "open" && executor !== "closed") throw new UsageError(`--executor: "${executor}" is not open or closed`);
  const historyKeys = num(o.history, "history", { int: true, min: 0 }) ?? 0;
  const ramp = o.ramp ? parseRamp(o.ramp) : undefined;
  const workload: WorkloadOptions = {
    seeds,
    executor,
    rate: executor === "open" && !ramp ? (num(o.rate, "rate", { min: 0 }) ?? 1000) : undefined,
    ramp,
    connections: num(o.connections, "connections", { int: true, min: 1 }),
    pipeline: num(o.pipeline, "pipeline", { int: true, min: 1 }),
    workers: num(o.workers, "workers", { int: true, min: 1 }),
    maxInFlight: num(o.maxInFlight, "max-in-flight", { int: true, min: 1 }),
    mix: {
      ratio: o.ratio,
      weights: o.mix ? parseMix(o.mix) : undefined,
      commands: o.command?.map((command) => ({ command })),
    },
    keySpace: { prefix: o.keyPrefix ?? "key:", count: num(o.keys, "keys", { int: true, min: 1 }) ?? 10_000 },
    keyPattern: o.keyPattern as KeyPattern | undefined,
    slots: o.slots ? parseSlots(o.slots, "--slots") : undefined,
    valueSize: o.valueSize ?? 100,
    windowMs: duration(o.window, "window", 1000),
    timeoutMs: duration(o.timeout, "timeout", 5000),
    history: historyKeys > 0 ? { keys: historyKeys, model: (o.historyModel ?? "register") as HistoryModel } : undefined,
    seed: num(o.rngSeed, "rng-seed", { int: true }) ?? 1,
    intervalLogPath: o.hdrLog,
  };
  return { workload, durationMs: duration(o.duration, "duration", 10_000) };
}

// ---- formatting (strings only) ----

const ms = (us: number): string => (us / 1000).toFixed(us < 10_000 ? 2 : us < 100_000 ? 1 : 0);
const pad = (s: string | number, n: number): string => String(s).padStart(n);

export function windowHeader(): string {
  return `${pad("t", 8)} ${pad("ops/s", 9)} ${pad("p50", 8)} ${pad("p99", 8)} ${pad("p999", 8)} ${pad("max", 8)} ${pad("svc p99", 8)}  errors / redirects / late   (ms)`;
}

/** One live line per window. */
export function formatWindowLine(w: MetricsWindow): string {
  const rate = w.durationMs > 0 ? Math.round((w.ops / w.durationMs) * 1000) : 0;
  const errors = Object.entries(w.errors).map(([k, v]) => `${k} ${v}`).join(" ");
  const redirects = (["MOVED", "ASK", "TRYAGAIN"] as const).filter((k) => w.redirects[k] > 0).map((k) => `${k.toLowerCase()} ${w.redirects[k]}`).join(" ");
  const extra = [errors && `err ${errors}`, redirects, w.late > 0 && `late ${w.late}`, w.dropped > 0 && `dropped ${w.dropped}`].filter(Boolean).join("  ");
  return `${pad(((w.startMs + w.durationMs) / 1000).toFixed(1) + "s", 8)} ${pad(rate, 9)} ${pad(ms(w.latency.p50), 8)} ${pad(ms(w.latency.p99), 8)} ${pad(ms(w.latency.p999), 8)} ${pad(ms(w.latency.max), 8)} ${pad(ms(w.service.p99), 8)}  ${extra}`.trimEnd();
}

function row(name: string, s: LatencySummary | undefined): string | undefined {
  if (!s || s.count === 0) return undefined;
  return `${name.padEnd(10)} ${pad(s.count, 10)} ${pad(ms(s.p50), 9)} ${pad(ms(s.p90), 9)} ${pad(ms(s.p99), 9)} ${pad(ms(s.p999), 9)} ${pad(ms(s.max), 9)}`;
}

/** The final summary as text lines. */
export function formatSummary(s: WorkloadSummary): string[] {
  const lines = [
    `${s.ops} ops in ${(s.durationMs / 1000).toFixed(1)} s = ${s.opsPerSec.toFixed(0)} ops/s` + (s.late || s.dropped ? ` (late ${s.late}, dropped ${s.dropped})` : ""),
    `${"".padEnd(10)} ${pad("count", 10)} ${pad("p50", 9)} ${pad("p90", 9)} ${pad("p99", 9)} ${pad("p99.9", 9)} ${pad("max", 9)}   (ms)`,
  ];
  const rows = [
    row("latency", s.latency),
    row("service", s.service),
    ...(["read", "write", "multi"] as const).map((c) => row(c, s.byClass[c])),
    ...(["migrating", "other"] as const).map((c) => row(c, s.bySlotClass[c])),
  ];
  for (const r of rows) if (r) lines.push(r);
  const errors = Object.entries(s.errors);
  lines.push(`errors: ${errors.length ? errors.map(([k, v]) => `${k} ${v}`).join(", ") : "none"}`);
  const server = s.serverErrorstats;
  const r = s.redirects;
  lines.push(
    `redirects: MOVED ${r.MOVED}, ASK ${r.ASK}, TRYAGAIN ${r.TRYAGAIN}` +
      (server ? ` (servers' errorstats: MOVED ${server.MOVED ?? 0}, ASK ${server.ASK ?? 0}, TRYAGAIN ${server.TRYAGAIN ?? 0})` : ""),
  );
  const noise = [`event-loop lag p99 ${ms(s.eventLoopLag.p99)} ms`];
  if (s.schedulingLag) noise.push(`scheduling lag p99 ${ms(s.schedulingLag.p99)} ms`);
  lines.push(`noise floor: ${noise.join(", ")}`);
  return lines;
}

// ---- the command ----

export interface LoadCommandResult {
  summary: WorkloadSummary;
  windows: MetricsWindow[];
  /** text lines of the final report (or one JSON document with --json) */
  lines: string[];
  problems: string[];
}

/** errorstats targets: every primary, through a short-lived client of our own */
async function primaryTargetsOf(seeds: string[]): Promise<{ targets: ErrorstatsTarget[]; close: () => Promise<void> }> {
  const client = new ClusterClient({ seeds, timeoutMs: 3000 });
  await client.connect();
  const targets = client.primaries().map((addr) => ({
    name: addr,
    info: async (section: string) => String(await client.callNode(addr, ["INFO", section])),
  }));
  return { targets, close: () => client.close() };
}

/**
 * Runs the load for the requested duration (or until `signal` aborts), calling
 * `onLine` with a header and one line per window (not with --json).
 */
export async function runLoadCommand(o: LoadCommandOptions, hooks: { onLine?: (line: string) => void; signal?: AbortSignal } = {}): Promise<LoadCommandResult> {
  const { workload, durationMs } = loadOptionsOf(o);
  const stats = await primaryTargetsOf(workload.seeds);
  let result: WorkloadResult;
  try {
    const before = await snapshotErrorstats(stats.targets);
    const load = await startLoad(workload, { signal: hooks.signal });
    if (!o.json && hooks.onLine) {
      hooks.onLine(windowHeader());
      load.onWindow((w) => hooks.onLine!(formatWindowLine(w)));
    }
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, durationMs);
      hooks.signal?.addEventListener("abort", () => {
        clearTimeout(t);
        resolve();
      }, { once: true });
    });
    result = await load.stop();
    result.summary.serverErrorstats = errorstatsDelta(before, await snapshotErrorstats(stats.targets));
  } finally {
    await stats.close();
  }
  if (o.historyOut) await writeHistory(o.historyOut, result.history);
  const lines = o.json
    ? [JSON.stringify({ summary: result.summary, windows: result.windows.map(({ hdr: _hdr, ...w }) => w), problems: result.problems }, null, 2)]
    : [...formatSummary(result.summary), ...result.problems.map((p) => `warning: ${p}`)];
  return { summary: result.summary, windows: result.windows, lines, problems: result.problems };
}
