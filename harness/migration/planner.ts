// Turns a plan spec (scaleOut / scaleIn / explicit moves) into concrete moves.
//
// planMigration() is a pure function of the topology, so `slotproof plan` can show a
// plan without a cluster and tests can check it exhaustively; preparePlan() adds the
// nodes a plan needs to a live cluster and plans against what the cluster then says;
// finishPlan() removes the primaries a scale-in emptied.
import { HarnessError, UsageError, waitFor } from "../errors.ts";
import type { NodeInfo, StartedCluster } from "../providers/types.ts";
import { health, observeCluster, parseClusterNodes } from "../topology.ts";
import { SLOT_COUNT, countSlots, expandRanges, formatRanges, parseSlotsField, toRanges } from "./ranges.ts";
import type { MigrationEvent, MigrationPlan, Move, NodeRef, PlanSpec, SlotRange } from "./types.ts";

/** A primary as the planner sees it. Placeholders (nodes not started yet) have id "" and port 0. */
export interface PlanNode {
  id: string;
  name: string;
  host: string;
  port: number;
  slots: SlotRange[];
}

export type PlanKind = "scaleOut" | "scaleIn" | "moves";

/** Which of the three plan forms `spec` uses; exactly one must be set. */
export function planKind(spec: PlanSpec): PlanKind {
  const given = (["scaleOut", "scaleIn", "moves"] as const).filter((k) => spec[k] !== undefined);
  if (given.length !== 1)
    throw new UsageError(`migration.plan: ${given.length === 0 ? "nothing" : given.join(" and ")} given: give exactly one of scaleOut, scaleIn, moves`);
  const kind = given[0];
  if (kind !== "moves") {
    const k = spec[kind];
    if (!Number.isInteger(k) || (k as number) < 1)
      throw new UsageError(`migration.plan.${kind}: ${JSON.stringify(k)} is not allowed: use a whole number of primaries, 1 or more`);
  } else if (!Array.isArray(spec.moves) || spec.moves.length === 0) {
    throw new UsageError(`migration.plan.moves: ${JSON.stringify(spec.moves)} is not allowed: give at least one { slots, from, to }`);
  }
  return kind;
}

/** The local provider's even split of 16384 slots over `primaries` nodes (for planning without a cluster). */
export function evenSplitTopology(primaries: number, host = "127.0.0.1"): PlanNode[] {
  return Array.from({ length: primaries }, (_, i) => ({
    id: "",
    name: `primary:${i}`,
    host,
    port: 0,
    slots: [[Math.floor((i * SLOT_COUNT) / primaries), Math.floor(((i + 1) * SLOT_COUNT) / primaries) - 1]] as SlotRange[],
  }));
}

