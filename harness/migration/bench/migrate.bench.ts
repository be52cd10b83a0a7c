// Legacy (valkey-cli style) vs atomic slot migration, like the Valkey 9.0 atomic slot
// migration blog: scale-out 3→4 and scale-in 4→3, with no load and under a 1:10 SET:GET
// load, on a dataset of 16 KB values sized to this machine. Prints a table and ends with
// the headline figures as `name: value` lines.
//
//   npm run bench:migrate            (SLOTPROOF_BENCH_MB=300 to choose the dataset size)
import { once } from "node:events";
import os from "node:os";
import { Worker } from "node:worker_threads";
import { startLocalCluster, stopAllLocalClusters, type LocalCluster } from "../../providers/local.ts";
import { runMigration } from "../driver.ts";
import { finishPlan, preparePlan } from "../planner.ts";
import { errorDelta, errorStats, percentile, preloadKeys, type LoadOptions, type LoadStats } from "../testkit.ts";
import type { MigrationOutcome, PlanSpec } from "../types.ts";

const VALUE_BYTES = 16 * 1024;
const SERVER = "valkey-9.1";
const STRATEGIES = ["legacy", "atomic"] as const;
const CASES = [
  { name: "scale-out, no load", key: "scale_out_noload", spec: { scaleOut: 1 }, load: false },
  { name: "scale-in, no load", key: "scale_in_noload", spec: { scaleIn: 1 }, load: false },
  { name: "scale-out, 1:10 load", key: "scale_out_load", spec: { scaleOut: 1 }, load: true },
  { name: "scale-in, 1:10 load", key: "scale_in_load", spec: { scaleIn: 1 }, load: true },
] as const;

interface Result {
  outcome: MigrationOutcome;
  load?: LoadStats;
  loadSeconds?: number;
  errors: Record<string, number>;
}

function datasetBytes(): number {
  const asked = Number(process.env.SLOTPROOF_BENCH_MB);
  if (Number.isFinite(asked) && asked > 0) return asked * 1e6;
  // ~1.5% of RAM, within 100–400 MB: the 4 nodes, the atomic fork's copy-on-write and
  // the load's writes stay far from the machine's limits, and legacy runs stay in minutes.
  return Math.min(400e6, Math.max(100e6, os.totalmem() * 0.015));
}

async function preload(cluster: LocalCluster, keys: number): Promise<void> {
  const value = Buffer.alloc(VALUE_BYTES, "d");
  function* entries(): Generator<[string, Buffer]> {
    for (let i = 0; i < keys; i++) yield [`bench:${i}`, value];
  }
  await preloadKeys(cluster, entries(), 64);
}

async function totalKeys(cluster: LocalCluster): Promise<number> {
  let n = 0;
  for (const p of cluster.nodes().filter((x) => x.role === "primary" && x.state === "running")) n += Number(await cluster.admin(p.name).call("DBSIZE"));
  return n;
}

/** The 1:10 SET:GET load on its own thread (load-worker.mjs registers tsx there). */
async function startLoadThread(seed: string, options: LoadOptions): Promise<{ reset(): Promise<void>; stop(): Promise<LoadStats> }> {
  const worker = new Worker(new URL("./load-worker.mjs", import.meta.url), { workerData: { seed, options } });
  const next = async (kind: string) => {
    for (;;) {
      const [msg] = (await once(worker, "message")) as [{ kind: string; stats?: LoadStats }];
      if (msg.kind === kind) return msg;
    }
  };
  await next("ready");
  return {
    async reset() {
      worker.postMessage("reset");
      await next("reset");
    },
    async stop() {
      worker.postMessage("stop");
      const msg = await next("stats");
      await worker.terminate();
      return msg.stats!;
    },
  };
}

