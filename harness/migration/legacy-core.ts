// The key-by-key slot move of `valkey-cli --cluster reshard/rebalance`, shared by the
// `legacy` and `throttled` strategies and by fixCluster():
//
//   target: CLUSTER SETSLOT s IMPORTING source-id
//   source: CLUSTER SETSLOT s MIGRATING target-id
//   source: loop CLUSTER GETKEYSINSLOT s pipeline → MIGRATE host port "" 0 timeout [REPLACE] KEYS k...
//   target, source, every other primary: CLUSTER SETSLOT s NODE target-id
import type { Redis } from "ioredis";
import type { StartedCluster } from "../providers/types.ts";
import { Channel } from "./channel.ts";
import { checkKeys, optBool, optNumber, type Params } from "./params.ts";
import { countSlots, expandRanges, formatRanges } from "./ranges.ts";
import type { MigrationEvent, MigrationPlan, Move, NodeRef, StrategyContext } from "./types.ts";

/** How the harness reaches nodes: a provider's cluster, or plain connections (fixCluster). */
export interface NodeAccess {
  client(node: NodeRef): Redis;
  /** primaries that get CLUSTER SETSLOT NODE after a slot moved */
  primaries(): NodeRef[];
}

export function clusterAccess(cluster: StartedCluster): NodeAccess {
  return {
    client: (n) => cluster.admin(n.id || n.name),
    primaries: () =>
      cluster
        .nodes()
        .filter((n) => n.role === "primary" && n.state === "running")
        .map((n) => ({ id: n.id, name: n.name, host: n.host, port: n.port })),
  };
}

export interface LegacyParams {
  /** keys per MIGRATE (valkey-cli --cluster-pipeline, default 10) */
  pipeline: number;
  /** MIGRATE timeout in ms (valkey-cli --cluster-timeout, default 60000) */
  timeout: number;
  /** MIGRATE ... REPLACE (valkey-cli --cluster-replace) */
  replace: boolean;
}

export const LEGACY_PARAM_KEYS = ["pipeline", "timeout", "replace"] as const;

export function parseLegacyParams(params: Params, strategy = "legacy", extraKeys: readonly string[] = []): LegacyParams {
  checkKeys(params, [...LEGACY_PARAM_KEYS, ...extraKeys], strategy);
  return {
    pipeline: optNumber(params, "pipeline", { min: 1, max: 100_000, integer: true, unit: "keys per MIGRATE" }) ?? 10,
    timeout: optNumber(params, "timeout", { min: 1, max: 3_600_000, integer: true, unit: "ms" }) ?? 60_000,
    replace: optBool(params, "replace") ?? false,
  };
}

/** A server error while moving a slot: a migration failure (a finding), not a harness error. */
export class SlotMoveError extends Error {
  override readonly name = "SlotMoveError";
  constructor(
    message: string,
    readonly slot: number,
    readonly node: string,
  ) {
    super(message);
  }
}

export interface SlotMoveHooks {
  /** called before each slot is opened; may wait (pacing: a slot's SETSLOT round has a cost of its own) */
  beforeSlot?(slot: number): Promise<void>;
  /** keys to ask GETKEYSINSLOT for next (default: the pipeline parameter) */
  batchSize?(): number;
  /** called with each batch before MIGRATE; may wait (pacing) */
  beforeBatch?(keys: Buffer[], slot: number, source: Redis): Promise<void>;
  /** called after each MIGRATE with how long it took: the time it blocked the source */
  afterBatch?(keys: number, ms: number): void;
  signal?: AbortSignal;
  /** skip the IMPORTING/MIGRATING step (the slot is already open, as in fixCluster) */
  alreadyOpen?: boolean;
  /** send ASKING before each MIGRATE: the source holds keys of a slot it only imports (fixCluster) */
  asking?: boolean;
}

async function step<T>(what: string, slot: number, node: NodeRef, f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    throw new SlotMoveError(`${what} on ${node.name} (${node.host}:${node.port}) failed for slot ${slot}: ${(e as Error).message}`, slot, node.name);
  }
}

