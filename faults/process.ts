// Process nemeses: kill, pause (SIGSTOP), restart and failover of one node, through the
// provider. Each returns a FaultEvent and a heal() that undoes what can be undone.
import { UsageError } from "../harness/errors.ts";
import type { StartedCluster } from "../harness/providers/types.ts";

export interface ActiveFault {
  kind: string;
  target: string;
  detail: Record<string, unknown>;
  /** undoes the fault (resume, restart); idempotent */
  heal(): Promise<void>;
}

export interface Nemesis {
  readonly kind: string;
  readonly describe: string;
  invoke(cluster: StartedCluster, target: string, params: Record<string, unknown>): Promise<ActiveFault>;
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => (done ??= fn());
}

export const killNemesis: Nemesis = {
  kind: "kill",
  describe: "SIGKILL a node; healing restarts it on the same port and dir",
  async invoke(cluster, target) {
    const node = cluster.node(target);
    await cluster.kill(node.name, "SIGKILL");
    return { kind: "kill", target: node.name, detail: { id: node.id, port: node.port }, heal: once(() => cluster.restart(node.name)) };
  },
};

export const pauseNemesis: Nemesis = {
  kind: "pause",
  describe: "SIGSTOP a node (it stays connected but answers nothing); healing sends SIGCONT",
  async invoke(cluster, target) {
    const node = cluster.node(target);
    await cluster.pause(node.name);
    return { kind: "pause", target: node.name, detail: { id: node.id, port: node.port }, heal: once(() => cluster.resume(node.name)) };
  },
};

export const restartNemesis: Nemesis = {
  kind: "restart",
  describe: "SIGTERM a node and start it again at once",
  async invoke(cluster, target) {
    const node = cluster.node(target);
    await cluster.restart(node.name);
    return { kind: "restart", target: node.name, detail: { id: node.id, port: node.port }, heal: async () => {} };
  },
};

export const failoverNemesis: Nemesis = {
  kind: "failover",
  describe: "CLUSTER FAILOVER on a replica of the target primary (params.mode: default | force | takeover)",
  async invoke(cluster, target, params) {
    const primary = cluster.node(target);
    const replica = cluster.nodes().find((n) => n.primaryId === primary.id && n.state === "running");
    if (!replica) throw new UsageError(`faults: failover of '${target}' needs a running replica of it, and it has none`);
    const mode = String(params.mode ?? "default");
    if (!["default", "force", "takeover"].includes(mode)) throw new UsageError(`faults.params.mode: '${mode}' is not allowed: use default, force or takeover`);
    const args = mode === "default" ? ["CLUSTER", "FAILOVER"] : ["CLUSTER", "FAILOVER", mode.toUpperCase()];
    await cluster.admin(replica.name).call(...(args as [string, ...string[]]));
    return { kind: "failover", target: primary.name, detail: { promoted: replica.name, mode }, heal: async () => {} };
  },
};

export const NEMESES: Record<string, Nemesis> = Object.fromEntries(
  [killNemesis, pauseNemesis, restartNemesis, failoverNemesis].map((n) => [n.kind, n]),
);
