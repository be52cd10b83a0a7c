// Runs one migration: a strategy from the registry, the progress observer beside it,
// a bound on its duration, and afterwards a check of the cluster it left behind.
import { HarnessError, UsageError } from "../errors.ts";
import type { StartedCluster } from "../providers/types.ts";
import { SLOT_COUNT, health, observeCluster, slotOwners, type HealthReport } from "../topology.ts";
import { sleep } from "./channel.ts";
import { planKind } from "./planner.ts";
import { ProgressObserver } from "./progress.ts";
import { expandRanges, formatRanges, toRanges } from "./ranges.ts";
import { getStrategy } from "./registry.ts";
import type { MigrationEvent, MigrationOutcome, MigrationPlan, MigrationVerification, ProgressSample, StrategyContext } from "./types.ts";

export interface RunMigrationOptions {
  /** an observer the caller made (to subscribe to progress points before the start); started here if it was not */
  observer?: ProgressObserver;
  /** bound of the whole migration, ms (default: ctx.params.timeoutMs; none when absent) */
  timeoutMs?: number;
  /** how long the check afterwards waits for the cluster to converge, ms (default 20000) */
  settleMs?: number;
  /** check the cluster afterwards (default true) */
  verify?: boolean;
  /** progress poll interval, ms (default 200) */
  progressIntervalMs?: number;
}

type Emit = (e: MigrationEvent) => void;

/**
 * Runs `plan` with the named strategy. Resolves with the outcome — a failed, cancelled or
 * timed-out migration is an outcome, not an exception; throws only UsageError (bad
 * strategy, parameters, unsupported server) and HarnessError.
 */
export async function runMigration(plan: MigrationPlan, strategyName: string, ctx: StrategyContext, onEvent: Emit = () => {}, opts: RunMigrationOptions = {}): Promise<MigrationOutcome> {
  const strategy = getStrategy(strategyName);
  const params = { ...ctx.params };
  if (strategy.name !== "command") delete params.command; // the scenario's command only concerns the command strategy
  const timeoutMs = opts.timeoutMs ?? (typeof params.timeoutMs === "number" ? params.timeoutMs : undefined);
  await strategy.preflight?.(ctx.cluster, params);

  const emit: Emit = (e) => {
    try {
      onEvent(e);
    } catch {
      /* a listener's failure must not break the migration */
    }
  };
  const bytesPerKey = await estimateBytesPerKey(ctx.cluster, plan).catch(() => undefined);
  const observer = opts.observer ?? new ProgressObserver(ctx.cluster, plan, { now: ctx.now, intervalMs: opts.progressIntervalMs });
  const first = observer.latest() ?? (await observer.start());

  const abort = new AbortController();
  const onOuterAbort = () => abort.abort(ctx.signal.reason ?? "cancelled");
  if (ctx.signal.aborted) onOuterAbort();
  else ctx.signal.addEventListener("abort", onOuterAbort, { once: true });
  const timer = timeoutMs ? setTimeout(() => abort.abort("timeout"), timeoutMs) : undefined;

  const startedAtMs = ctx.now();
  emit({ kind: "started", atMs: startedAtMs, strategy: strategy.name, moves: plan.moves.length, slotsPlanned: first.slotsPlanned, keysPlanned: first.keysPlanned, timeoutMs });
  // progress events only when something moved (the observer polls every ~200 ms)
  let lastEmitted: ProgressSample = first;
  emit({ kind: "progress", ...first, atMs: startedAtMs });
  const offProgress = observer.subscribe((s) => {
    if (s.slotsMoved === lastEmitted.slotsMoved && s.keysMoved === lastEmitted.keysMoved) return;
    lastEmitted = s;
    emit({ kind: "progress", ...s });
  });
  let finished: MigrationEvent | undefined;
  let thrown: unknown;
  try {
    for await (const e of strategy.run(plan, { ...ctx, params, signal: abort.signal })) {
      if (e.kind === "finished") finished = e;
      else emit(e);
    }
  } catch (e) {
    thrown = e;
  } finally {
    if (timer) clearTimeout(timer);
    ctx.signal.removeEventListener("abort", onOuterAbort);
  }
  const finishedAtMs = ctx.now();
  const final = await observer.stop();
  offProgress();
  if (thrown instanceof UsageError || thrown instanceof HarnessError) throw thrown;

  let outcome: MigrationOutcome["outcome"] = (finished?.outcome as MigrationOutcome["outcome"]) ?? "success";
  let error = typeof finished?.error === "string" ? finished.error : undefined;
  if (thrown) {
    outcome = "failed";
    error = `${strategy.name} strategy failed: ${(thrown as Error).message ?? String(thrown)}`;
  }
  if (abort.signal.aborted && outcome !== "success") outcome = abort.signal.reason === "timeout" ? "timeout" : "cancelled";
  if (outcome === "timeout" && !error) error = `migration did not finish within ${timeoutMs} ms`;

  let verification: MigrationVerification | undefined;
  if (opts.verify !== false) {
    const settle = outcome === "success" ? (opts.settleMs ?? 20_000) : Math.min(opts.settleMs ?? 20_000, 3000);
    verification = await verifyCluster(ctx.cluster, plan, strategy.name, settle);
    if (outcome === "success" && verification.problems.length > 0) {
      outcome = "failed";
      error = `the cluster is not right after the migration: ${verification.problems.slice(0, 5).join("; ")}`;
    }
    if (verification.problems.length > 0) emit({ kind: "error", atMs: ctx.now(), error: "verification", problems: verification.problems });
  }

  const durationMs = finishedAtMs - startedAtMs;
  const keysMoved = final.keysMoved;
  const bytesMoved = bytesPerKey !== undefined ? Math.round(keysMoved * bytesPerKey) : undefined;
  const result: MigrationOutcome = {
    strategy: strategy.name,
    outcome,
    startedAtMs,
    finishedAtMs,
    durationMs: +durationMs.toFixed(1),
    slotsPlanned: final.slotsPlanned,
    slotsMoved: final.slotsMoved,
    keysMoved,
    bytesMoved,
    bytesSource: bytesMoved !== undefined ? "estimate: keys moved x mean MEMORY USAGE of sampled keys" : undefined,
    keysPerSec: durationMs > 0 ? +((keysMoved * 1000) / durationMs).toFixed(1) : undefined,
    mbPerSec: durationMs > 0 && bytesMoved !== undefined ? +(bytesMoved / 1e6 / (durationMs / 1000)).toFixed(3) : undefined,
    error,
    exitCode: finished && "exitCode" in finished ? (finished.exitCode as number | null) : undefined,
    verification,
  };
  emit({
    kind: "finished",
    atMs: ctx.now(),
    outcome,
    error,
    durationMs: result.durationMs,
    slotsMoved: result.slotsMoved,
    keysMoved,
    bytesMoved,
    keysPerSec: result.keysPerSec,
    mbPerSec: result.mbPerSec,
    ...(finished ? Object.fromEntries(Object.entries(finished).filter(([k]) => !["kind", "atMs", "outcome", "error"].includes(k))) : {}),
  });
  return result;
}

