// Support for this folder's tests and benchmark: slot arithmetic, direct preload, a
// small live load (ioredis Cluster), per-node placement checks and server errorstats.
// (The real load engine lives in workloads/; this stays small and independent.)
import { Cluster, type Redis } from "ioredis";
import type { StartedCluster } from "../providers/types.ts";
import { parseClusterNodes } from "../topology.ts";
import { startLocalCluster, type LocalCluster } from "../providers/local.ts";
import { runMigration } from "./driver.ts";
import { finishPlan, preparePlan } from "./planner.ts";
import { SLOT_COUNT, slotsOfPlan } from "./ranges.ts";
import { keySlot, slotTag } from "../../workloads/slots.ts";
import type { MigrationEvent, MigrationOutcome, MigrationPlan, PlanSpec } from "./types.ts";

/** A hash tag for every slot: `{tagForSlot(s)}:x` lands in slot s. */
export const tagForSlot = slotTag;
export { keySlot };

/** slot → admin client of its owner, from one primary's view. */
export async function slotOwnerClients(cluster: StartedCluster): Promise<{ owner: (slot: number) => Redis; ownerId: (slot: number) => string }> {
  const seed = cluster.nodes().find((n) => n.role === "primary" && n.state === "running")!;
  const { nodes } = parseClusterNodes((await cluster.admin(seed.name).call("CLUSTER", "NODES")) as string);
  const ids: string[] = new Array(SLOT_COUNT);
  for (const n of nodes) if (n.role === "primary") for (const [a, b] of n.slots) for (let s = a; s <= b; s++) ids[s] = n.id;
  return { owner: (s) => cluster.admin(ids[s]), ownerId: (s) => ids[s] };
}

/** Writes keys straight to their owners, pipelined. */
export async function preloadKeys(cluster: StartedCluster, entries: Iterable<[string, string | Buffer]>, batch = 200): Promise<number> {
  const { ownerId } = await slotOwnerClients(cluster);
  const groups = new Map<string, Array<[string, string | Buffer]>>();
  let n = 0;
  const flush = async (id: string) => {
    const list = groups.get(id)!;
    groups.set(id, []);
    const pipe = cluster.admin(id).pipeline();
    for (const [k, v] of list) pipe.set(k, v);
    const res = (await pipe.exec()) ?? [];
    for (const [err] of res) if (err) throw err;
  };
  for (const [k, v] of entries) {
    const id = ownerId(keySlot(k));
    if (!groups.has(id)) groups.set(id, []);
    groups.get(id)!.push([k, v]);
    n++;
    if (groups.get(id)!.length >= batch) await flush(id);
  }
  for (const id of groups.keys()) if (groups.get(id)!.length) await flush(id);
  return n;
}

export interface PlacementReport {
  checked: number;
  missing: string[];
  /** on more than one primary */
  duplicated: string[];
  /** present, but on a node that does not own its slot */
  misplaced: string[];
  wrongValue: string[];
}

/** Every key present exactly once, on the owner of its slot, with its value (checked per node). */
export async function verifyPlacement(cluster: StartedCluster, expected: Map<string, string>): Promise<PlacementReport> {
  const seed = cluster.nodes().find((n) => n.role === "primary" && n.state === "running")!;
  const { nodes } = parseClusterNodes((await cluster.admin(seed.name).call("CLUSTER", "NODES")) as string);
  const owner: string[] = new Array(SLOT_COUNT);
  for (const n of nodes) if (n.role === "primary") for (const [a, b] of n.slots) for (let s = a; s <= b; s++) owner[s] = n.id;
  const where = new Map<string, string[]>();
  const primaries = cluster.nodes().filter((n) => n.role === "primary" && n.state === "running");
  for (const p of primaries) {
    const c = cluster.admin(p.name);
    let cursor = "0";
    do {
      const [next, keys] = (await c.scan(cursor, "COUNT", 1000)) as [string, string[]];
      cursor = next;
      for (const k of keys) if (expected.has(k)) (where.get(k) ?? where.set(k, []).get(k)!).push(p.id);
    } while (cursor !== "0");
  }
  const r: PlacementReport = { checked: expected.size, missing: [], duplicated: [], misplaced: [], wrongValue: [] };
  const toRead = new Map<string, string[]>();
  for (const k of expected.keys()) {
    const at = where.get(k) ?? [];
    if (at.length === 0) r.missing.push(k);
    else if (at.length > 1) r.duplicated.push(k);
    else if (at[0] !== owner[keySlot(k)]) r.misplaced.push(k);
    else (toRead.get(at[0]) ?? toRead.set(at[0], []).get(at[0])!).push(k);
  }
  for (const [id, keys] of toRead) {
    for (let i = 0; i < keys.length; i += 500) {
      const part = keys.slice(i, i + 500);
      const pipe = cluster.admin(id).pipeline();
      for (const k of part) pipe.get(k);
      const res = (await pipe.exec()) ?? [];
      res.forEach(([, v], j) => {
        if (v !== expected.get(part[j])) r.wrongValue.push(part[j]);
      });
    }
  }
  return r;
}

