// Repairs what an interrupted legacy migration leaves behind, the way
// `valkey-cli --cluster fix` does, and says what it did:
//
// - a slot MIGRATING on A and IMPORTING on B: finish the move (remaining keys A → B,
//   then CLUSTER SETSLOT NODE B on B, A and every other primary);
// - any other open slot (lone IMPORTING or MIGRATING), or a slot several primaries claim
//   (`--cluster-search-multiple-owners`; found from each node's own view): pick the owner
//   (the one node claiming it, else the claimant or key holder with most keys), move
//   keys other nodes hold to it (on BUSYKEY: REPLACE when both copies are equal, else
//   refuse, as valkey-cli does without --cluster-replace), SETSLOT STABLE
//   where the slot is open, SETSLOT NODE owner everywhere, and BUMPEPOCH when nodes
//   disagreed so the owner's claim wins;
// - slots nobody covers: ADDSLOTS on the node with most keys in them, else spread over
//   the primaries holding fewest slots.
import { Redis } from "ioredis";
import { HarnessError, UsageError } from "../errors.ts";
import { discover, health, observeCluster, slotOwners, type Addr, type HealthReport, type NodeObservation } from "../topology.ts";
import { sleep } from "./channel.ts";
import { migrateKeys, setSlotOwner, type NodeAccess } from "./legacy-core.ts";
import { formatRanges, toRanges } from "./ranges.ts";
import type { NodeRef } from "./types.ts";

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|::1)$/;

export interface FixOptions {
  /** MIGRATE timeout, ms (default 60000) */
  migrateTimeoutMs?: number;
  /** keys per MIGRATE (default 10) */
  pipeline?: number;
  /** how long to wait for the repaired cluster to converge, ms (default 10000) */
  settleMs?: number;
}

export interface FixReport {
  seed: string;
  /** what was done, one sentence each, in order */
  actions: string[];
  before: HealthReport;
  after: HealthReport;
  ok: boolean;
}

export function parseAddr(text: string, field = "seed"): Addr {
  const m = /^(.+):(\d{1,5})$/.exec(text.trim());
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535) throw new UsageError(`${field}: '${text}' is not allowed: use host:port, e.g. 127.0.0.1:7000`);
  if (!LOOPBACK.test(m[1])) throw new UsageError(`${field}: '${text}' is not allowed: only loopback addresses (127.x.x.x) are used`);
  return { host: m[1], port: Number(m[2]) };
}

interface NodeState {
  ref: NodeRef;
  client: Redis;
  obs: NodeObservation;
  primary: boolean;
  /** slots this node says it owns */
  claims: Set<number>;
}

function describeNode(n: NodeRef): string {
  return `${n.host}:${n.port} (${n.id.slice(0, 8)})`;
}

async function observe(addrs: Addr[], clients: Map<string, Redis>): Promise<NodeObservation[]> {
  return observeCluster(addrs, (a) => clients.get(`${a.host}:${a.port}`));
}

function nodeStates(obs: NodeObservation[], clients: Map<string, Redis>): NodeState[] {
  const out: NodeState[] = [];
  for (const o of obs) {
    const me = o.nodes.find((n) => n.id === o.observerId);
    if (!me || !o.observerId) continue;
    const claims = new Set<number>();
    for (const [a, b] of me.slots) for (let s = a; s <= b; s++) claims.add(s);
    out.push({
      ref: { id: me.id, name: `${o.observer.host}:${o.observer.port}`, host: o.observer.host, port: o.observer.port },
      client: clients.get(`${o.observer.host}:${o.observer.port}`)!,
      obs: o,
      primary: me.role === "primary",
      claims,
    });
  }
  return out;
}

/** Slots that more than one primary claims in its own view of itself. */
function claimedBySeveral(primaries: NodeState[]): number[] {
  const claims = new Map<number, number>();
  for (const n of primaries) for (const s of n.claims) claims.set(s, (claims.get(s) ?? 0) + 1);
  return [...claims].filter(([, c]) => c > 1).map(([s]) => s);
}

