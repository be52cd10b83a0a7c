// The default provider: real server processes on 127.0.0.1, one working dir per node.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, openSync, closeSync, readFileSync } from "node:fs";
import { mkdir, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Redis } from "ioredis";
import { HarnessError, UsageError, waitFor } from "../errors.ts";
import { LiveRun, sweepDeadRuns } from "../live-runs.ts";
import { resolveServer, type ServerInstall } from "../servers/install.ts";
import { SLOT_COUNT, health, observeCluster, type HealthReport } from "../topology.ts";
import { freeNodePort, releasePort } from "./ports.ts";
import type { AddNodeOptions, ClusterProvider, ClusterSpec, NodeInfo, StartedCluster } from "./types.ts";

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|::1)$/;

/** Config every node gets; scenario `config` entries override these. */
const BASE_CONFIG: Record<string, string> = {
  "cluster-enabled": "yes",
  "cluster-config-file": "nodes.conf",
  "cluster-node-timeout": "3000",
  "appendonly": "no",
  "save": '""',
  "protected-mode": "no",
  "daemonize": "no",
  "enable-debug-command": "yes",
  "cluster-allow-replica-migration": "no",
  "latency-tracking": "no",
};

export function validateSpec(spec: ClusterSpec): void {
  if (!Number.isInteger(spec.primaries) || spec.primaries < 1 || spec.primaries > 100)
    throw new UsageError(`cluster.primaries: ${spec.primaries} is not allowed: use a whole number from 1 to 100`);
  if (!Number.isInteger(spec.replicasPerPrimary) || spec.replicasPerPrimary < 0 || spec.replicasPerPrimary > 5)
    throw new UsageError(`cluster.replicas: ${spec.replicasPerPrimary} is not allowed: use a whole number from 0 to 5`);
  if (spec.host && !LOOPBACK.test(spec.host))
    throw new UsageError(`cluster.host: '${spec.host}' is not allowed: only loopback addresses (127.x.x.x) are used`);
}

interface LocalNode extends NodeInfo {
  dir: string;
  child?: ChildProcess;
  exited?: Promise<void>;
}

export class LocalCluster implements StartedCluster {
  readonly cliPath: string;
  readonly benchmarkPath?: string;
  readonly serverVersion: string;
  private readonly nodesByName = new Map<string, LocalNode>();
  private readonly clients = new Map<string, Redis>();
  private readonly root: string;
  private readonly host: string;
  private nextNew = 0;
  private stopped = false;

  constructor(
    readonly spec: ClusterSpec,
    private readonly server: ServerInstall,
    private readonly live: LiveRun,
  ) {
    this.cliPath = server.cliPath;
    this.benchmarkPath = server.benchmarkPath;
    this.serverVersion = server.version;
    this.host = spec.host ?? "127.0.0.1";
    this.root = mkdtempSync(path.join(os.tmpdir(), "slotproof-"));
    live.addDir(this.root);
  }

  get workDir(): string {
    return this.root;
  }

  nodes(): NodeInfo[] {
    return [...this.nodesByName.values()].filter((n) => n.state !== "removed").map(publicInfo);
  }

  node(nameOrId: string): NodeInfo {
    return publicInfo(this.find(nameOrId));
  }

  seed(): string {
    const p = this.nodes().find((n) => n.role === "primary" && n.state === "running");
    if (!p) throw new HarnessError("no running primary to use as seed");
    return `${p.host}:${p.port}`;
  }

  admin(nameOrId: string): Redis {
    const n = this.find(nameOrId);
    let c = this.clients.get(n.name);
    if (!c) {
      c = new Redis({ host: n.host, port: n.port, lazyConnect: false, maxRetriesPerRequest: 1, connectTimeout: 2000, enableReadyCheck: false, retryStrategy: (times) => (this.stopped ? null : Math.min(times * 100, 1000)) });
      c.on("error", () => {}); // errors surface on commands; a killed node must not crash the harness
      this.clients.set(n.name, c);
    }
    return c;
  }

  logPath(nameOrId: string): string | undefined {
    return path.join(this.find(nameOrId).dir, "server.log");
  }

  private find(nameOrId: string): LocalNode {
    const byName = this.nodesByName.get(nameOrId);
    if (byName) return byName;
    for (const n of this.nodesByName.values()) if (n.id === nameOrId || n.id.startsWith(nameOrId) || `${n.host}:${n.port}` === nameOrId) return n;
    throw new UsageError(`unknown node '${nameOrId}': known nodes are ${[...this.nodesByName.keys()].join(", ")}`);
  }

