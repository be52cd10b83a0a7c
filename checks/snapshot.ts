// The final read: every key from every node, read DIRECTLY (never cluster-routed), beside
// the slot map and the health report. Completeness compares it with the history; a key a
// cluster client could never reach (a stale copy on an old owner) is exactly what it must see.
//
// Order: observe topology -> wait (bounded) for replicas to reach their primary's offset ->
// per node, concurrently: SCAN + pipelined GET (typed reads for non-strings, ASKING for
// importing slots, DEBUG DIGEST-VALUE for keys the node will not serve) -> per-slot key
// counts on each owner (CLUSTER COUNTKEYSINSLOT). Writers must have stopped before.
import { Redis } from "ioredis";
import { UsageError } from "../harness/errors.ts";
import type { NodeInfo, StartedCluster } from "../harness/providers/types.ts";
import { SLOT_COUNT, health, parseInfo, observeCluster, slotOwners, type HealthReport, type NodeObservation } from "../harness/topology.ts";
import { keySlot } from "../workloads/slots.ts";
import type { ClusterSnapshot } from "./types.ts";

export interface SnapshotOptions {
  /** limit the read to these keys: a SCAN MATCH pattern, or key prefixes; default every key */
  keys?: { pattern?: string; prefixes?: string[] };
  /** how long to wait for replicas to reach their primary's replication offset (default 10 000 ms) */
  waitReplicasMs?: number;
  /** SCAN COUNT hint and keys per pipelined batch (default 1000) */
  batch?: number;
  /** lists up to this many elements are read whole into `lists` (default 10 000) */
  maxListElements?: number;
  /** per-command timeout on the snapshot's own connections (default 10 000 ms) */
  commandTimeoutMs?: number;
  /** replicas expected per primary, for the health report (default: the cluster spec's) */
  expectedReplicas?: number;
  signal?: AbortSignal;
}

type SnapshotNode = ClusterSnapshot["nodes"][number];
type Cluster = Pick<StartedCluster, "nodes"> & { spec?: { replicasPerPrimary?: number } };

const DEFAULTS = { waitReplicasMs: 10_000, batch: 1000, maxListElements: 10_000, commandTimeoutMs: 10_000 };

/** Reads the final state of every live node. Never writes. */
export async function takeSnapshot(cluster: Cluster, options: SnapshotOptions = {}): Promise<ClusterSnapshot> {
  const opts = { ...DEFAULTS, ...options };
  validate(opts);
  const started = Date.now();
  const all = cluster.nodes().filter((n) => n.state === "running" || n.state === "paused");
  const live = all.filter((n) => n.state === "running");
  const obs = await observeCluster(live.map((n) => ({ host: n.host, port: n.port })));
  const report = health(obs, options.expectedReplicas ?? cluster.spec?.replicasPerPrimary);
  const owners = majorityOwners(obs);
  const selfView = new Map<string, NodeObservation>();
  for (const o of obs) if (o.reachable && o.observerId) selfView.set(o.observerId, o);

  const conns = new Map<string, Redis>();
  try {
    const nodes: SnapshotNode[] = all.map((n) => describeNode(n, selfView));
    for (const n of nodes) {
      if (n.error) continue;
      conns.set(n.id, connect(n, opts.commandTimeoutMs));
    }
    await waitForReplicas(nodes, conns, opts.waitReplicasMs, opts.signal);
    const twins = await identicalReplicas(nodes, conns);
    await Promise.all(
      nodes.filter((n) => !n.error && !twins.has(n.id)).map(async (n) => {
        try {
          await readNode(n, conns.get(n.id)!, selfView.get(n.id), opts);
        } catch (e) {
          opts.signal?.throwIfAborted();
          n.error = `read failed: ${(e as Error).message}`;
        }
      }),
    );
    for (const [replicaId, primary] of twins) {
      const r = nodes.find((n) => n.id === replicaId)!;
      if (!primary.error) {
        Object.assign(r, { keys: primary.keys, sameAsPrimary: true });
        if (primary.lists) r.lists = primary.lists;
        if (primary.unreadable) r.unreadable = primary.unreadable;
        continue;
      }
      try {
        await readNode(r, conns.get(r.id)!, selfView.get(r.id), opts); // the primary's read failed after all
      } catch (e) {
        r.error = `read failed: ${(e as Error).message}`;
      }
    }
    const slotKeyCounts = await countKeysPerSlot(nodes, conns, owners);
    const snap: ClusterSnapshot = {
      takenAt: new Date().toISOString(),
      slotOwners: owners,
      nodes,
      health: report satisfies HealthReport,
      slotKeyCounts,
      readMs: Date.now() - started,
    };
    if (opts.keys) snap.keyFilter = opts.keys;
    return snap;
  } finally {
    for (const c of conns.values()) c.disconnect();
  }
}