/** Repairs open, multi-owner and uncovered slots of the cluster reachable from `seed` ("host:port"). */
export async function fixCluster(seed: string | Addr, opts: FixOptions = {}): Promise<FixReport> {
  const seedAddr = typeof seed === "string" ? parseAddr(seed) : seed;
  const addrs = await discover(seedAddr).catch((e: Error) => {
    throw new HarnessError(`cannot read the cluster from ${seedAddr.host}:${seedAddr.port}: ${e.message}`);
  });
  for (const a of addrs) if (!LOOPBACK.test(a.host)) throw new UsageError(`seed: the cluster has node ${a.host}:${a.port}, which is not a loopback address; only loopback nodes are touched`);
  const clients = new Map<string, Redis>();
  for (const a of addrs) {
    const c = new Redis({ host: a.host, port: a.port, connectTimeout: 2000, commandTimeout: (opts.migrateTimeoutMs ?? 60_000) + 5000, maxRetriesPerRequest: 0, retryStrategy: () => null, lazyConnect: false });
    c.on("error", () => {});
    clients.set(`${a.host}:${a.port}`, c);
  }
  const actions: string[] = [];
  try {
    const obs = await observe(addrs, clients);
    const before = health(obs);
    if (before.unreachable.length > 0)
      throw new HarnessError(`cannot fix the cluster: ${before.unreachable.join(", ")} unreachable (valkey-cli refuses too: it would reassign their slots)`);
    const nodes = nodeStates(obs, clients);
    const primaries = nodes.filter((n) => n.primary);
    const access: NodeAccess = {
      client: (ref) => nodes.find((n) => n.ref.id === ref.id)!.client,
      primaries: () => primaries.map((p) => p.ref),
    };
    const p = { pipeline: opts.pipeline ?? 10, timeout: opts.migrateTimeoutMs ?? 60_000, replace: false };
    /** Keys of `slot` on a node that does not own it answer MOVED; open the slot there as
     *  IMPORTING from the owner so MIGRATE runs after ASKING, move them, close it again. */
    const moveStranded = async (n: NodeState, owner: NodeState, slot: number): Promise<number> => {
      if (n.claims.has(slot)) return migrateKeys(access, slot, n.ref, owner.ref, p);
      await n.client.call("CLUSTER", "SETSLOT", slot, "IMPORTING", owner.ref.id);
      const moved = await migrateKeys(access, slot, n.ref, owner.ref, p, { asking: true });
      await n.client.call("CLUSTER", "SETSLOT", slot, "STABLE");
      return moved;
    };
    const countIn = async (slot: number) => new Map(await Promise.all(primaries.map(async (n) => [n.ref.id, Number(await n.client.call("CLUSTER", "COUNTKEYSINSLOT", slot))] as const)));

    // Slots nobody covers (e.g. a node removed while it still owned them).
    // valkey-cli fixes coverage first: keys of an uncovered slot answer CLUSTERDOWN until someone owns it.
    const open = new Set(before.openSlots.map((o) => o.slot));
    const uncovered = before.uncoveredSlots.flatMap(([a, b]) => Array.from({ length: b - a + 1 }, (_, i) => a + i)).filter((s) => !open.has(s));
    if (uncovered.length > 0 && primaries.length > 0) {
      const assigned = new Map<string, number[]>();
      const load = new Map(primaries.map((n) => [n.ref.id, n.claims.size]));
      for (const slot of uncovered) {
        const keys = await countIn(slot);
        const holders = primaries.filter((n) => (keys.get(n.ref.id) ?? 0) > 0).sort((a, b) => keys.get(b.ref.id)! - keys.get(a.ref.id)!);
        const owner = holders[0] ?? [...primaries].sort((a, b) => load.get(a.ref.id)! - load.get(b.ref.id)!)[0];
        await owner.client.call("CLUSTER", "ADDSLOTS", slot);
        load.set(owner.ref.id, load.get(owner.ref.id)! + 1);
        for (const h of holders.slice(1)) if (h !== owner) await moveStranded(h, owner, slot);
        (assigned.get(owner.ref.id) ?? assigned.set(owner.ref.id, []).get(owner.ref.id)!).push(slot);
      }
      for (const [id, slots] of assigned) {
        const n = primaries.find((x) => x.ref.id === id)!;
        actions.push(`slots ${formatRanges(toRanges(slots)).slice(0, 120)} were not covered: CLUSTER ADDSLOTS on ${describeNode(n.ref)}`);
      }
    }

    // Open slots, and slots several primaries claim in their own view (a split brain the
    // cluster bus has not settled yet, or a stray CLUSTER SETSLOT NODE): valkey-cli finds the
    // latter with --cluster-search-multiple-owners. Gossip would settle such a slot by config
    // epoch and the losing primary would delete its keys; fixing it first keeps them.
    const views = obs.filter((o) => o.reachable).map(slotOwners);
    const votes = (n: NodeState, slot: number) => views.filter((v) => v[slot] === n.ref.id).length;
    const toFix = [...new Set([...before.openSlots.map((o) => o.slot), ...claimedBySeveral(primaries)])].sort((a, b) => a - b);
    for (const slot of toFix) {
      const migrating = primaries.filter((n) => n.obs.openSlots.some((o) => o.slot === slot && o.state === "migrating"));
      const importing = primaries.filter((n) => n.obs.openSlots.some((o) => o.slot === slot && o.state === "importing"));
      const owners = primaries.filter((n) => n.claims.has(slot));
      const keys = await countIn(slot);
      const openList = migrating.map((n) => `migrating on ${describeNode(n.ref)}`).concat(importing.map((n) => `importing on ${describeNode(n.ref)}`)).join(", ");
      const state = openList || `claimed by ${owners.map((n) => describeNode(n.ref)).join(" and ")}`;

      if (migrating.length === 1 && importing.length === 1) {
        const [src, dst] = [migrating[0].ref, importing[0].ref];
        const moved = await migrateKeys(access, slot, src, dst, p);
        await setSlotOwner(access, slot, dst, src);
        actions.push(`slot ${slot} (${openList}): finished the move — ${moved} keys migrated, CLUSTER SETSLOT ${slot} NODE ${dst.id.slice(0, 8)} on every primary`);
        continue;
      }
      let owner: NodeState | undefined = owners.length === 1 ? owners[0] : undefined;
      if (!owner) {
        const candidates = owners.length ? owners : primaries.filter((n) => (keys.get(n.ref.id) ?? 0) > 0);
        const pool = candidates.length ? candidates : [...migrating, ...importing];
        // valkey-cli: the one with most keys; on a tie, the one most nodes already route to.
        owner = pool.sort((a, b) => (keys.get(b.ref.id) ?? 0) - (keys.get(a.ref.id) ?? 0) || votes(b, slot) - votes(a, slot))[0];
      }
      if (!owner) continue;
      if (!owner.claims.has(slot)) await owner.client.call("CLUSTER", "SETSLOT", slot, "NODE", owner.ref.id);
      // Close the slot first: an owner still MIGRATING would answer the stranded keys with ASK.
      for (const n of new Set([...migrating, ...importing])) await n.client.call("CLUSTER", "SETSLOT", slot, "STABLE");
      // Keys move before ownership: a claimant refuses SETSLOT NODE <other> while it holds keys,
      // and once it no longer claims the slot its MIGRATE answers MOVED. (valkey-cli 9.1.2's
      // `--cluster fix --cluster-search-multiple-owners` reassigns first and stops on that MOVED,
      // leaving the loser's keys stranded; checked by hand on this state.)
      let moved = 0;
      for (const n of primaries) {
        if (n === owner || (keys.get(n.ref.id) ?? 0) === 0) continue;
        moved += await moveStranded(n, owner, slot);
      }
      await setSlotOwner(access, slot, owner.ref);
      if (owners.length !== 1) await owner.client.call("CLUSTER", "BUMPEPOCH");
      const why = owners.length === 1 ? "its owner" : owners.length > 1 ? `chosen among ${owners.length} claimants by keys held` : "nobody claimed it; chosen by keys held";
      actions.push(
        `slot ${slot} (${state}): kept on ${describeNode(owner.ref)} (${why})${moved ? `, ${moved} keys moved to it` : ""}, CLUSTER SETSLOT ${slot} STABLE where it was open${owners.length !== 1 ? ", CLUSTER BUMPEPOCH on the owner" : ""}`,
      );
    }

    // Let gossip settle, bounded.
    const deadline = Date.now() + (actions.length ? (opts.settleMs ?? 10_000) : 0);
    let after = health(await observe(addrs, clients));
    while (!after.ok && Date.now() < deadline) {
      await sleep(200);
      after = health(await observe(addrs, clients));
    }
    return { seed: `${seedAddr.host}:${seedAddr.port}`, actions, before, after, ok: after.ok };
  } finally {
    for (const c of clients.values()) c.disconnect();
  }
}

/** The report as text for the terminal. */
export function formatFixReport(r: FixReport): string {
  const lines = [`cluster at ${r.seed}: ${r.before.ok ? "healthy before the fix" : `${r.before.problems.length} problem(s) before the fix`}`];
  for (const p of r.before.problems.slice(0, 20)) lines.push(`  - ${p}`);
  if (r.actions.length === 0) lines.push("nothing to fix");
  else {
    lines.push(`did ${r.actions.length} repair(s):`);
    for (const a of r.actions) lines.push(`  * ${a}`);
  }
  lines.push(r.after.ok ? "cluster is healthy now" : `still wrong: ${r.after.problems.slice(0, 10).join("; ")}`);
  return lines.join("\n");
}
