// A cluster someone else runs: slotproof connects, observes and migrates, but does not own
// the processes. It cannot add nodes or inject process faults; it never stops the servers.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { Redis } from "ioredis";
import { HarnessError, UsageError, waitFor } from "../errors.ts";
import { parseAddr } from "../cli/options.ts";
import { discover, health, observeCluster, type HealthReport } from "../topology.ts";
import type { ClusterProvider, ClusterSpec, NodeInfo, StartedCluster } from "./types.ts";

const run = promisify(execFile);

export class ExternalCluster implements StartedCluster {
  private readonly clients = new Map<string, Redis>();
  private list: NodeInfo[] = [];

  constructor(
    readonly spec: ClusterSpec,
    readonly serverVersion: string,
    readonly cliPath: string,
    private readonly seeds: Array<{ host: string; port: number }>,
  ) {}

  /** Re-reads the node list; names follow the harness convention, ordered by first slot. */
  async refresh(): Promise<void> {
    let addrs: Array<{ host: string; port: number }> = [];
    for (const s of this.seeds) {
      try {
        addrs = await discover(s);
        break;
      } catch {
        /* try the next seed */
      }
    }
    if (!addrs.length) throw new HarnessError(`cannot reach any seed of the external cluster (${this.seeds.map((s) => `${s.host}:${s.port}`).join(", ")})`);
    const obs = await observeCluster(addrs);
    const view = obs.find((o) => o.reachable)!.nodes;
    const primaries = view.filter((n) => n.role === "primary" && n.slots.length).sort((a, b) => a.slots[0][0] - b.slots[0][0]);
    const empty = view.filter((n) => n.role === "primary" && !n.slots.length);
    const names = new Map<string, string>();
    primaries.forEach((p, i) => names.set(p.id, `primary:${i}`));
    empty.forEach((p, i) => names.set(p.id, `new:${i}`));
    const counts = new Map<string, number>();
    for (const n of view.filter((x) => x.role === "replica" && x.primaryId)) {
      const k = counts.get(n.primaryId!) ?? 0;
      counts.set(n.primaryId!, k + 1);
      names.set(n.id, `${names.get(n.primaryId!) ?? n.primaryId!.slice(0, 8)}/replica:${k}`);
    }
    this.list = view.map((n) => ({ id: n.id, name: names.get(n.id) ?? n.id, role: n.role, host: n.host, port: n.port, primaryId: n.primaryId, state: n.flags.includes("fail") ? "killed" : "running" }));
  }

  nodes(): NodeInfo[] {
    return this.list.map((n) => ({ ...n }));
  }

  node(nameOrId: string): NodeInfo {
    const n = this.list.find((x) => x.name === nameOrId || x.id === nameOrId || x.id.startsWith(nameOrId) || `${x.host}:${x.port}` === nameOrId);
    if (!n) throw new UsageError(`unknown node '${nameOrId}': known nodes are ${this.list.map((x) => x.name).join(", ")}`);
    return { ...n };
  }

  seed(): string {
    const p = this.list.find((n) => n.role === "primary" && n.state === "running");
    if (!p) throw new HarnessError("no running primary in the external cluster");
    return `${p.host}:${p.port}`;
  }

  admin(nameOrId: string): Redis {
    const n = this.node(nameOrId);
    let c = this.clients.get(n.id);
    if (!c) {
      c = new Redis({ host: n.host, port: n.port, maxRetriesPerRequest: 1, connectTimeout: 2000 });
      c.on("error", () => {});
      this.clients.set(n.id, c);
    }
    return c;
  }

  async health(): Promise<HealthReport> {
    await this.refresh();
    return health(await observeCluster(this.list.filter((n) => n.state === "running")), this.spec.replicasPerPrimary);
  }

  async waitHealthy(timeoutMs: number): Promise<HealthReport> {
    return waitFor("the external cluster to be healthy", async () => {
      const h = await this.health();
      return h.ok ? h : undefined;
    }, { timeoutMs });
  }

  private unsupported(what: string): never {
    throw new UsageError(`${what} is not possible on an external cluster: slotproof does not own its processes (use provider local)`);
  }

  addNode(): Promise<NodeInfo> {
    this.unsupported("adding nodes");
  }
  removeNode(): Promise<void> {
    this.unsupported("removing nodes");
  }
  kill(): Promise<void> {
    this.unsupported("kill");
  }
  pause(): Promise<void> {
    this.unsupported("pause");
  }
  resume(): Promise<void> {
    this.unsupported("resume");
  }
  restart(): Promise<void> {
    this.unsupported("restart");
  }
  logPath(): string | undefined {
    return undefined;
  }

  async stop(): Promise<void> {
    for (const c of this.clients.values()) c.disconnect();
    this.clients.clear();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}

export async function connectExternalCluster(spec: ClusterSpec & { seeds: string[] }): Promise<ExternalCluster> {
  if (!spec.seeds?.length) throw new UsageError("cluster.seeds: an external cluster needs at least one host:port seed");
  const seeds = spec.seeds.map((s, i) => parseAddr(`cluster.seeds[${i}]`, s));
  const probe = new Redis({ ...seeds[0], lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 2000 });
  probe.on("error", () => {});
  let version = "unknown";
  try {
    await probe.connect();
    const info = (await probe.call("INFO", "server")) as string;
    version = /(?:valkey|redis)_version:(\S+)/.exec(info)?.[1] ?? "unknown";
  } catch (e) {
    throw new HarnessError(`cannot reach external cluster seed ${spec.seeds[0]}: ${(e as Error).message}`);
  } finally {
    probe.disconnect();
  }
  const cli = (await run("sh", ["-c", "command -v valkey-cli || command -v redis-cli"]).catch(() => ({ stdout: "" }))).stdout.trim();
  const c = new ExternalCluster(spec, version, cli, seeds);
  await c.refresh();
  return c;
}

export const externalProvider: ClusterProvider = {
  name: "external",
  start: (spec) => connectExternalCluster(spec as ClusterSpec & { seeds: string[] }),
};