/** errorstat_* counts summed over the running primaries (ASK, TRYAGAIN, MOVED, ...). */
export async function errorStats(cluster: StartedCluster): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const n of cluster.nodes().filter((x) => x.state === "running")) {
    const text = (await cluster.admin(n.name).call("INFO", "errorstats")) as string;
    for (const m of text.matchAll(/^errorstat_(\w+):count=(\d+)/gm)) out[m[1]] = (out[m[1]] ?? 0) + Number(m[2]);
  }
  return out;
}

export interface LoadStats {
  ops: number;
  errors: number;
  /** error message prefixes seen (first word), counted */
  errorKinds: Record<string, number>;
  /** client-side latency samples, ms */
  latenciesMs: number[];
}

export interface LoadOptions {
  /** SET:GET ratio as [sets, gets] */
  ratio?: [number, number];
  /** share of operations that are MGET over one hash-tagged group (multi-key) */
  multiKeyShare?: number;
  /** distinct keys (plain ops) */
  keySpace?: number;
  /** hash-tag groups for multi-key ops; keys `{tag}:0..groupSize-1` */
  groups?: string[];
  groupSize?: number;
  valueSize?: number;
  /** operations in flight */
  concurrency?: number;
  prefix?: string;
}

/**
 * A small closed-loop load through ioredis' cluster client (it follows MOVED/ASK and
 * retries TRYAGAIN itself; the servers' errorstats show what clients met).
 */
export function startLoad(seed: string, o: LoadOptions = {}): { stop(): Promise<LoadStats>; stats: LoadStats; reset(): void } {
  const [sets, gets] = o.ratio ?? [1, 10];
  const prefix = o.prefix ?? "load:";
  const keySpace = o.keySpace ?? 10_000;
  const value = "v".repeat(o.valueSize ?? 100);
  const groups = o.groups ?? [];
  const groupSize = o.groupSize ?? 8;
  const multi = groups.length ? (o.multiKeyShare ?? 0) : 0;
  const [host, port] = seed.split(":");
  const client = new Cluster([{ host, port: Number(port) }], {
    scaleReads: "master",
    enableOfflineQueue: true,
    redisOptions: { connectTimeout: 2000, maxRetriesPerRequest: 2 },
    retryDelayOnTryAgain: 5,
    retryDelayOnMoved: 0,
    maxRedirections: 32,
    slotsRefreshTimeout: 2000,
  });
  client.on("error", () => {});
  const stats: LoadStats = { ops: 0, errors: 0, errorKinds: {}, latenciesMs: [] };
  let running = true;
  let rnd = 0x2545f491;
  const next = () => ((rnd = (rnd * 1103515245 + 12345) >>> 0) / 2 ** 32);
  const worker = async () => {
    while (running) {
      const t0 = performance.now();
      try {
        const r = next();
        if (r < multi) {
          const tag = groups[Math.floor(next() * groups.length)];
          await client.mget(Array.from({ length: groupSize }, (_, i) => `{${tag}}:${i}`));
        } else {
          const key = `${prefix}${Math.floor(next() * keySpace)}`;
          if (next() < sets / (sets + gets)) await client.set(key, value);
          else await client.get(key);
        }
        stats.ops++;
      } catch (e) {
        stats.errors++;
        const kind = String((e as Error).message).split(" ")[0];
        stats.errorKinds[kind] = (stats.errorKinds[kind] ?? 0) + 1;
      }
      if (stats.latenciesMs.length < 500_000) stats.latenciesMs.push(performance.now() - t0);
    }
  };
  const workers = Array.from({ length: o.concurrency ?? 8 }, worker);
  return {
    stats,
    reset() {
      stats.ops = 0;
      stats.errors = 0;
      stats.errorKinds = {};
      stats.latenciesMs = [];
    },
    async stop() {
      running = false;
      // in-flight commands get 2 s to finish; then the client goes (rejecting what is left)
      const settled = Promise.allSettled(workers);
      await Promise.race([settled, new Promise((r) => setTimeout(r, 2000))]);
      const final = { ...stats, errorKinds: { ...stats.errorKinds } };
      client.disconnect(); // commands still queued for an unreachable cluster are dropped with it
      return final;
    },
  };
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

// ---- a scale-out 3→4 then scale-in 4→3 round trip under live load ----


export interface PhaseResult {
  plan: MigrationPlan;
  outcome: MigrationOutcome;
  events: MigrationEvent[];
  placement: PlacementReport;
  /** server errorstats delta over the migration */
  errors: Record<string, number>;
  load: LoadStats;
  removed: string[];
}

export function errorDelta(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const d = (after[k] ?? 0) - (before[k] ?? 0);
    if (d !== 0) out[k] = d;
  }
  return out;
}

