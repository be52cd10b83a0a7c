// A typed view of a cluster's topology as every node sees it, and a health report
// equivalent to `valkey-cli --cluster check`, as data.
//
// CLUSTER NODES is read from every node: it is the one reply that carries open slots
// (`[slot->-id]` migrating, `[slot-<-id]` importing) and works on every server version.
// CLUSTER SHARDS adds per-node health ("online", "loading", "fail") where the server has it.
import { Redis } from "ioredis";

export const SLOT_COUNT = 16384;

export interface Addr { host: string; port: number }

export interface TopoNode {
  id: string;
  host: string;
  port: number;
  role: "primary" | "replica";
  primaryId?: string;
  flags: string[];
  linkState: string;
  configEpoch: number;
  /** slot ranges this node owns according to the observer */
  slots: Array<[number, number]>;
}

export interface OpenSlot {
  nodeId: string;
  slot: number;
  state: "migrating" | "importing";
  peerId: string;
}

export interface NodeObservation {
  observer: Addr;
  observerId?: string;
  reachable: boolean;
  error?: string;
  nodes: TopoNode[];
  openSlots: OpenSlot[];
  clusterState?: string;
  slotsAssigned?: number;
  knownNodes?: number;
  /** CLUSTER SHARDS health per node id, when available */
  shardHealth?: Record<string, string>;
  /** atomic slot migration jobs (CLUSTER GETSLOTMIGRATIONS), when the server has it */
  migrations?: Array<Record<string, unknown>>;
  keys?: number;
}

export interface HealthReport {
  ok: boolean;
  /** human-readable findings, empty when healthy */
  problems: string[];
  agreement: boolean;
  slotsCovered: number;
  uncoveredSlots: Array<[number, number]>;
  openSlots: OpenSlot[];
  clusterStateOk: boolean;
  unreachable: string[];
  replicasAttached: boolean;
  /** primary id -> replica ids */
  replicas: Record<string, string[]>;
  /** primary id -> number of keys (DBSIZE on the primary) */
  keysPerPrimary: Record<string, number>;
  /** primary id -> number of owned slots */
  slotsPerPrimary: Record<string, number>;
  activeMigrations: Array<Record<string, unknown>>;
}

/** Parses one CLUSTER NODES reply. */
export function parseClusterNodes(text: string): { nodes: TopoNode[]; openSlots: OpenSlot[]; myself?: string } {
  const nodes: TopoNode[] = [];
  const openSlots: OpenSlot[] = [];
  let myself: string | undefined;
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    const parts = line.trim().split(" ");
    const [id, addr, flagStr, primary, , , epoch, link, ...slotParts] = parts;
    const m = /^(.*):(\d+)@/.exec(addr) ?? /^(.*):(\d+)/.exec(addr);
    const flags = flagStr.split(",");
    if (flags.includes("myself")) myself = id;
    const slots: Array<[number, number]> = [];
    for (const s of slotParts) {
      const open = /^\[(\d+)-([<>])-([0-9a-f]+)\]$/.exec(s);
      if (open) {
        openSlots.push({ nodeId: id, slot: Number(open[1]), state: open[2] === ">" ? "migrating" : "importing", peerId: open[3] });
        continue;
      }
      const [a, b] = s.split("-");
      slots.push([Number(a), Number(b ?? a)]);
    }
    nodes.push({
      id,
      host: m ? m[1] : "",
      port: m ? Number(m[2]) : 0,
      role: flags.includes("master") ? "primary" : "replica",
      primaryId: primary !== "-" ? primary : undefined,
      flags,
      linkState: link,
      configEpoch: Number(epoch),
      slots,
    });
  }
  return { nodes, openSlots, myself };
}

