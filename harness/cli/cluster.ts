// `slotproof cluster up|check` and `slotproof clean`
import type { Command } from "commander";
import { EXIT, HarnessError, UsageError } from "../errors.ts";
import { sweepDeadRuns } from "../live-runs.ts";
import { startLocalCluster } from "../providers/local.ts";
import { discover, health, observeCluster, type HealthReport } from "../topology.ts";
import { intOption, parseAddr } from "./options.ts";
import { interrupt, interrupted, printData, say, sayErr } from "./signals.ts";

export function formatHealth(h: HealthReport, nodes: number): string[] {
  const lines = [
    `${h.ok ? "OK" : "PROBLEMS"}: ${nodes} nodes, ${Object.keys(h.slotsPerPrimary).length} primaries, ${h.slotsCovered}/16384 slots covered, ` +
      `agreement ${h.agreement ? "yes" : "NO"}, open slots ${h.openSlots.length}, cluster_state ${h.clusterStateOk ? "ok" : "NOT ok"}`,
  ];
  for (const [id, slots] of Object.entries(h.slotsPerPrimary)) {
    lines.push(`  primary ${id.slice(0, 12)}  slots ${String(slots).padStart(5)}  keys ${String(h.keysPerPrimary[id] ?? "?").padStart(8)}  replicas ${h.replicas[id]?.length ?? 0}`);
  }
  for (const p of h.problems) lines.push(`  problem: ${p}`);
  return lines;
}

export function registerClusterCommands(program: Command): void {
  const cluster = program.command("cluster").description("bring up, inspect and repair clusters");

  cluster
    .command("up")
    .description("start a local cluster of real server processes on 127.0.0.1, print its seed address, and keep it until Ctrl-C")
    .option("--server <name>", "server from the registry (valkey-9.1 | redis-7.0)", "valkey-9.1")
    .option("--server-bin <path>", "use this server binary instead of the registry")
    .option("--primaries <n>", "number of primaries", intOption("--primaries", 1, 100), 3)
    .option("--replicas <n>", "replicas per primary", intOption("--replicas", 0, 5), 1)
    .option("--config <key=value...>", "server config overrides, e.g. appendonly=yes")
    .option("--check-and-exit", "check the cluster, print what was seen, tear it down and exit (no waiting for Ctrl-C)")
    .option("--json", "print the cluster description as JSON")
    .action(async (opts: { server: string; serverBin?: string; primaries: number; replicas: number; config?: string[]; checkAndExit?: boolean; json?: boolean }) => {
      const config: Record<string, string> = {};
      for (const kv of opts.config ?? []) {
        const i = kv.indexOf("=");
        if (i < 1) throw new UsageError(`--config: '${kv}' is not key=value`);
        config[kv.slice(0, i)] = kv.slice(i + 1);
      }
      const t0 = Date.now();
      const c = await startLocalCluster(
        { server: opts.server, serverBin: opts.serverBin, primaries: opts.primaries, replicasPerPrimary: opts.replicas, config },
        interrupt.signal,
        (l) => sayErr(`servers: ${l}`),
      );
      try {
        const h = await c.health();
        if (opts.json) {
          printData({ seed: c.seed(), server: opts.server, version: c.serverVersion, nodes: c.nodes(), health: h });
        } else {
          say(`cluster up in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${opts.server} ${c.serverVersion}, ${opts.primaries} primaries x ${opts.replicas} replicas`);
          say(`seed: ${c.seed()}`);
          for (const n of c.nodes()) say(`  ${n.name.padEnd(22)} ${n.role.padEnd(8)} ${n.host}:${n.port}  ${n.id.slice(0, 12)}  pid ${n.pid}`);
          for (const l of formatHealth(h, c.nodes().length)) say(l);
        }
        if (!h.ok) process.exitCode = EXIT.harnessError;
        if (!opts.checkAndExit) {
          if (!opts.json) say("cluster running; press Ctrl-C to stop it and clean up");
          await interrupted();
        }
      } finally {
        await c.stop();
        if (!opts.json) say("cluster stopped; processes and working dirs removed");
      }
    });

  cluster
    .command("check")
    .description("check a running cluster like `valkey-cli --cluster check`: agreement, coverage, open slots, replicas, keys")
    .argument("<addr>", "host:port of any node")
    .option("--replicas <n>", "expected replicas per primary", intOption("--replicas", 0, 5))
    .option("--json", "print the health report as JSON")
    .action(async (addr: string, opts: { replicas?: number; json?: boolean }) => {
      const seed = parseAddr("ADDR", addr);
      let addrs;
      try {
        addrs = await discover(seed);
      } catch (e) {
        throw new HarnessError((e as Error).message);
      }
      const obs = await observeCluster(addrs);
      const h = health(obs, opts.replicas);
      if (opts.json) printData(h);
      else for (const l of formatHealth(h, addrs.length)) say(l);
      process.exitCode = h.ok ? EXIT.pass : EXIT.checkFailed;
    });

  program
    .command("clean")
    .description("release what crashed runs left behind: server processes and working dirs (runs whose harness is still alive are left alone)")
    .option("--all", "also release runs whose harness process is still alive")
    .option("--json", "print what was released as JSON")
    .action((opts: { all?: boolean; json?: boolean }) => {
      const r = sweepDeadRuns({ all: opts.all });
      if (opts.json) return printData(r);
      say(`clean: ${r.runs} dead runs released, ${r.killed.length} processes killed, ${r.removedDirs.length} dirs removed` + (r.skippedLive ? `, ${r.skippedLive} live runs left alone` : ""));
    });
}