function validate(o: typeof DEFAULTS & SnapshotOptions): void {
  for (const k of ["waitReplicasMs", "batch", "maxListElements", "commandTimeoutMs"] as const) {
    if (!(Number.isFinite(o[k]) && o[k] >= 0)) throw new UsageError(`snapshot option ${k}: ${o[k]} is not allowed: use a number >= 0`);
  }
  if (o.batch < 1) throw new UsageError(`snapshot option batch: ${o.batch} is not allowed: use a whole number >= 1`);
  const k = o.keys;
  if (k && k.pattern !== undefined && typeof k.pattern !== "string") throw new UsageError(`snapshot option keys.pattern: ${JSON.stringify(k.pattern)} is not allowed: use a SCAN MATCH pattern string`);
  if (k?.prefixes && (!Array.isArray(k.prefixes) || k.prefixes.some((p) => typeof p !== "string" || p === ""))) {
    throw new UsageError(`snapshot option keys.prefixes: ${JSON.stringify(k.prefixes)} is not allowed: use a list of non-empty strings`);
  }
}

/** Per slot, the owner most observers agree on (ties: the first observer's view). */
export function majorityOwners(obs: NodeObservation[]): (string | null)[] {
  const maps = obs.filter((o) => o.reachable).map(slotOwners);
  const out: (string | null)[] = new Array(SLOT_COUNT).fill(null);
  if (maps.length === 0) return out;
  for (let s = 0; s < SLOT_COUNT; s++) {
    const first = maps[0][s];
    if (maps.every((m) => m[s] === first)) {
      out[s] = first; // the common case, without counting
      continue;
    }
    const votes = new Map<string | null, number>();
    let best = first, bestVotes = 0;
    for (const m of maps) {
      const v = (votes.get(m[s]) ?? 0) + 1;
      votes.set(m[s], v);
      if (v > bestVotes) { best = m[s]; bestVotes = v; }
    }
    out[s] = best;
  }
  return out;
}

function describeNode(n: NodeInfo, selfView: Map<string, NodeObservation>): SnapshotNode {
  const o = selfView.get(n.id);
  const me = o?.nodes.find((x) => x.id === n.id);
  const out: SnapshotNode = {
    id: n.id,
    name: n.name,
    role: me?.role ?? n.role,
    host: n.host,
    port: n.port,
    keys: {},
  };
  const primaryId = me ? me.primaryId : n.primaryId;
  if (out.role === "replica" && primaryId) out.primaryId = primaryId;
  if (me && me.role === "primary") out.ownSlots = me.slots;
  if (n.state === "paused") out.error = "node is paused";
  else if (!o) out.error = "node did not answer CLUSTER NODES";
  return out;
}

function connect(n: SnapshotNode, commandTimeout: number): Redis {
  const c = new Redis({
    host: n.host, port: n.port, lazyConnect: true, connectTimeout: 2000, commandTimeout,
    maxRetriesPerRequest: 0, retryStrategy: () => null, enableReadyCheck: false,
  });
  c.on("error", () => {}); // failures surface on the commands
  return c;
}


/**
 * Bounded: until every replica's link is up and its offset reached its primary's
 * master_repl_offset as read once at the start (no writes run, so that offset is final
 * apart from pings). A replica still behind is recorded (caughtUp false), never waited on forever.
 */
async function waitForReplicas(nodes: SnapshotNode[], conns: Map<string, Redis>, timeoutMs: number, signal?: AbortSignal): Promise<void> {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const replicas = nodes.filter((n) => n.role === "replica" && !n.error && n.primaryId && byId.get(n.primaryId) && !byId.get(n.primaryId)!.error);
  if (replicas.length === 0) return;
  const target = new Map<string, number>();
  for (const pid of new Set(replicas.map((r) => r.primaryId!))) {
    try {
      target.set(pid, Number(parseInfo((await conns.get(pid)!.call("INFO", "replication")) as string).master_repl_offset));
    } catch {
      /* primary unreadable: its replicas stay without a replication record */
    }
  }
  const deadline = Date.now() + timeoutMs;
  let pending = replicas.filter((r) => target.has(r.primaryId!));
  for (;;) {
    signal?.throwIfAborted();
    const still: SnapshotNode[] = [];
    for (const r of pending) {
      const primaryOffset = target.get(r.primaryId!)!;
      let offset = -1, linkUp = false;
      try {
        const info = parseInfo((await conns.get(r.id)!.call("INFO", "replication")) as string);
        offset = Number(info.slave_repl_offset ?? info.replica_repl_offset ?? -1);
        linkUp = (info.master_link_status ?? "") === "up";
      } catch {
        /* counted as behind */
      }
      const caughtUp = linkUp && offset >= primaryOffset;
      r.replication = { offset, primaryOffset, caughtUp };
      if (!caughtUp) still.push(r);
    }
    pending = still;
    if (pending.length === 0 || Date.now() >= deadline) return;
    await new Promise((res) => setTimeout(res, 50));
  }
}