async function migrate(cluster: LocalCluster, strategy: string, spec: PlanSpec, withLoad: boolean, keys: number, log: (s: string) => void): Promise<Result> {
  const t0 = process.hrtime.bigint();
  const now = () => Number(process.hrtime.bigint() - t0) / 1e6;
  const plan = await preparePlan(cluster, spec, { replicas: 0, now });
  const before = await errorStats(cluster);
  const load = withLoad ? await startLoadThread(cluster.seed(), { ratio: [1, 10], prefix: "bench:", keySpace: keys, valueSize: VALUE_BYTES, concurrency: 16 }) : undefined;
  if (load) {
    await new Promise((r) => setTimeout(r, 2000)); // warm up: connections, slot map
    await load.reset(); // keep only what happens while the migration runs
  }
  const outcome = await runMigration(plan, strategy, { cluster, signal: new AbortController().signal, now, params: {} }, () => {}, { settleMs: 30_000 });
  const stats = load ? await load.stop() : undefined;
  const errors = errorDelta(before, await errorStats(cluster));
  const fin = await finishPlan(cluster, plan, { now });
  if (fin.problems.length) throw new Error(`${strategy} ${JSON.stringify(spec)}: could not finish: ${fin.problems.join("; ")}`);
  if (outcome.outcome !== "success") throw new Error(`${strategy} ${JSON.stringify(spec)}: ${outcome.outcome}: ${outcome.error}`);
  const after = await totalKeys(cluster);
  if (after !== keys) throw new Error(`${strategy} ${JSON.stringify(spec)}: ${after} keys in the cluster after the migration, expected ${keys}`);
  log(
    `  ${strategy.padEnd(6)} ${JSON.stringify(spec).padEnd(14)} ${(outcome.durationMs! / 1000).toFixed(2).padStart(7)} s  ${outcome.keysMoved} keys  ${outcome.mbPerSec?.toFixed(1) ?? "?"} MB/s` +
      (stats ? `  load ${Math.round(stats.ops / (outcome.durationMs! / 1000))} ops/s p99 ${percentile(stats.latenciesMs, 99).toFixed(1)} ms` : "") +
      `  errorstats ${JSON.stringify(errors)}`,
  );
  return { outcome, load: stats, loadSeconds: outcome.durationMs! / 1000, errors };
}

function fmtS(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

async function main(): Promise<void> {
  const keepAlive = setInterval(() => {}, 1000); // the cluster's children are unref'd; keep the loop up between steps
  const onSignal = () => {
    void stopAllLocalClusters().finally(() => process.exit(130));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  const log = (s: string) => console.log(s);
  const bytes = datasetBytes();
  const keys = Math.floor(bytes / VALUE_BYTES);
  const datasetMb = (keys * VALUE_BYTES) / 1e6;
  const started = Date.now();
  log(`migrate bench: ${SERVER}, 3 primaries, 0 replicas, ${keys} keys x 16 KB = ${datasetMb.toFixed(1)} MB, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, load average ${os.loadavg()[0].toFixed(1)}`);
  const results: Record<string, Record<string, Result>> = {};
  try {
    for (const strategy of STRATEGIES) {
      results[strategy] = {};
      const cluster = await startLocalCluster({ server: SERVER, primaries: 3, replicasPerPrimary: 0 });
      try {
        const t = Date.now();
        await preload(cluster, keys);
        log(`${strategy}: preloaded ${keys} keys in ${((Date.now() - t) / 1000).toFixed(1)} s`);
        for (const c of CASES) results[strategy][c.key] = await migrate(cluster, strategy, c.spec, c.load, keys, log);
      } finally {
        await cluster.stop();
      }
    }
  } finally {
    clearInterval(keepAlive);
  }

  log("");
  log(`| migration              | legacy     | atomic    | speedup | legacy MB/s | atomic MB/s | legacy ASK/TRYAGAIN | client p99 legacy / atomic |`);
  log(`|------------------------|------------|-----------|---------|-------------|-------------|---------------------|----------------------------|`);
  const speedups: Record<string, number> = {};
  for (const c of CASES) {
    const l = results.legacy[c.key];
    const a = results.atomic[c.key];
    const speedup = l.outcome.durationMs! / a.outcome.durationMs!;
    speedups[c.key] = speedup;
    const p99 = (r: Result) => (r.load ? `${percentile(r.load.latenciesMs, 99).toFixed(1)} ms` : "-");
    log(
      `| ${c.name.padEnd(22)} | ${fmtS(l.outcome.durationMs!).padStart(10)} | ${fmtS(a.outcome.durationMs!).padStart(9)} | ${(speedup.toFixed(1) + "x").padStart(7)} | ${String(l.outcome.mbPerSec?.toFixed(1) ?? "?").padStart(11)} | ${String(a.outcome.mbPerSec?.toFixed(1) ?? "?").padStart(11)} | ${`${l.errors.ASK ?? 0}/${l.errors.TRYAGAIN ?? 0}`.padStart(19)} | ${`${p99(l)} / ${p99(a)}`.padStart(26)} |`,
    );
  }
  log("");
  log(`(Valkey 9.0 blog, 40 GB: 9.5x / 8.4x without load, 4.8x / 4.6x under heavy load; bench took ${((Date.now() - started) / 1000).toFixed(0)} s, load average now ${os.loadavg()[0].toFixed(1)})`);
  for (const c of CASES) log(`speedup_${c.key}: ${speedups[c.key].toFixed(2)}`);
  log(`dataset_mb: ${datasetMb.toFixed(1)}`);
}

main().catch(async (e) => {
  console.error(`migrate bench failed: ${(e as Error).message}`);
  await stopAllLocalClusters();
  process.exit(1);
});