  // ---- lifecycle of one process ----

  private async spawnNode(name: string, role: "primary" | "replica"): Promise<LocalNode> {
    let lastError: unknown;
    for (let attempt = 0; attempt < 5; attempt++) {
      const port = await freeNodePort(this.host);
      const dir = path.join(this.root, `node-${port}`);
      await mkdir(dir, { recursive: true });
      const node: LocalNode = { id: "", name, role, host: this.host, port, dir, state: "running" };
      await this.writeConfig(node);
      try {
        await this.launch(node);
        node.id = (await this.admin(name).call("CLUSTER", "MYID")) as string;
        return node;
      } catch (e) {
        lastError = e;
        await this.terminate(node, "SIGKILL");
        this.dropClient(name);
        releasePort(port);
        // A port race with another process is the usual cause: try another port.
      }
    }
    throw new HarnessError(`could not start node ${name}: ${(lastError as Error)?.message}`);
  }

  private async writeConfig(node: LocalNode): Promise<void> {
    const cfg: Record<string, string> = { ...BASE_CONFIG, port: String(node.port), bind: node.host, dir: node.dir, logfile: "server.log", pidfile: "" };
    delete cfg.pidfile;
    for (const [k, v] of Object.entries(this.spec.config ?? {})) cfg[k] = String(v);
    const text = Object.entries(cfg).map(([k, v]) => `${k} ${v}`).join("\n") + "\n";
    await writeFile(path.join(node.dir, "node.conf"), text);
  }

  private async launch(node: LocalNode): Promise<void> {
    this.nodesByName.set(node.name, node);
    const errFd = openSync(path.join(node.dir, "stderr.log"), "a");
    const child = spawn(this.server.serverPath, [path.join(node.dir, "node.conf")], {
      cwd: node.dir,
      env: { ...process.env, ...this.server.env },
      stdio: ["ignore", errFd, errFd],
      detached: true, // own process group: Ctrl-C reaches the harness, which tears down in order
    });
    closeSync(errFd);
    if (!child.pid) throw new HarnessError(`failed to spawn ${this.server.serverPath}`);
    node.child = child;
    node.pid = child.pid;
    node.state = "running";
    this.live.addPid(child.pid);
    node.exited = new Promise((resolve) => child.once("exit", () => resolve()));
    child.once("exit", () => {
      if (node.state === "running" || node.state === "paused") node.state = "killed";
    });
    child.unref();
    await waitFor(
      `${node.name} (${node.host}:${node.port}) to answer PING`,
      async () => {
        if (node.state === "killed") throw new HarnessError(`server exited at start: ${this.tail(node)}`);
        const probe = new Redis({ host: node.host, port: node.port, lazyConnect: true, connectTimeout: 500, maxRetriesPerRequest: 0, retryStrategy: () => null });
        probe.on("error", () => {});
        try {
          await probe.connect();
          return (await probe.ping()) === "PONG" ? true : undefined;
        } finally {
          probe.disconnect();
        }
      },
      { timeoutMs: 10_000, intervalMs: 50 },
    );
  }

  private tail(node: LocalNode): string {
    for (const f of ["server.log", "stderr.log"]) {
      try {
        const lines = readFileSync(path.join(node.dir, f), "utf8").trim().split("\n");
        const last = lines.slice(-2).join(" | ").trim();
        if (last) return last;
      } catch {
        /* not written yet */
      }
    }
    return "no log output";
  }

  private async terminate(node: LocalNode, signal: NodeJS.Signals): Promise<void> {
    if (!node.pid || !node.child || node.child.exitCode !== null || node.child.signalCode !== null) return;
    try {
      if (node.state === "paused") process.kill(node.pid, "SIGCONT");
      process.kill(node.pid, signal);
    } catch {
      /* already gone */
    }
    const exited = node.exited ?? Promise.resolve();
    // A ref'd timer: the children are unref'd, so without it a script could exit mid-stop().
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<"timeout">((r) => (timer = setTimeout(() => r("timeout"), 5000)));
    const first = await Promise.race([exited, timeout]);
    clearTimeout(timer);
    if (first === "timeout") {
      try {
        process.kill(node.pid, "SIGKILL");
      } catch {
        /* gone */
      }
      await exited;
    }
    this.live.removePid(node.pid);
  }

  private dropClient(name: string): void {
    this.clients.get(name)?.disconnect();
    this.clients.delete(name);
  }

  // ---- forming and changing the cluster ----

