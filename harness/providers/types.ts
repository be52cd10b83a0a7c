// The contract every cluster provider (local processes, docker, external) fulfils.
import type { Redis } from "ioredis";

export type ServerName = "valkey-9.1" | "redis-7.0" | string;

export interface ClusterSpec {
  /** server name from the registry (`valkey-9.1`, `redis-7.0`) or "custom" with serverBin */
  server: ServerName;
  /** absolute path of a server binary the user brings; overrides `server` lookup */
  serverBin?: string;
  primaries: number;
  replicasPerPrimary: number;
  /** extra server config lines, e.g. { appendonly: "yes", "repl-timeout": "10" } */
  config?: Record<string, string | number>;
  /** host to bind; only loopback is allowed */
  host?: string;
  /** "host:port" seeds of an existing cluster (provider external) */
  seeds?: string[];
  /** bounded wait for the cluster to form */
  formTimeoutMs?: number;
}

export type NodeRole = "primary" | "replica";

export interface NodeInfo {
  /** cluster node id (40 hex) */
  id: string;
  /** harness-stable name: `primary:0`, `replica:0:1` (replica 1 of primary 0), `new:0` */
  name: string;
  role: NodeRole;
  host: string;
  port: number;
  /** id of the primary this replica follows */
  primaryId?: string;
  pid?: number;
  containerId?: string;
  /** whether the harness currently believes the process is alive / paused */
  state: "running" | "paused" | "killed" | "removed";
}

export interface AddNodeOptions {
  /** add as a replica of this node id; otherwise an empty primary */
  replicaOf?: string;
  name?: string;
}

export interface StartedCluster extends AsyncDisposable {
  readonly spec: ClusterSpec;
  /** version string of the server binary, e.g. "9.1.2" */
  readonly serverVersion: string;
  /** path to the matching valkey-cli / redis-cli */
  readonly cliPath: string;
  /** path to the matching valkey-benchmark / redis-benchmark, when present */
  readonly benchmarkPath?: string;
  /** current nodes (copy) */
  nodes(): NodeInfo[];
  node(nameOrId: string): NodeInfo;
  /** "host:port" of a live primary */
  seed(): string;
  /** a lazily created, cached admin connection to one node (not cluster-routed) */
  admin(nameOrId: string): Redis;
  addNode(opts?: AddNodeOptions): Promise<NodeInfo>;
  /** forget the node everywhere and stop it; it must hold no slots */
  removeNode(nameOrId: string): Promise<void>;
  kill(nameOrId: string, signal?: NodeJS.Signals): Promise<void>;
  pause(nameOrId: string): Promise<void>;
  resume(nameOrId: string): Promise<void>;
  restart(nameOrId: string): Promise<void>;
  /** server log of a node, for the run directory */
  logPath(nameOrId: string): string | undefined;
  /** stop everything and release every resource; idempotent */
  stop(): Promise<void>;
}

export interface ClusterProvider {
  readonly name: string;
  start(spec: ClusterSpec, signal?: AbortSignal): Promise<StartedCluster>;
}
