// `atomic`: Valkey ≥ 9.0 atomic slot migration. One job per source→target pair:
//   source: CLUSTER MIGRATESLOTS SLOTSRANGE a b [c d ...] NODE target-id
// The source forks, streams a snapshot of the slots to the target, then the writes made
// meanwhile, pauses writes briefly and hands the slots over in one step. Jobs are
// watched with CLUSTER GETSLOTMIGRATIONS on source (export) and target (import); every
// state change becomes a `job-state` event; CLUSTER CANCELSLOTMIGRATIONS on abort.
//
// Server limits (valkey src/cluster_migrateslots.c): several jobs may run at once, also
// from one source (their snapshots take turns: one fork at a time); a slot can be in one
// job only; no job may start while any slot is open by SETSLOT MIGRATING/IMPORTING;
// CANCELSLOTMIGRATIONS cancels every export of the node it is sent to.
import type { Redis } from "ioredis";
import { UsageError } from "../../errors.ts";
import type { StartedCluster } from "../../providers/types.ts";
import { Channel, eventsFrom, sleep } from "../channel.ts";
import { clusterAccess } from "../legacy-core.ts";
import { checkKeys, optNumber, type Params } from "../params.ts";
import { countSlots, formatRanges, formatRangesFull } from "../ranges.ts";
import type { MigrationEvent, MigrationPlan, MigrationStrategy, Move, StrategyContext } from "../types.ts";

export interface AtomicParams {
  /** GETSLOTMIGRATIONS polling interval, ms */
  pollMs: number;
  /** jobs running at once (default: all moves at once) */
  parallel: number;
  /** a job whose source cannot be polled this long is failed, ms */
  unreachableMs: number;
}

export function parseAtomicParams(params: Params): AtomicParams {
  checkKeys(params, ["pollMs", "parallel", "unreachableMs"], "atomic");
  return {
    pollMs: optNumber(params, "pollMs", { min: 5, max: 10_000, integer: true, unit: "ms" }) ?? 50,
    parallel: optNumber(params, "parallel", { min: 1, max: 1000, integer: true, unit: "jobs at once" }) ?? 1000,
    unreachableMs: optNumber(params, "unreachableMs", { min: 100, max: 3_600_000, integer: true, unit: "ms" }) ?? 30_000,
  };
}

export type SlotMigrationJob = Record<string, string | number>;

/** CLUSTER GETSLOTMIGRATIONS as a list of field maps. */
export async function getSlotMigrations(client: Redis): Promise<SlotMigrationJob[]> {
  const reply = (await client.call("CLUSTER", "GETSLOTMIGRATIONS")) as unknown[];
  return reply.map((entry) => {
    const job: SlotMigrationJob = {};
    if (Array.isArray(entry)) for (let i = 0; i + 1 < entry.length; i += 2) job[String(entry[i])] = entry[i + 1] as string | number;
    else if (entry && typeof entry === "object") Object.assign(job, entry);
    return job;
  });
}

const TERMINAL = new Set(["success", "failed", "cancelled"]);

/** Throws a clear UsageError when the cluster's server has no atomic slot migration. */
export async function ensureAtomicSupported(cluster: StartedCluster): Promise<void> {
  const primary = cluster.nodes().find((n) => n.role === "primary" && n.state === "running");
  if (!primary) return;
  try {
    await cluster.admin(primary.name).call("CLUSTER", "GETSLOTMIGRATIONS");
  } catch (e) {
    const msg = (e as Error).message;
    if (/unknown (sub)?command|wrong number of arguments|unknown subcommand/i.test(msg))
      throw new UsageError(
        `migration.strategy: 'atomic' needs CLUSTER MIGRATESLOTS (atomic slot migration, Valkey 9.0 or newer), but the cluster runs ${cluster.spec.server} version ${cluster.serverVersion} (server says: ${msg}); use strategy legacy or throttled, or server valkey-9.1`,
      );
    throw e;
  }
}

interface Job {
  move: Move;
  name?: string;
  exportState?: string;
  importState?: string;
  message?: string;
  startedAt: number;
  lastSeen: number;
  done: boolean;
  outcome?: "success" | "failed" | "cancelled";
}