/** Mean MEMORY USAGE of a few keys from planned slots (GETKEYSINSLOT on their sources). */
async function estimateBytesPerKey(cluster: StartedCluster, plan: MigrationPlan): Promise<number | undefined> {
  const picks: Array<{ slot: number; source: string }> = [];
  for (const m of plan.moves) {
    const slots = expandRanges(m.slots);
    const step = Math.max(1, Math.floor(slots.length / 8));
    for (let i = 0; i < slots.length && picks.length < 64; i += step) picks.push({ slot: slots[i], source: m.source.id || m.source.name });
  }
  let total = 0;
  let n = 0;
  for (const { slot, source } of picks) {
    if (n >= 40) break;
    const c = cluster.admin(source);
    const keys = (await c.callBuffer("CLUSTER", "GETKEYSINSLOT", slot, 3)) as Buffer[];
    for (const k of keys) {
      const bytes = Number(await c.call("MEMORY", "USAGE", k, "SAMPLES", "0"));
      if (Number.isFinite(bytes)) {
        total += bytes;
        n++;
      }
    }
  }
  return n > 0 ? total / n : undefined;
}

/** Health after a bounded settle wait, plus: is every planned slot where the plan put it? */
export async function verifyCluster(cluster: StartedCluster, plan: MigrationPlan, strategyName: string, settleMs: number): Promise<MigrationVerification> {
  const deadline = Date.now() + settleMs;
  let report: HealthReport;
  let owners: (string | null)[] = [];
  for (;;) {
    const running = cluster.nodes().filter((n) => n.state === "running");
    const byAddr = new Map(running.map((n) => [`${n.host}:${n.port}`, n.name]));
    const obs = await observeCluster(running, (a) => {
      const name = byAddr.get(`${a.host}:${a.port}`);
      return name ? cluster.admin(name) : undefined;
    });
    report = health(obs);
    const reachable = obs.find((o) => o.reachable);
    owners = reachable ? slotOwners(reachable) : new Array(SLOT_COUNT).fill(null);
    if (report.ok || Date.now() >= deadline) break;
    await sleep(200);
  }
  const problems = [...report.problems];
  const wrong: number[] = [];
  const target = new Map<number, string>();
  for (const m of plan.moves) for (const s of expandRanges(m.slots)) target.set(s, m.target.id);
  for (const [s, id] of target) if (owners[s] !== id) wrong.push(s);
  const kind = planKind(plan.spec);
  if (strategyName === "command") {
    // The user's tool may pick other slots than the plan; what must hold is the plan's intent.
    if (kind !== "moves" && plan.slotsAfter) {
      const ids = new Map(cluster.nodes().map((n) => [n.name, n.id]));
      const held = new Map<string, number>();
      for (const o of owners) if (o) held.set(o, (held.get(o) ?? 0) + 1);
      for (const [name, want] of Object.entries(plan.slotsAfter)) {
        const have = held.get(ids.get(name) ?? "") ?? 0;
        if (want === 0 && have > 0) problems.push(`${name} still owns ${have} slots but the plan empties it`);
        else if (want > 0 && Math.abs(have - want) > Math.max(1, Math.ceil(want * 0.02))) problems.push(`${name} owns ${have} slots, the plan expected about ${want}`);
      }
    } else if (wrong.length) {
      problems.push(`${wrong.length} planned slots are not on their target: ${formatRanges(toRanges(wrong)).slice(0, 120)}`);
    }
  } else if (wrong.length) {
    problems.push(`${wrong.length} planned slots are not on their target: ${formatRanges(toRanges(wrong)).slice(0, 120)}`);
  }
  return { healthy: report.ok, problems, misplacedSlots: wrong.length };
}