  async form(formTimeoutMs: number): Promise<void> {
    const { primaries, replicasPerPrimary } = this.spec;
    const prims: LocalNode[] = [];
    for (let i = 0; i < primaries; i++) prims.push(await this.spawnNode(`primary:${i}`, "primary"));
    const reps: Array<[LocalNode, LocalNode]> = [];
    for (let i = 0; i < primaries; i++)
      for (let r = 0; r < replicasPerPrimary; r++) reps.push([await this.spawnNode(`primary:${i}/replica:${r}`, "replica"), prims[i]]);
    // Distinct config epochs first, as valkey-cli does, so no epoch collision has to be resolved.
    await Promise.all(prims.map((p, i) => this.admin(p.name).call("CLUSTER", "SET-CONFIG-EPOCH", String(i + 1))));
    const first = prims[0];
    for (const n of [...prims.slice(1), ...reps.map(([r]) => r)]) await this.admin(first.name).call("CLUSTER", "MEET", n.host, String(n.port));
    // Even split of the 16384 slots.
    for (let i = 0; i < primaries; i++) {
      const start = Math.floor((i * SLOT_COUNT) / primaries);
      const end = Math.floor(((i + 1) * SLOT_COUNT) / primaries) - 1;
      await this.admin(prims[i].name).call("CLUSTER", "ADDSLOTSRANGE", String(start), String(end));
    }
    await this.waitKnown(reps.map(([r]) => r).concat(prims), formTimeoutMs);
    for (const [r, p] of reps) {
      await this.admin(r.name).call("CLUSTER", "REPLICATE", p.id);
      r.primaryId = p.id;
    }
    await this.waitHealthy(formTimeoutMs, "the new cluster to converge");
  }

  /** Waits until every node knows every other node (by id). */
  private async waitKnown(nodes: LocalNode[], timeoutMs: number): Promise<void> {
    const ids = new Set(this.nodes().map((n) => n.id));
    await waitFor(
      `all ${ids.size} nodes to know each other`,
      async () => {
        for (const n of nodes) {
          const text = (await this.admin(n.name).call("CLUSTER", "NODES")) as string;
          const seen = new Set(text.split("\n").filter((l) => l.trim() && !/handshake/.test(l)).map((l) => l.split(" ")[0]));
          for (const id of ids) if (!seen.has(id)) return undefined;
        }
        return true;
      },
      { timeoutMs, intervalMs: 100 },
    );
  }

  /** Waits until the cluster is healthy as `--cluster check` would say; returns the report. */
  async waitHealthy(timeoutMs: number, what = "the cluster to be healthy"): Promise<HealthReport> {
    let last: HealthReport | undefined;
    try {
      return await waitFor(
        what,
        async () => {
          last = await this.health();
          return last.ok ? last : undefined;
        },
        { timeoutMs, intervalMs: 200 },
      );
    } catch (e) {
      throw new HarnessError(`${(e as Error).message}; still wrong: ${last?.problems.slice(0, 3).join("; ") ?? "unknown"}`);
    }
  }

  /** Health of the running nodes (replica expectations from the spec). */
  async health(): Promise<HealthReport> {
    const running = this.nodes().filter((n) => n.state === "running");
    const obs = await observeCluster(running, (a) => this.clientFor(a.port));
    await this.refreshRoles(obs);
    return health(obs, this.spec.replicasPerPrimary);
  }

  private clientFor(port: number): Redis | undefined {
    const n = [...this.nodesByName.values()].find((x) => x.port === port);
    return n ? this.admin(n.name) : undefined;
  }

  /** Failovers change roles: keep NodeInfo.role/primaryId in step with what nodes say of themselves. */
  private async refreshRoles(obs: Awaited<ReturnType<typeof observeCluster>>): Promise<void> {
    for (const o of obs) {
      const me = o.nodes.find((n) => n.id === o.observerId);
      const local = [...this.nodesByName.values()].find((n) => n.id === o.observerId);
      if (me && local) {
        local.role = me.role;
        local.primaryId = me.primaryId;
      }
    }
  }