/** Moves every key of `slot` from source to target (the slot must be open); returns the number of keys. */
export async function migrateKeys(access: NodeAccess, slot: number, source: NodeRef, target: NodeRef, p: LegacyParams, hooks: SlotMoveHooks = {}): Promise<number> {
  const src = access.client(source);
  let moved = 0;
  for (;;) {
    hooks.signal?.throwIfAborted();
    const count = hooks.batchSize?.() ?? p.pipeline;
    const keys = (await step("CLUSTER GETKEYSINSLOT", slot, source, () => src.callBuffer("CLUSTER", "GETKEYSINSLOT", slot, count))) as Buffer[];
    if (keys.length === 0) return moved;
    await hooks.beforeBatch?.(keys, slot, src);
    const args = (replace: boolean) => [target.host, target.port, "", 0, p.timeout, ...(replace ? ["REPLACE"] : []), "KEYS", ...keys];
    const migrate = async (replace: boolean) => {
      if (!hooks.asking) return src.callBuffer("MIGRATE", ...args(replace));
      // ASKING applies to the next command on the same connection: send both in one pipeline.
      const res = (await src.pipeline().call("ASKING").callBuffer("MIGRATE", ...args(replace)).exec()) ?? [];
      for (const [err] of res) if (err) throw err;
      return res[1]?.[1];
    };
    const started = performance.now();
    try {
      await migrate(p.replace);
    } catch (e) {
      const msg = (e as Error).message;
      if (!/BUSYKEY/.test(msg) || p.replace)
        throw new SlotMoveError(`MIGRATE from ${source.name} to ${target.name} failed for slot ${slot}: ${msg}`, slot, source.name);
      // valkey-cli: a key that exists on the target too is replaced only when both copies
      // are equal (DEBUG DIGEST-VALUE) or --cluster-replace was given.
      const diffs = await differingKeys(src, access.client(target), keys);
      if (diffs === undefined)
        throw new SlotMoveError(`MIGRATE from ${source.name} to ${target.name} failed for slot ${slot}: target key exists and DEBUG DIGEST-VALUE is not available to compare the copies; set migration.params.replace: true to overwrite`, slot, source.name);
      if (diffs.length > 0)
        throw new SlotMoveError(`MIGRATE from ${source.name} to ${target.name} failed for slot ${slot}: ${diffs.length} key(s) exist on both nodes with different values (${diffs.slice(0, 5).join(", ")}); set migration.params.replace: true to overwrite`, slot, source.name);
      await step("MIGRATE REPLACE", slot, source, () => migrate(true));
    }
    hooks.afterBatch?.(keys.length, performance.now() - started);
    moved += keys.length;
  }
}

/** A missing key's DEBUG DIGEST-VALUE. */
const NO_KEY = "0".repeat(40);

/**
 * Keys whose values differ between the two nodes (DEBUG DIGEST-VALUE), or undefined when
 * DEBUG is not allowed. A key one node lacks is no conflict (valkey-cli skips it too): a
 * batch that met BUSYKEY for one key holds others that are only on the source.
 */
async function differingKeys(src: Redis, dst: Redis, keys: Buffer[]): Promise<string[] | undefined> {
  try {
    const [a, b] = (await Promise.all([src.callBuffer("DEBUG", "DIGEST-VALUE", ...keys), dst.callBuffer("DEBUG", "DIGEST-VALUE", ...keys)])) as [Buffer[], Buffer[]];
    return keys.filter((_, i) => String(a[i]) !== NO_KEY && String(b[i]) !== NO_KEY && String(a[i]) !== String(b[i])).map((k) => k.toString());
  } catch {
    return undefined;
  }
}

/** Replies of the source to SETSLOT NODE that valkey-cli accepts: it just lost its last slot and
 *  turned replica, or it was unblocked/had no replicas while pre-replicating the SETSLOT. */
const ACCEPTABLE_ON_SOURCE = /^(ERR Please use SETSLOT only with (masters|primaries)\.|UNBLOCKED|NOREPLICAS)/;

/** CLUSTER SETSLOT s NODE target on the target first (so the slot never lacks an owner), then the source, then every other primary. */
export async function setSlotOwner(access: NodeAccess, slot: number, target: NodeRef, source?: NodeRef): Promise<void> {
  const set = (n: NodeRef) => access.client(n).call("CLUSTER", "SETSLOT", slot, "NODE", target.id);
  await step("CLUSTER SETSLOT NODE", slot, target, () => set(target));
  if (source && source.id !== target.id) {
    await step("CLUSTER SETSLOT NODE", slot, source, () =>
      set(source).catch((e: Error) => {
        if (!ACCEPTABLE_ON_SOURCE.test(e.message)) throw e;
      }),
    );
  }
  for (const p of access.primaries()) if (p.id !== target.id && p.id !== source?.id) await step("CLUSTER SETSLOT NODE", slot, p, () => set(p));
}