/** Parses an INFO reply into field -> value. */
export function parseInfo(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const i = line.indexOf(":");
    if (i > 0 && !line.startsWith("#")) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

/** Flattens ioredis' array-of-pairs replies (RESP2 maps) into objects, recursively. */
function pairsToObject(reply: unknown): unknown {
  if (!Array.isArray(reply)) return reply;
  const isPairs = reply.length % 2 === 0 && reply.every((v, i) => i % 2 === 1 || typeof v === "string");
  if (!isPairs || reply.length === 0) return reply.map(pairsToObject);
  const obj: Record<string, unknown> = {};
  for (let i = 0; i < reply.length; i += 2) obj[reply[i] as string] = pairsToObject(reply[i + 1]);
  return obj;
}

/** Reads one node's view. Uses `client` when given (kept open), else a short-lived connection. */
export async function observeNode(addr: Addr, client?: Redis, timeoutMs = 2000): Promise<NodeObservation> {
  const own = !client;
  const c =
    client ??
    new Redis({ host: addr.host, port: addr.port, lazyConnect: true, connectTimeout: timeoutMs, commandTimeout: timeoutMs, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  if (own) c.on("error", () => {}); // failures surface as the observation's error
  try {
    if (own) await c.connect();
    const [nodesText, infoText, dbsize] = await Promise.all([
      c.call("CLUSTER", "NODES") as Promise<string>,
      c.call("CLUSTER", "INFO") as Promise<string>,
      c.call("DBSIZE") as Promise<number>,
    ]);
    const parsed = parseClusterNodes(nodesText);
    const info = parseInfo(infoText);
    const obs: NodeObservation = {
      observer: addr,
      observerId: parsed.myself,
      reachable: true,
      nodes: parsed.nodes,
      openSlots: parsed.openSlots.filter((o) => o.nodeId === parsed.myself),
      clusterState: info.cluster_state,
      slotsAssigned: Number(info.cluster_slots_assigned),
      knownNodes: Number(info.cluster_known_nodes),
      keys: dbsize,
    };
    try {
      const shards = pairsToObject(await c.call("CLUSTER", "SHARDS")) as Array<{ nodes: Array<{ id: string; health: string }> }>;
      obs.shardHealth = {};
      for (const s of shards) for (const n of s.nodes ?? []) obs.shardHealth[n.id] = n.health;
    } catch {
      /* Redis < 7.0 has no CLUSTER SHARDS: NODES is enough */
    }
    try {
      const jobs = pairsToObject(await c.call("CLUSTER", "GETSLOTMIGRATIONS"));
      obs.migrations = Array.isArray(jobs) ? (jobs as Array<Record<string, unknown>>) : [];
    } catch {
      /* not Valkey 9: no atomic slot migration */
    }
    return obs;
  } catch (e) {
    return { observer: addr, reachable: false, error: (e as Error).message, nodes: [], openSlots: [] };
  } finally {
    if (own) c.disconnect();
  }
}

/** Observes every given node (in parallel). */
export async function observeCluster(addrs: Addr[], clients?: (a: Addr) => Redis | undefined): Promise<NodeObservation[]> {
  return Promise.all(addrs.map((a) => observeNode(a, clients?.(a))));
}

/** Discovers every node reachable from one seed address. */
export async function discover(seed: Addr): Promise<Addr[]> {
  const obs = await observeNode(seed);
  if (!obs.reachable) throw new Error(`cannot reach ${seed.host}:${seed.port}: ${obs.error}`);
  return obs.nodes.filter((n) => !n.flags.includes("fail") && !n.flags.includes("noaddr") && !n.flags.includes("handshake")).map((n) => ({ host: n.host, port: n.port }));
}

/** The slot → owner map one observer believes. */
export function slotOwners(obs: NodeObservation): (string | null)[] {
  const owners: (string | null)[] = new Array(SLOT_COUNT).fill(null);
  for (const n of obs.nodes) if (n.role === "primary") for (const [a, b] of n.slots) for (let s = a; s <= b; s++) owners[s] = n.id;
  return owners;
}

function ranges(slots: number[]): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const s of slots) {
    const last = out[out.length - 1];
    if (last && last[1] === s - 1) last[1] = s;
    else out.push([s, s]);
  }
  return out;
}

export function formatRanges(r: Array<[number, number]>): string {
  return r.map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`)).join(" ");
}

/** What `--cluster check` reports, as data. `expectedReplicas` per primary, when known. */
export function health(observations: NodeObservation[], expectedReplicas?: number): HealthReport {
  const problems: string[] = [];
  const reachable = observations.filter((o) => o.reachable);
  const unreachable = observations.filter((o) => !o.reachable).map((o) => `${o.observer.host}:${o.observer.port}`);
  for (const u of unreachable) problems.push(`node ${u} is unreachable`);
  if (reachable.length === 0) {
    return { ok: false, problems: problems.length ? problems : ["no node observed"], agreement: false, slotsCovered: 0, uncoveredSlots: [[0, SLOT_COUNT - 1]], openSlots: [], clusterStateOk: false, unreachable, replicasAttached: false, replicas: {}, keysPerPrimary: {}, slotsPerPrimary: {}, activeMigrations: [] };
  }
  // Agreement: every observer has the same slot map.
  const maps = reachable.map((o) => slotOwners(o));
  const reference = maps[0];
  let agreement = true;
  for (let i = 1; i < maps.length; i++) {
    const diff: number[] = [];
    for (let s = 0; s < SLOT_COUNT; s++) if (maps[i][s] !== reference[s]) diff.push(s);
    if (diff.length) {
      agreement = false;
      const a = reachable[0].observer, b = reachable[i].observer;
      problems.push(`nodes ${a.host}:${a.port} and ${b.host}:${b.port} disagree on slots ${formatRanges(ranges(diff)).slice(0, 200)}`);
    }
  }
  const uncovered: number[] = [];
  for (let s = 0; s < SLOT_COUNT; s++) if (reference[s] === null) uncovered.push(s);
  if (uncovered.length) problems.push(`${uncovered.length} slots not covered: ${formatRanges(ranges(uncovered)).slice(0, 200)}`);
  const openSlots = reachable.flatMap((o) => o.openSlots);
  for (const o of openSlots.slice(0, 20)) problems.push(`slot ${o.slot} is open (${o.state}) on node ${o.nodeId.slice(0, 8)}`);
  if (openSlots.length > 20) problems.push(`... and ${openSlots.length - 20} more open slots`);
  const badState = reachable.filter((o) => o.clusterState !== "ok");
  for (const o of badState) problems.push(`node ${o.observer.host}:${o.observer.port} reports cluster_state:${o.clusterState}`);

  // Replicas, keys and slots per primary, from each node's own view of itself.
  const self = new Map<string, NodeObservation>();
  for (const o of reachable) if (o.observerId) self.set(o.observerId, o);
  const view = reachable[0].nodes;
  const replicas: Record<string, string[]> = {};
  const keysPerPrimary: Record<string, number> = {};
  const slotsPerPrimary: Record<string, number> = {};
  for (const n of view) {
    if (n.role === "primary" && !n.flags.includes("fail")) {
      replicas[n.id] ??= [];
      slotsPerPrimary[n.id] = n.slots.reduce((sum, [a, b]) => sum + b - a + 1, 0);
      const o = self.get(n.id);
      if (o?.keys !== undefined) keysPerPrimary[n.id] = o.keys;
    }
  }
  for (const n of view) if (n.role === "replica" && n.primaryId && !n.flags.includes("fail")) (replicas[n.primaryId] ??= []).push(n.id);
  for (const n of view) if (n.flags.includes("fail") || n.flags.includes("fail?")) problems.push(`node ${n.host}:${n.port} is flagged ${n.flags.join(",")}`);
  let replicasAttached = true;
  if (expectedReplicas !== undefined) {
    for (const [pid, reps] of Object.entries(replicas)) {
      if (slotsPerPrimary[pid] > 0 && reps.length < expectedReplicas) {
        replicasAttached = false;
        problems.push(`primary ${pid.slice(0, 8)} has ${reps.length} replicas, expected ${expectedReplicas}`);
      }
    }
  }
  const activeMigrations: Array<Record<string, unknown>> = reachable.flatMap((o) => (o.migrations ?? []).filter((m) => !isFinishedMigration(m)).map((m) => ({ ...m, observer: o.observerId })));
  for (const m of activeMigrations.slice(0, 10)) problems.push(`atomic slot migration still ${String(m.state)} on node ${String(m.observer).slice(0, 8)}`);
  return {
    ok: problems.length === 0,
    problems,
    agreement,
    slotsCovered: SLOT_COUNT - uncovered.length,
    uncoveredSlots: ranges(uncovered),
    openSlots,
    clusterStateOk: badState.length === 0,
    unreachable,
    replicasAttached,
    replicas,
    keysPerPrimary,
    slotsPerPrimary,
    activeMigrations,
  };
}

function isFinishedMigration(m: Record<string, unknown>): boolean {
  const state = String(m.state ?? "").toLowerCase();
  return ["success", "failed", "cancelled", "canceled"].includes(state);
}