/** Orders names as people expect: primary:2 < primary:10 < new:0 < new:1 < others. */
export function compareNodeNames(a: string, b: string): number {
  const rank = (n: string) => (n.startsWith("primary:") ? 0 : n.startsWith("new:") ? 1 : 2);
  const num = (n: string) => Number(/^(?:primary|new):(\d+)$/.exec(n)?.[1] ?? NaN);
  const ra = rank(a), rb = rank(b);
  if (ra !== rb) return ra - rb;
  const na = num(a), nb = num(b);
  if (!Number.isNaN(na) && !Number.isNaN(nb) && na !== nb) return na - nb;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Finds a node by name, host:port, or (unique) id prefix; a bad ref is a UsageError naming `field`. */
export function resolveNodeRef(ref: string, nodes: readonly PlanNode[], field: string): PlanNode {
  const byName = nodes.find((n) => n.name === ref || (n.port > 0 && `${n.host}:${n.port}` === ref));
  if (byName) return byName;
  if (/^[0-9a-f]{4,40}$/i.test(ref)) {
    const hits = nodes.filter((n) => n.id && n.id.startsWith(ref.toLowerCase()));
    if (hits.length === 1) return hits[0];
    if (hits.length > 1)
      throw new UsageError(`${field}: node id prefix '${ref}' is ambiguous: it matches ${hits.map((h) => h.name).join(", ")}; give more characters`);
  }
  const known = nodes.map((n) => n.name).join(", ");
  throw new UsageError(`${field}: '${ref}' is not a known primary: use a node name (${known}), a new node (new:N) or a node id (prefix of 4+ hex characters)`);
}

function nodeRef(n: PlanNode): NodeRef {
  return { id: n.id, name: n.name, host: n.host, port: n.port };
}

function placeholder(name: string, host: string): PlanNode {
  return { id: "", name, host, port: 0, slots: [] };
}

/** Names `new:i` that do not exist yet, starting after the highest existing index. */
function nextNewNames(nodes: readonly PlanNode[], count: number): string[] {
  let next = 0;
  for (const n of nodes) {
    const m = /^new:(\d+)$/.exec(n.name);
    if (m) next = Math.max(next, Number(m[1]) + 1);
  }
  return Array.from({ length: count }, (_, i) => `new:${next + i}`);
}

/**
 * Plans `spec` against the current primaries (pure). For scale-out, `opts.added` names the
 * empty primaries just added for it; without it the planner adds placeholders `new:N`.
 */
export function planMigration(spec: PlanSpec, primaries: readonly PlanNode[], opts: { added?: readonly string[] } = {}): MigrationPlan {
  const kind = planKind(spec);
  const nodes = primaries.map((p) => ({ ...p, slots: p.slots.map((r) => [r[0], r[1]] as SlotRange) }));
  nodes.sort((a, b) => compareNodeNames(a.name, b.name));
  const host = nodes[0]?.host ?? "127.0.0.1";
  if (kind === "scaleOut") {
    const k = spec.scaleOut!;
    let added = [...(opts.added ?? [])];
    if (added.length === 0) {
      added = nextNewNames(nodes, k);
      for (const name of added) nodes.push(placeholder(name, host));
    }
    if (added.length !== k) throw new HarnessError(`scale-out by ${k} was prepared with ${added.length} added nodes`);
    for (const name of added) if (!nodes.some((n) => n.name === name)) throw new HarnessError(`added node ${name} is not in the topology`);
    const plan = rebalance(spec, nodes, new Set());
    plan.addedPrimaries = added;
    return plan;
  }
  if (kind === "scaleIn") {
    const k = spec.scaleIn!;
    if (k >= nodes.length)
      throw new UsageError(`migration.plan.scaleIn: ${k} is not allowed: the cluster has ${nodes.length} primaries and at least one must remain (use 1 to ${nodes.length - 1})`);
    const removed = nodes.slice(nodes.length - k).map((n) => n.name);
    const plan = rebalance(spec, nodes, new Set(removed));
    plan.removedPrimaries = removed;
    return plan;
  }
  return explicitMoves(spec, nodes, host);
}

/** Even shares (within one slot) for every kept primary; removed primaries end empty. */
function rebalance(spec: PlanSpec, nodes: PlanNode[], removed: Set<string>): MigrationPlan {
  const kept = nodes.filter((n) => !removed.has(n.name));
  const held = new Map(nodes.map((n) => [n.name, countSlots(n.slots)]));
  const base = Math.floor(SLOT_COUNT / kept.length);
  const extra = SLOT_COUNT % kept.length;
  // The +1 slots go to the nodes holding most already: fewer slots have to move.
  const byHolding = [...kept].sort((a, b) => held.get(b.name)! - held.get(a.name)! || compareNodeNames(a.name, b.name));
  const target = new Map<string, number>(nodes.map((n) => [n.name, 0]));
  byHolding.forEach((n, i) => target.set(n.name, base + (i < extra ? 1 : 0)));

  const balance = new Map(nodes.map((n) => [n.name, held.get(n.name)! - target.get(n.name)!]));
  const pool = new Map(nodes.map((n) => [n.name, expandRanges(n.slots)]));
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const moves: Move[] = [];
  // Greedy: the fullest donor gives to the emptiest receiver; each step settles one of
  // them, so there are at most (donors + receivers - 1) moves, each one contiguous run
  // of the donor's lowest slots (like valkey-cli's reshard table).
  for (;;) {
    const pick = (sign: 1 | -1) =>
      [...balance.entries()].filter(([, b]) => b * sign > 0).sort((x, y) => y[1] * sign - x[1] * sign || compareNodeNames(x[0], y[0]))[0];
    const donor = pick(1);
    const receiver = pick(-1);
    if (!donor || !receiver) break;
    const n = Math.min(donor[1], -receiver[1]);
    const slots = pool.get(donor[0])!.splice(0, n);
    pool.get(receiver[0])!.push(...slots);
    balance.set(donor[0], donor[1] - n);
    balance.set(receiver[0], receiver[1] + n);
    moves.push({ source: nodeRef(byName.get(donor[0])!), target: nodeRef(byName.get(receiver[0])!), slots: toRanges(slots) });
  }
  return {
    spec,
    addedPrimaries: [],
    removedPrimaries: [],
    moves,
    totalSlots: moves.reduce((s, m) => s + countSlots(m.slots), 0),
    slotsAfter: Object.fromEntries(nodes.map((n) => [n.name, target.get(n.name)!])),
  };
}

function explicitMoves(spec: PlanSpec, nodes: PlanNode[], host: string): MigrationPlan {
  const owner: (string | undefined)[] = new Array(SLOT_COUNT).fill(undefined);
  for (const n of nodes) for (const s of expandRanges(n.slots)) owner[s] = n.name;
  const added: string[] = [];
  const moves: Move[] = [];
  spec.moves!.forEach((m, i) => {
    const field = `migration.plan.moves[${i}]`;
    if (m === null || typeof m !== "object") throw new UsageError(`${field}: ${JSON.stringify(m)} is not allowed: use { slots, from, to }`);
    const slots = parseSlotsField(m.slots, `${field}.slots`);
    const resolve = (ref: unknown, key: "from" | "to") => {
      if (typeof ref !== "string" || !ref) throw new UsageError(`${field}.${key}: ${JSON.stringify(ref)} is not allowed: use a node name like primary:0 or new:0, or a node id`);
      if (/^new:\d+$/.test(ref) && !nodes.some((n) => n.name === ref)) {
        nodes.push(placeholder(ref, host));
        added.push(ref);
      }
      return resolveNodeRef(ref, nodes, `${field}.${key}`);
    };
    const from = resolve(m.from, "from");
    const to = resolve(m.to, "to");
    if (from.name === to.name) throw new UsageError(`${field}.to: '${m.to}' is the same node as from; a move needs two different primaries`);
    const foreign = expandRanges(slots).filter((s) => owner[s] !== from.name);
    if (foreign.length > 0) {
      const owners = [...new Set(foreign.map((s) => owner[s] ?? "nobody"))].join(", ");
      throw new UsageError(`${field}.slots: slots ${formatRanges(toRanges(foreign)).slice(0, 120)} are not owned by ${from.name} (owned by ${owners}) when this move runs`);
    }
    for (const s of expandRanges(slots)) owner[s] = to.name;
    moves.push({ source: nodeRef(from), target: nodeRef(to), slots });
  });
  const after: Record<string, number> = Object.fromEntries(nodes.map((n) => [n.name, 0]));
  for (const o of owner) if (o) after[o] = (after[o] ?? 0) + 1;
  return { spec, addedPrimaries: added, removedPrimaries: [], moves, totalSlots: moves.reduce((s, m) => s + countSlots(m.slots), 0), slotsAfter: after };
}

// ---- on a live cluster ----

/** The primaries and their slots as a running primary sees them, named as the provider names them. */
export async function readTopology(cluster: StartedCluster): Promise<PlanNode[]> {
  const seed = cluster.nodes().find((n) => n.role === "primary" && n.state === "running");
  if (!seed) throw new HarnessError("no running primary to read the topology from");
  const text = (await cluster.admin(seed.name).call("CLUSTER", "NODES")) as string;
  const names = new Map(cluster.nodes().map((n) => [n.id, n.name]));
  return parseClusterNodes(text)
    .nodes.filter((n) => n.role === "primary" && !n.flags.includes("fail") && !n.flags.includes("noaddr"))
    .map((n) => ({ id: n.id, name: names.get(n.id) ?? `${n.host}:${n.port}`, host: n.host, port: n.port, slots: n.slots }))
    .sort((a, b) => compareNodeNames(a.name, b.name));
}

export interface PrepareOptions {
  /** replicas for each added primary (default: the cluster spec's replicasPerPrimary) */
  replicas?: number;
  now?: () => number;
  onEvent?: (e: MigrationEvent) => void;
  /** stops adding/removing nodes between steps */
  signal?: AbortSignal;
  /** bound of the wait for the grown cluster to converge, ms (default 30000) */
  convergeTimeoutMs?: number;
}

/** Waits until every running node reports cluster_state:ok and all agree on the slot map. */
export async function waitConverged(cluster: StartedCluster, timeoutMs: number, what = "the cluster to converge"): Promise<void> {
  let last: string[] = [];
  try {
    await waitFor(
      what,
      async () => {
        const running = cluster.nodes().filter((n) => n.state === "running");
        const byAddr = new Map(running.map((n) => [`${n.host}:${n.port}`, n.name]));
        const obs = await observeCluster(running, (a) => {
          const name = byAddr.get(`${a.host}:${a.port}`);
          return name ? cluster.admin(name) : undefined;
        });
        const report = health(obs);
        last = report.problems;
        return report.ok ? true : undefined;
      },
      { timeoutMs, intervalMs: 100 },
    );
  } catch (e) {
    throw new HarnessError(`${(e as Error).message}; still wrong: ${last.slice(0, 3).join("; ")}`);
  }
}

/** Adds the nodes the plan needs (with replicas) and returns the plan against the real topology. */
export async function preparePlan(cluster: StartedCluster, spec: PlanSpec, opts: PrepareOptions = {}): Promise<MigrationPlan> {
  const kind = planKind(spec);
  const replicas = opts.replicas ?? cluster.spec.replicasPerPrimary;
  const now = opts.now ?? (() => 0);
  const emit = (e: Omit<MigrationEvent, "atMs">) => opts.onEvent?.({ ...e, atMs: now() } as MigrationEvent);
  const before = await readTopology(cluster);
  const preview = planMigration(spec, before); // bad refs and slots fail before any node starts
  const wanted = kind === "scaleOut" ? spec.scaleOut! : preview.addedPrimaries.length;
  const added: string[] = [];
  for (let i = 0; i < wanted; i++) {
    opts.signal?.throwIfAborted();
    const node = await cluster.addNode(kind === "moves" ? { name: preview.addedPrimaries[i] } : {});
    added.push(node.name);
    emit({ kind: "node-added", name: node.name, id: node.id, role: "primary", port: node.port });
    for (let r = 0; r < replicas; r++) {
      opts.signal?.throwIfAborted();
      const rep = await cluster.addNode({ replicaOf: node.id });
      emit({ kind: "node-added", name: rep.name, id: rep.id, role: "replica", primary: node.name, port: rep.port });
    }
  }
  // A new primary answers CLUSTERDOWN until it has learned every slot and waited out its
  // writable delay; moving slots to it before that fails, so wait for the cluster to agree.
  if (added.length > 0) await waitConverged(cluster, opts.convergeTimeoutMs ?? 30_000, `the cluster to accept ${added.join(", ")}`);
  const after = await readTopology(cluster);
  const plan = planMigration(spec, after, kind === "scaleOut" ? { added } : {});
  if (kind === "moves") plan.addedPrimaries = added;
  plan.replicasPerAdded = replicas;
  return plan;
}

export interface FinishReport {
  removed: string[];
  /** primaries that could not be removed and why */
  problems: string[];
}

/** Removes the primaries a scale-in emptied, replicas first. A primary still holding slots stays (reported). */
export async function finishPlan(cluster: StartedCluster, plan: MigrationPlan, opts: Omit<PrepareOptions, "replicas"> = {}): Promise<FinishReport> {
  const report: FinishReport = { removed: [], problems: [] };
  if (plan.removedPrimaries.length === 0) return report;
  const now = opts.now ?? (() => 0);
  const topo = await readTopology(cluster);
  for (const name of plan.removedPrimaries) {
    let primary: NodeInfo;
    try {
      primary = cluster.node(name);
    } catch {
      report.problems.push(`${name} is not in the cluster any more`);
      continue;
    }
    const held = topo.find((n) => n.id === primary.id);
    const count = held ? countSlots(held.slots) : 0;
    if (count > 0) {
      report.problems.push(`${name} still owns ${count} slots (${formatRanges(held!.slots).slice(0, 80)}); not removed`);
      continue;
    }
    const replicas = cluster.nodes().filter((n) => n.primaryId === primary.id && n.name !== name);
    for (const r of [...replicas, primary]) {
      opts.signal?.throwIfAborted();
      await cluster.removeNode(r.name);
      report.removed.push(r.name);
      opts.onEvent?.({ kind: "node-removed", atMs: now(), name: r.name, id: r.id });
    }
  }
  return report;
}

// ---- presentation ----

function describe(spec: PlanSpec, plan: MigrationPlan): string {
  const before = Object.keys(plan.slotsAfter ?? {}).length - plan.addedPrimaries.length;
  if (spec.scaleOut !== undefined) return `scale out by ${spec.scaleOut} (${before} → ${before + spec.scaleOut} primaries)`;
  if (spec.scaleIn !== undefined) return `scale in by ${spec.scaleIn} (${before} → ${before - spec.scaleIn} primaries)`;
  return `${spec.moves?.length ?? 0} explicit move${spec.moves?.length === 1 ? "" : "s"}`;
}

function showNode(n: NodeRef): string {
  return n.port > 0 ? `${n.name} (${n.host}:${n.port})` : n.name;
}

/** The plan as text for the terminal. */
export function formatPlan(plan: MigrationPlan): string {
  const lines = [`plan: ${describe(plan.spec, plan)}`];
  if (plan.addedPrimaries.length)
    lines.push(`add primaries: ${plan.addedPrimaries.join(", ")}${plan.replicasPerAdded ? ` (${plan.replicasPerAdded} replica${plan.replicasPerAdded === 1 ? "" : "s"} each)` : ""}`);
  lines.push(`moves: ${plan.moves.length}, ${plan.totalSlots} slots`);
  const width = Math.max(0, ...plan.moves.map((m) => `${showNode(m.source)} → ${showNode(m.target)}`.length));
  for (const m of plan.moves) {
    const head = `${showNode(m.source)} → ${showNode(m.target)}`.padEnd(width);
    const text = formatRanges(m.slots);
    lines.push(`  ${head}  ${String(countSlots(m.slots)).padStart(5)} slots  ${text.length > 60 ? text.slice(0, 57) + "..." : text}`);
  }
  if (plan.removedPrimaries.length) lines.push(`then remove: ${plan.removedPrimaries.join(", ")} (and ${plan.removedPrimaries.length === 1 ? "its" : "their"} replicas)`);
  if (plan.slotsAfter) {
    const after = Object.entries(plan.slotsAfter).sort((a, b) => compareNodeNames(a[0], b[0]));
    lines.push(`slots after: ${after.map(([n, c]) => `${n}=${c}`).join(" ")}`);
  }
  return lines.join("\n");
}