/** One slot, the valkey-cli way. Returns the number of keys migrated. */
export async function moveSlot(access: NodeAccess, slot: number, source: NodeRef, target: NodeRef, p: LegacyParams, hooks: SlotMoveHooks = {}): Promise<number> {
  await hooks.beforeSlot?.(slot);
  if (!hooks.alreadyOpen) {
    await step("CLUSTER SETSLOT IMPORTING", slot, target, () => access.client(target).call("CLUSTER", "SETSLOT", slot, "IMPORTING", source.id));
    await step("CLUSTER SETSLOT MIGRATING", slot, source, () => access.client(source).call("CLUSTER", "SETSLOT", slot, "MIGRATING", target.id));
  }
  const keys = await migrateKeys(access, slot, source, target, p, hooks);
  await setSlotOwner(access, slot, target, source);
  return keys;
}

export interface MoveRunOptions {
  /** slots in flight at once, each on a different source/target pair (1 = valkey-cli) */
  parallel: number;
  hooks?: SlotMoveHooks;
}

/**
 * Runs every slot of the plan with `moveSlot`, up to `parallel` at once (at most one slot
 * per source→target pair, so each pair streams one slot at a time, Codis-style), pushing
 * events; ends with a `finished` event when the migration did not succeed.
 */
export async function runSlotMoves(plan: MigrationPlan, ctx: StrategyContext, p: LegacyParams, opts: MoveRunOptions, out: Channel<MigrationEvent>): Promise<void> {
  const access = clusterAccess(ctx.cluster);
  const queues = plan.moves.map((move) => ({ move, slots: expandRanges(move.slots), next: 0, busy: false, done: 0 }));
  const active = new Set<Promise<void>>();
  let failure: SlotMoveError | undefined;
  let keysTotal = 0;
  const emit = (kind: MigrationEvent["kind"], details: Record<string, unknown>) => out.push({ kind, atMs: ctx.now(), ...details });
  const names = (m: Move) => ({ source: m.source.name, target: m.target.name });

  const runOne = async (q: (typeof queues)[number], slot: number) => {
    const t0 = ctx.now();
    try {
      const keys = await moveSlot(access, slot, q.move.source, q.move.target, p, { ...opts.hooks, signal: ctx.signal });
      keysTotal += keys;
      q.done++;
      emit("slot-done", { slot, ...names(q.move), keys, ms: +(ctx.now() - t0).toFixed(1) });
      if (q.done === q.slots.length) emit("move-finished", { ...names(q.move), slots: formatRanges(q.move.slots), slotCount: q.slots.length });
    } catch (e) {
      if (ctx.signal.aborted) return;
      failure ??= e instanceof SlotMoveError ? e : new SlotMoveError((e as Error).message, slot, q.move.source.name);
      emit("error", { error: (e as Error).message, slot, ...names(q.move) });
    } finally {
      q.busy = false;
    }
  };

  for (;;) {
    while (!failure && !ctx.signal.aborted && active.size < opts.parallel) {
      const q = queues.find((x) => !x.busy && x.next < x.slots.length);
      if (!q) break;
      if (q.next === 0) emit("move-started", { ...names(q.move), slots: formatRanges(q.move.slots), slotCount: countSlots(q.move.slots) });
      q.busy = true;
      const task = runOne(q, q.slots[q.next++]);
      active.add(task);
      void task.finally(() => active.delete(task));
    }
    if (active.size === 0) break;
    await Promise.race(active);
  }
  if (ctx.signal.aborted) out.push({ kind: "finished", atMs: ctx.now(), outcome: "cancelled", keysMigrated: keysTotal, error: "migration aborted" });
  else if (failure) out.push({ kind: "finished", atMs: ctx.now(), outcome: "failed", keysMigrated: keysTotal, error: failure.message, slot: failure.slot });
  else out.push({ kind: "finished", atMs: ctx.now(), outcome: "success", keysMigrated: keysTotal });
}