/**
 * Replicas whose whole dataset has the same DEBUG DIGEST as their primary's: reading them key
 * by key would only read the same values again (half the snapshot's time with one replica
 * each). Any replica that differs, or a server without DEBUG, is read in full.
 */
async function identicalReplicas(nodes: SnapshotNode[], conns: Map<string, Redis>): Promise<Map<string, SnapshotNode>> {
  const out = new Map<string, SnapshotNode>();
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const digest = async (n: SnapshotNode): Promise<string | undefined> => {
    try {
      const d = await conns.get(n.id)!.call("DEBUG", "DIGEST");
      return typeof d === "string" && d.length > 0 ? d : undefined;
    } catch {
      return undefined; // DEBUG disabled (enable-debug-command no): read the replica
    }
  };
  const cache = new Map<string, Promise<string | undefined>>();
  const of = (n: SnapshotNode) => {
    if (!cache.has(n.id)) cache.set(n.id, digest(n));
    return cache.get(n.id)!;
  };
  await Promise.all(
    nodes.map(async (r) => {
      const p = r.primaryId ? byId.get(r.primaryId) : undefined;
      if (r.role !== "replica" || r.error || !p || p.error || p.role !== "primary") return;
      const [dr, dp] = await Promise.all([of(r), of(p)]);
      if (dr !== undefined && dr === dp) out.set(r.id, p);
    }),
  );
  return out;
}

/** SCAN MATCH patterns for the key filter (prefixes escaped: they are literal). */
function scanPatterns(keys: SnapshotOptions["keys"]): string[] {
  if (!keys) return ["*"];
  const out: string[] = [];
  if (keys.pattern) out.push(keys.pattern);
  for (const p of keys.prefixes ?? []) out.push(p.replace(/[\\*?[\]]/g, "\\$&") + "*");
  return out.length ? out : ["*"];
}

/** Slot ranges the node serves: its own slots, or its primary's for a replica. */
function servedSlots(n: SnapshotNode, self: NodeObservation | undefined): Set<number> {
  const served = new Set<number>();
  const me = self?.nodes.find((x) => x.id === n.id);
  const ranges = me?.role === "primary" ? me.slots : self?.nodes.find((x) => x.id === me?.primaryId)?.slots ?? [];
  for (const [a, b] of ranges) for (let s = a; s <= b; s++) served.add(s);
  return served;
}

type Opts = typeof DEFAULTS & SnapshotOptions;

async function readNode(n: SnapshotNode, c: Redis, self: NodeObservation | undefined, opts: Opts): Promise<void> {
  if (n.role === "replica") await c.call("READONLY");
  const served = servedSlots(n, self);
  const importing = new Set((self?.openSlots ?? []).filter((o) => o.state === "importing").map((o) => o.slot));
  const seen = new Set<string>();
  for (const pattern of scanPatterns(opts.keys)) {
    const scan = (cursor: string) => c.call("SCAN", cursor, "MATCH", pattern, "COUNT", String(opts.batch)) as Promise<[string, string[]]>;
    let page = await scan("0");
    for (;;) {
      opts.signal?.throwIfAborted();
      const [cursor, keys] = page;
      const fresh = keys.filter((k) => !seen.has(k)); // SCAN may return a key twice
      for (const k of fresh) seen.add(k);
      // The next SCAN page travels while this page's values are read.
      const [next] = await Promise.all([cursor === "0" ? undefined : scan(cursor), fresh.length ? readKeys(n, c, fresh, served, importing, opts) : undefined]);
      if (!next) break;
      page = next;
    }
  }
}

const errorOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** One batch: GET everything the node serves; typed reads, ASKING and digests for the rest. */
async function readKeys(n: SnapshotNode, c: Redis, keys: string[], served: Set<number>, importing: Set<number>, opts: Opts): Promise<void> {
  const direct: string[] = [];
  const asking: string[] = [];
  const foreign: string[] = [];
  for (const k of keys) {
    const slot = keySlot(k);
    if (served.has(slot)) direct.push(k);
    else if (importing.has(slot) && n.role === "primary") asking.push(k);
    else foreign.push(k);
  }
  const typed: string[] = [];
  const p = c.pipeline();
  for (const k of direct) p.get(k);
  for (const k of asking) { p.call("ASKING"); p.get(k); }
  const replies = (await p.exec()) ?? [];
  const getReplies = [...replies.slice(0, direct.length), ...replies.slice(direct.length).filter((_, i) => i % 2 === 1)];
  [...direct, ...asking].forEach((k, i) => {
    const [err, value] = getReplies[i] ?? [new Error("no reply"), null];
    if (!err) {
      if (value !== null) n.keys[k] = value as string; // null: expired between SCAN and GET
    } else if (/^WRONGTYPE/.test(errorOf(err))) typed.push(k);
    else foreign.push(k); // MOVED / ASK: the node's view changed under us; treat as not served
  });
  if (typed.length) await readTyped(n, c, typed, opts.maxListElements);
  if (foreign.length) await readForeign(n, c, foreign);
}

const LENGTH_OF: Record<string, string> = { list: "LLEN", hash: "HLEN", set: "SCARD", zset: "ZCARD", stream: "XLEN" };

async function readTyped(n: SnapshotNode, c: Redis, keys: string[], maxList: number): Promise<void> {
  const tp = c.pipeline();
  for (const k of keys) tp.type(k);
  const types = ((await tp.exec()) ?? []).map(([err, t]) => (err ? "unknown" : String(t)));
  const lp = c.pipeline();
  keys.forEach((k, i) => (LENGTH_OF[types[i]] ? lp.call(LENGTH_OF[types[i]], k) : lp.call("EXISTS", k)));
  const lens = ((await lp.exec()) ?? []).map(([err, v]) => (err ? undefined : Number(v)));
  const lists: string[] = [];
  keys.forEach((k, i) => {
    if (types[i] === "none") return; // deleted in between
    n.keys[k] = `type:${types[i]}:${LENGTH_OF[types[i]] ? lens[i] ?? "?" : "?"}`;
    if (types[i] === "list" && (lens[i] ?? Infinity) <= maxList) lists.push(k);
  });
  if (lists.length) {
    const rp = c.pipeline();
    for (const k of lists) rp.lrange(k, 0, -1);
    const got = (await rp.exec()) ?? [];
    n.lists ??= {};
    lists.forEach((k, i) => {
      const [err, v] = got[i] ?? [new Error("no reply"), null];
      if (!err) n.lists![k] = v as string[];
    });
  }
}

/** Keys the node holds but will not serve: DEBUG DIGEST-VALUE is not routed, so it still answers. */
async function readForeign(n: SnapshotNode, c: Redis, keys: string[]): Promise<void> {
  n.unreadable ??= {};
  const p = c.pipeline();
  for (const k of keys) p.call("DEBUG", "DIGEST-VALUE", k);
  const replies = (await p.exec()) ?? [];
  keys.forEach((k, i) => {
    const [err, v] = replies[i] ?? [new Error("no reply"), null];
    const digest = Array.isArray(v) ? v[0] : v;
    n.unreadable![k] = !err && typeof digest === "string" ? `digest:${digest}` : "unreadable";
  });
}

/** Owner-side key counts per slot (CLUSTER COUNTKEYSINSLOT, pipelined per owner). */
async function countKeysPerSlot(nodes: SnapshotNode[], conns: Map<string, Redis>, owners: (string | null)[]): Promise<Record<string, number> | undefined> {
  const out: Record<string, number> = {};
  let complete = true;
  await Promise.all(
    nodes.filter((n) => n.role === "primary" && !n.error).map(async (n) => {
      const slots: number[] = [];
      for (let s = 0; s < SLOT_COUNT; s++) if (owners[s] === n.id) slots.push(s);
      if (!slots.length) return;
      const p = conns.get(n.id)!.pipeline();
      for (const s of slots) p.call("CLUSTER", "COUNTKEYSINSLOT", String(s));
      try {
        const replies = (await p.exec()) ?? [];
        slots.forEach((s, i) => {
          const [err, v] = replies[i] ?? [new Error("no reply"), null];
          if (err) complete = false;
          else if (Number(v) > 0) out[String(s)] = Number(v);
        });
      } catch {
        complete = false;
      }
    }),
  );
  return complete ? out : undefined;
}