  async addNode(opts: AddNodeOptions = {}): Promise<NodeInfo> {
    const primary = opts.replicaOf ? this.find(opts.replicaOf) : undefined;
    const name = opts.name ?? (primary ? `${primary.name}/replica:${this.nodes().filter((n) => n.primaryId === primary.id).length}` : `new:${this.nextNew++}`);
    if (this.nodesByName.has(name) && this.nodesByName.get(name)!.state !== "removed") throw new UsageError(`node name '${name}' is already in use`);
    const node = await this.spawnNode(name, primary ? "replica" : "primary");
    const seedNode = this.nodes().find((n) => n.state === "running" && n.name !== name)!;
    await this.admin(seedNode.name).call("CLUSTER", "MEET", node.host, String(node.port));
    await this.waitKnown(this.nodes().filter((n) => n.state === "running").map((n) => this.find(n.name)), 20_000);
    if (primary) {
      await this.admin(node.name).call("CLUSTER", "REPLICATE", primary.id);
      node.primaryId = primary.id;
      await waitFor(`${name} to sync from ${primary.name}`, async () => {
        const info = (await this.admin(node.name).call("INFO", "replication")) as string;
        return /master_link_status:up/.test(info) ? true : undefined;
      }, { timeoutMs: 30_000 });
    }
    return publicInfo(node);
  }

  async removeNode(nameOrId: string): Promise<void> {
    const node = this.find(nameOrId);
    if (node.role === "primary" && node.state === "running") {
      const text = (await this.admin(node.name).call("CLUSTER", "NODES")) as string;
      const me = text.split("\n").find((l) => l.includes("myself"));
      if (me && me.trim().split(" ").length > 8) throw new UsageError(`cannot remove ${node.name}: it still owns slots`);
    }
    await this.terminate(node, "SIGTERM");
    this.dropClient(node.name);
    node.state = "removed";
    // Every other node forgets it (within the 60 s ban that keeps gossip from re-adding it).
    await Promise.all(
      this.nodes()
        .filter((n) => n.state === "running")
        .map((n) => this.admin(n.name).call("CLUSTER", "FORGET", node.id).catch((e: Error) => {
          if (!/Unknown node/i.test(e.message)) throw e;
        })),
    );
    releasePort(node.port);
  }

  async kill(nameOrId: string, signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    const node = this.find(nameOrId);
    await this.terminate(node, signal);
    node.state = "killed";
  }

  async pause(nameOrId: string): Promise<void> {
    const node = this.find(nameOrId);
    if (node.state !== "running" || !node.pid) throw new HarnessError(`cannot pause ${node.name}: it is ${node.state}`);
    process.kill(node.pid, "SIGSTOP");
    node.state = "paused";
  }

  async resume(nameOrId: string): Promise<void> {
    const node = this.find(nameOrId);
    if (node.state !== "paused" || !node.pid) throw new HarnessError(`cannot resume ${node.name}: it is ${node.state}`);
    process.kill(node.pid, "SIGCONT");
    node.state = "running";
  }

  /** Restarts a node on the same port and dir; it keeps its identity from nodes.conf. */
  async restart(nameOrId: string): Promise<void> {
    const node = this.find(nameOrId);
    if (node.state === "running" || node.state === "paused") await this.terminate(node, "SIGTERM");
    this.dropClient(node.name);
    await this.launch(node);
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    startedHere.delete(this);
    for (const c of this.clients.values()) c.disconnect();
    this.clients.clear();
    await Promise.all([...this.nodesByName.values()].map((n) => this.terminate(n, "SIGKILL")));
    for (const n of this.nodesByName.values()) releasePort(n.port);
    await rm(this.root, { recursive: true, force: true });
    this.live.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}

function publicInfo(n: LocalNode): NodeInfo {
  const { id, name, role, host, port, primaryId, pid, state } = n;
  return { id, name, role, host, port, primaryId, pid, state };
}

/** Every cluster started by this process, so signal handlers can release them. */
const startedHere = new Set<LocalCluster>();

export async function stopAllLocalClusters(): Promise<void> {
  await Promise.all([...startedHere].map((c) => c.stop()));
  startedHere.clear();
}

export async function startLocalCluster(spec: ClusterSpec, signal?: AbortSignal, log?: (line: string) => void): Promise<LocalCluster> {
  validateSpec(spec);
  const server = await resolveServer(spec, log);
  sweepDeadRuns(); // release what crashed runs left before taking ports
  const live = new LiveRun(`${Date.now()}-${process.pid}-${randomBytes(3).toString("hex")}`);
  const cluster = new LocalCluster(spec, server, live);
  startedHere.add(cluster);
  const onAbort = () => void cluster.stop();
  signal?.addEventListener("abort", onAbort, { once: true });
  try {
    await cluster.form(spec.formTimeoutMs ?? 60_000);
    signal?.throwIfAborted();
    return cluster;
  } catch (e) {
    await cluster.stop();
    startedHere.delete(cluster);
    throw e;
  } finally {
    signal?.removeEventListener("abort", onAbort);
  }
}

export const localProvider: ClusterProvider = {
  name: "local",
  start: (spec, signal) => startLocalCluster(spec, signal),
};