async function runAtomic(plan: MigrationPlan, ctx: StrategyContext, p: AtomicParams, out: Channel<MigrationEvent>): Promise<void> {
  const access = clusterAccess(ctx.cluster);
  const emit = (kind: MigrationEvent["kind"], details: Record<string, unknown>) => out.push({ kind, atMs: ctx.now(), ...details });
  const pending = [...plan.moves];
  const jobs: Job[] = [];
  let failure: string | undefined;
  let cancelling = false;
  const names = (m: Move) => ({ source: m.source.name, target: m.target.name });

  const start = async (move: Move): Promise<void> => {
    const src = access.client(move.source);
    const args = move.slots.flatMap(([a, b]) => [String(a), String(b)]);
    const before = new Set((await getSlotMigrations(src)).map((j) => String(j.name)));
    await src.call("CLUSTER", "MIGRATESLOTS", "SLOTSRANGE", ...args, "NODE", move.target.id);
    const wanted = formatRangesFull(move.slots);
    const mine = (await getSlotMigrations(src)).find(
      (j) => !before.has(String(j.name)) && j.operation === "EXPORT" && j.target_node === move.target.id && String(j.slot_ranges) === wanted,
    );
    const job: Job = { move, name: mine ? String(mine.name) : undefined, startedAt: ctx.now(), lastSeen: ctx.now(), done: false };
    jobs.push(job);
    emit("move-started", { ...names(move), slots: formatRanges(move.slots), slotCount: countSlots(move.slots), jobId: job.name });
    if (!job.name) {
      job.done = true;
      job.outcome = "failed";
      failure ??= `CLUSTER MIGRATESLOTS on ${move.source.name} returned OK but no job for slots ${wanted} appeared in CLUSTER GETSLOTMIGRATIONS`;
    }
  };

  const poll = async (): Promise<void> => {
    const live = jobs.filter((j) => !j.done);
    const views = new Map<string, SlotMigrationJob[] | undefined>();
    const nodes = new Map<string, Move["source"]>();
    for (const j of live) {
      nodes.set(j.move.source.id, j.move.source);
      nodes.set(j.move.target.id, j.move.target);
    }
    await Promise.all(
      [...nodes.values()].map(async (n) => views.set(n.id, await getSlotMigrations(access.client(n)).catch(() => undefined))),
    );
    for (const j of live) {
      const exp = views.get(j.move.source.id)?.find((x) => x.name === j.name);
      const imp = views.get(j.move.target.id)?.find((x) => x.name === j.name);
      if (views.get(j.move.source.id)) j.lastSeen = ctx.now();
      for (const [side, entry, key] of [["export", exp, "exportState"], ["import", imp, "importState"]] as const) {
        if (!entry) continue;
        const state = String(entry.state);
        if (state !== j[key]) {
          j[key] = state;
          const node = side === "export" ? j.move.source.name : j.move.target.name;
          emit("job-state", { jobId: j.name, side, node, state, message: String(entry.message ?? ""), ...names(j.move), slots: formatRanges(j.move.slots) });
        }
      }
      const message = exp ? String(exp.message ?? "") : "";
      if (exp && TERMINAL.has(String(exp.state))) {
        j.done = true;
        j.outcome = String(exp.state) as Job["outcome"];
        j.message = message;
        emit("move-finished", { ...names(j.move), slots: formatRanges(j.move.slots), slotCount: countSlots(j.move.slots), jobId: j.name, state: j.outcome, ms: +(ctx.now() - j.startedAt).toFixed(1), message });
        if (j.outcome === "failed") failure ??= `atomic slot migration ${j.name?.slice(0, 8)} ${j.move.source.name} → ${j.move.target.name} failed: ${message || "no message"}`;
      } else if (!exp && views.get(j.move.source.id)) {
        // The source forgot the job (restarted, or the log was trimmed): nothing more to learn.
        j.done = true;
        j.outcome = "failed";
        failure ??= `atomic slot migration ${j.name?.slice(0, 8)} disappeared from ${j.move.source.name}'s CLUSTER GETSLOTMIGRATIONS`;
      } else if (ctx.now() - j.lastSeen > p.unreachableMs) {
        j.done = true;
        j.outcome = "failed";
        failure ??= `source ${j.move.source.name} could not be polled for ${p.unreachableMs} ms during atomic slot migration ${j.name?.slice(0, 8)}`;
      }
    }
  };

  const cancelAll = async () => {
    const sources = new Map(jobs.filter((j) => !j.done).map((j) => [j.move.source.id, j.move.source]));
    for (const s of sources.values()) {
      try {
        await access.client(s).call("CLUSTER", "CANCELSLOTMIGRATIONS");
        emit("job-state", { side: "export", node: s.name, state: "cancel-requested" });
      } catch (e) {
        if (!/No migrations ongoing/i.test((e as Error).message)) emit("error", { error: `CLUSTER CANCELSLOTMIGRATIONS on ${s.name}: ${(e as Error).message}`, node: s.name });
      }
    }
  };

  let cancelDeadline = Infinity;
  for (;;) {
    if (ctx.signal.aborted && !cancelling) {
      cancelling = true;
      cancelDeadline = ctx.now() + 10_000;
      await cancelAll();
    }
    while (!cancelling && !failure && pending.length > 0 && jobs.filter((j) => !j.done).length < p.parallel) {
      const move = pending.shift()!;
      try {
        await start(move);
      } catch (e) {
        failure ??= `CLUSTER MIGRATESLOTS on ${move.source.name} (${move.source.host}:${move.source.port}) for slots ${formatRanges(move.slots).slice(0, 60)} → ${move.target.name}: ${(e as Error).message}`;
        emit("error", { error: failure, ...names(move) });
      }
    }
    if (jobs.every((j) => j.done) && (pending.length === 0 || failure || cancelling)) break;
    if (cancelling && ctx.now() > cancelDeadline) break;
    await sleep(p.pollMs);
    await poll();
  }
  const failedJobs = jobs.filter((j) => j.outcome === "failed").map((j) => j.name);
  if (cancelling) emit("finished", { outcome: "cancelled", error: "migration aborted; CLUSTER CANCELSLOTMIGRATIONS sent", jobs: jobs.map((j) => ({ jobId: j.name, state: j.outcome ?? j.exportState })) });
  else if (failure) emit("finished", { outcome: "failed", error: failure, failedJobs });
  else emit("finished", { outcome: "success" });
}

export const atomic: MigrationStrategy = {
  name: "atomic",
  async preflight(cluster: StartedCluster, params: Params) {
    parseAtomicParams(params);
    await ensureAtomicSupported(cluster);
  },
  run(plan: MigrationPlan, ctx: StrategyContext) {
    const p = parseAtomicParams(ctx.params);
    return eventsFrom<MigrationEvent>(async (out) => {
      await ensureAtomicSupported(ctx.cluster);
      await runAtomic(plan, ctx, p, out);
    });
  },
};
