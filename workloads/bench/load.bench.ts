// Load-engine benchmark: slotproof's closed loop against valkey-benchmark --cluster at
// equal connections and pipeline depth (SET and GET, 100-byte values), then the open
// loop at a fixed rate (achieved rate, late ops, the harness's own scheduling lag).
//
//   node --import tsx workloads/bench/load.bench.ts
//
// Environment: BENCH_CONNECTIONS (50), BENCH_PIPELINE (16), BENCH_REQUESTS (1000000,
// valkey-benchmark -n), BENCH_SECONDS (4, slotproof closed-loop run), BENCH_WORKERS
// (default: the engine's own default), BENCH_RATE (20000 ops/s), BENCH_ROUNDS (3; the
// median of the per-round ratios counts, which damps noise from other processes).
// slotproof's closed-loop figure is its steady state: windows after a 1 s warm-up.
import { execFile } from "node:child_process";
import os from "node:os";
import { promisify } from "node:util";
import { startLocalCluster } from "../../harness/providers/local.ts";
import { defaultWorkers } from "../options.ts";
import { seedsOf, startLoad } from "../index.ts";

const run = promisify(execFile);
const env = (name: string, dflt: number): number => (process.env[name] ? Number(process.env[name]) : dflt);
const CONNECTIONS = env("BENCH_CONNECTIONS", 50);
const PIPELINE = env("BENCH_PIPELINE", 16);
const REQUESTS = env("BENCH_REQUESTS", 1_000_000);
const SECONDS = env("BENCH_SECONDS", 4);
const WORKERS = env("BENCH_WORKERS", defaultWorkers());
const RATE = env("BENCH_RATE", 20_000);
const ROUNDS = env("BENCH_ROUNDS", 3);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const fmt = (x: number, d = 0) => x.toFixed(d);

async function valkeyBenchmark(bin: string, seed: string, test: "set" | "get"): Promise<number> {
  const [host, port] = seed.split(":");
  const args = ["-h", host, "-p", port, "--cluster", "-c", String(CONNECTIONS), "-P", String(PIPELINE), "-t", test, "-n", String(REQUESTS), "-d", "100", "-r", "100000", "-q"];
  const { stdout } = await run(bin, args, { maxBuffer: 64 << 20, timeout: 300_000 });
  // -q progress lines use \r; the last one is "SET: 331071.03 requests per second, p50=..."
  const m = [...stdout.matchAll(/(SET|GET): ([\d.]+) requests per second/g)].at(-1);
  if (!m) throw new Error(`valkey-benchmark printed no result: ${stdout.slice(-300)}`);
  return Number(m[2]);
}

/** closed-loop ops/s over the windows after a 1 s warm-up (JIT), and the p99 over the run */
async function slotproofClosed(seeds: string[], ratio: string): Promise<{ opsPerSec: number; p99: number }> {
  const load = await startLoad({
    seeds,
    executor: "closed",
    workers: WORKERS,
    connections: Math.max(1, Math.round(CONNECTIONS / WORKERS)),
    pipeline: PIPELINE,
    mix: { ratio },
    valueSize: 100,
    keySpace: { prefix: "bench:", count: 100_000 },
    timeoutMs: 10_000,
    windowMs: 500,
  });
  await sleep((SECONDS + 1) * 1000);
  const r = await load.stop();
  const first = r.windows[0]?.startMs ?? 0;
  const steady = r.windows.filter((w) => w.startMs >= first + 1000 && w.durationMs >= 400);
  const ops = steady.reduce((a, w) => a + w.ops, 0);
  const ms = steady.reduce((a, w) => a + w.durationMs, 0);
  return { opsPerSec: ms > 0 ? (ops / ms) * 1000 : r.summary.opsPerSec, p99: r.summary.latency.p99 };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

async function main(): Promise<void> {
  const cluster = await startLocalCluster({ server: "valkey-9.1", primaries: 3, replicasPerPrimary: 0 });
  const stopOnSignal = () => void cluster.stop().finally(() => process.exit(130));
  process.once("SIGINT", stopOnSignal);
  process.once("SIGTERM", stopOnSignal);
  try {
    if (!cluster.benchmarkPath) throw new Error("no valkey-benchmark next to the server binary");
    const seeds = seedsOf(cluster);
    const out: string[] = [];
    const log = (line: string) => {
      out.push(line);
      process.stdout.write(line + "\n");
    };
    log(`# ${cluster.serverVersion}, 3 primaries, ${os.availableParallelism()} CPUs, load average ${os.loadavg().map((x) => x.toFixed(1)).join(" ")}`);
    log(`# closed loop: ${CONNECTIONS} connections x pipeline ${PIPELINE}, 100-byte values; slotproof ${WORKERS} worker(s) x ${Math.round(CONNECTIONS / WORKERS)} connections`);
    log("tool              op   round  ops/s");
    // Each round runs both tools back to back (alternating which goes first) and
    // yields one ratio; the median ratio counts. Other processes on the machine
    // swing absolute figures a lot; a pair close in time shares most of that swing.
    const ratios = { set: [] as number[], get: [] as number[] };
    for (let round = 1; round <= ROUNDS; round++) {
      for (const op of ["set", "get"] as const) {
        const runVb = async () => {
          const vb = await valkeyBenchmark(cluster.benchmarkPath!, seeds[0], op);
          log(`valkey-benchmark  ${op}  ${round}      ${fmt(vb)}`);
          return vb;
        };
        const runSp = async () => {
          const sp = await slotproofClosed(seeds, op === "set" ? "1:0" : "0:1");
          log(`slotproof         ${op}  ${round}      ${fmt(sp.opsPerSec)}  (p99 ${fmt(sp.p99 / 1000, 1)} ms)`);
          return sp.opsPerSec;
        };
        let vb: number;
        let sp: number;
        if (round % 2 === 1) {
          vb = await runVb();
          sp = await runSp();
        } else {
          sp = await runSp();
          vb = await runVb();
        }
        ratios[op].push(sp / vb);
      }
    }
    log(`# ratios per round: set ${ratios.set.map((r) => r.toFixed(2)).join(" ")}, get ${ratios.get.map((r) => r.toFixed(2)).join(" ")}`);

    log(`# open loop: ${RATE} ops/s for 5 s, SET:GET 1:10`);
    const load = await startLoad({ seeds, executor: "open", rate: RATE, workers: WORKERS, keySpace: { prefix: "bench:", count: 100_000 }, valueSize: 100 });
    await sleep(5000);
    const r = await load.stop();
    const s = r.summary;
    const errPct = (Math.abs(s.opsPerSec - RATE) / RATE) * 100;
    log(`achieved ${fmt(s.opsPerSec, 1)} ops/s, late ${s.late}, dropped ${s.dropped}, latency p99 ${fmt(s.latency.p99 / 1000, 2)} ms, service p99 ${fmt(s.service.p99 / 1000, 2)} ms`);
    log(`scheduling lag p50 ${s.schedulingLag?.p50} us, p99 ${s.schedulingLag?.p99} us; event-loop lag p99 ${s.eventLoopLag.p99} us`);

    log(`ratio_vs_valkey_benchmark_set: ${median(ratios.set).toFixed(2)}`);
    log(`ratio_vs_valkey_benchmark_get: ${median(ratios.get).toFixed(2)}`);
    log(`open_loop_rate_error_pct: ${errPct.toFixed(2)}`);
    log(`scheduling_lag_p99_us: ${s.schedulingLag?.p99 ?? "NaN"}`);
  } finally {
    await cluster.stop();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`load bench failed: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 4;
});