export interface TestDataset {
  entries: Map<string, string>;
  /** hash tags of multi-key groups, with the slot each lands in */
  groups: Array<{ tag: string; slot: number }>;
  groupSize: number;
}

/** Preloaded keys: `pre:N` spread over all slots, plus multi-key groups `{tag}:i` in every `groupEvery`-th slot. */
export function testDataset(keys: number, o: { valueSize?: number; groupEvery?: number; groupSize?: number } = {}): TestDataset {
  const entries = new Map<string, string>();
  for (let i = 0; i < keys; i++) entries.set(`pre:${i}`, `${i}:`.padEnd(o.valueSize ?? 64, "x"));
  const groups: TestDataset["groups"] = [];
  const groupSize = o.groupSize ?? 40;
  for (let s = 0; s < SLOT_COUNT; s += o.groupEvery ?? 64) groups.push({ tag: tagForSlot(s), slot: s });
  for (const g of groups) for (let i = 0; i < groupSize; i++) entries.set(`{${g.tag}}:${i}`, `${g.tag}/${i}`);
  return { entries, groups, groupSize };
}

/**
 * One migration phase with live load: prepare, run, finish, then check every preloaded key
 * per node. Multi-key reads (MGET of a whole group) go to the groups inside the planned
 * slots, so clients meet slots while they are open.
 */
export async function migratePhase(cluster: StartedCluster, spec: PlanSpec, strategy: string, params: Record<string, unknown>, data: TestDataset, load: LoadOptions = {}): Promise<PhaseResult> {
  const t0 = process.hrtime.bigint();
  const now = () => Number(process.hrtime.bigint() - t0) / 1e6;
  const plan = await preparePlan(cluster, spec, { replicas: 0, now });
  const planned = new Set(slotsOfPlan(plan));
  const groups = data.groups.filter((g) => planned.has(g.slot)).map((g) => g.tag);
  const events: MigrationEvent[] = [];
  const before = await errorStats(cluster);
  const l = startLoad(cluster.seed(), { groups, groupSize: data.groupSize, multiKeyShare: groups.length ? 0.5 : 0, concurrency: 6, ...load });
  await sleep(300);
  const ac = new AbortController();
  const outcome = await runMigration(plan, strategy, { cluster, signal: ac.signal, now, params }, (e) => events.push(e), { settleMs: 20_000 });
  await sleep(200);
  const loadStats = await l.stop();
  const errors = errorDelta(before, await errorStats(cluster));
  const fin = await finishPlan(cluster, plan, { now, onEvent: (e) => events.push(e) });
  const placement = await verifyPlacement(cluster, data.entries);
  return { plan, outcome, events, placement, errors, load: loadStats, removed: fin.removed };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export async function startTestCluster(server: "valkey-9.1" | "redis-7.0" = "valkey-9.1", primaries = 3): Promise<LocalCluster> {
  return startLocalCluster({ server, primaries, replicasPerPrimary: 0 });
}

/**
 * Freezes (or thaws) the cluster bus on every node: a network split on the bus only,
 * clients still served. Links close on each dropped packet so they reconnect at once
 * when it thaws. DEBUG switches of Valkey 9 (not stable APIs).
 */
export async function freezeClusterBus(cluster: StartedCluster, frozen: boolean): Promise<void> {
  for (const n of cluster.nodes()) {
    const c = cluster.admin(n.name);
    if (frozen) {
      await c.call("DEBUG", "CLOSE-CLUSTER-LINK-ON-PACKET-DROP", "1");
      await c.call("DEBUG", "DROP-CLUSTER-PACKET-FILTER", "-2");
    } else {
      await c.call("DEBUG", "DROP-CLUSTER-PACKET-FILTER", "-1");
      await c.call("DEBUG", "CLOSE-CLUSTER-LINK-ON-PACKET-DROP", "0");
    }
  }
}
