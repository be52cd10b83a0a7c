// `throttled`: the legacy move with pacing — a keys/s and bytes/s ceiling, a pause
// between batches, a bound on how long one MIGRATE may block (batches shrink to fit),
// several slots at once across source→target pairs (Codis-style), and an adaptive
// mode that steers the keys/s rate by the clients' live p99 (AIMD), reporting each
// decision as a `controller` event.
import type { Redis } from "ioredis";
import { UsageError } from "../../errors.ts";
import { eventsFrom, sleep } from "../channel.ts";
import { parseLegacyParams, runSlotMoves, type LegacyParams } from "../legacy-core.ts";
import { AimdController, BatchSizer, RateLimiter, type AimdOptions } from "../pacing.ts";
import { checkKeys, optNumber, optObject, type Params } from "../params.ts";
import type { MigrationEvent, MigrationStrategy } from "../types.ts";

const KEYS = ["maxKeysPerSec", "maxBytesPerSec", "maxBlockMs", "pauseMs", "parallel", "adaptive"] as const;
const ADAPTIVE_KEYS = ["p99BudgetMs", "p99BudgetFactor", "intervalMs", "startKeysPerSec", "minKeysPerSec", "maxKeysPerSec", "increaseKeysPerSec", "decreaseFactor"] as const;

export interface ThrottledParams extends LegacyParams {
  maxKeysPerSec?: number;
  maxBytesPerSec?: number;
  /** longest one MIGRATE may take (blocking the source); batches shrink to fit */
  maxBlockMs?: number;
  pauseMs: number;
  parallel: number;
  /** budgetUs is the fixed budget (0 when only a factor is given); the run's baseline sets the rest */
  adaptive?: AimdOptions & { intervalMs: number; budgetFactor?: number };
}

/** The p99 budget in µs: the larger of the fixed budget and factor x the run's baseline p99. */
export function resolveBudgetUs(a: NonNullable<ThrottledParams["adaptive"]>, baselineP99Us: number | undefined): number {
  if (a.budgetFactor === undefined) return a.budgetUs;
  if (baselineP99Us === undefined || !(baselineP99Us > 0)) {
    if (a.budgetUs > 0) return a.budgetUs;
    throw new UsageError("migration.params.adaptive.p99BudgetFactor: the run has no baseline p99 to multiply (the baseline phase has not ended when the migration starts, or it saw no ops); start the migration after the baseline phase, or give p99BudgetMs");
  }
  return Math.max(a.budgetUs, a.budgetFactor * baselineP99Us);
}

export function parseThrottledParams(params: Params): ThrottledParams {
  const legacy = parseLegacyParams(params, "throttled", KEYS);
  const rate = { min: 1, unit: "per second" };
  const maxKeysPerSec = optNumber(params, "maxKeysPerSec", rate);
  const out: ThrottledParams = {
    ...legacy,
    maxKeysPerSec,
    maxBytesPerSec: optNumber(params, "maxBytesPerSec", rate),
    maxBlockMs: optNumber(params, "maxBlockMs", { min: 0.1, max: 600_000, unit: "ms" }),
    pauseMs: optNumber(params, "pauseMs", { min: 0, max: 60_000, unit: "ms" }) ?? 0,
    parallel: optNumber(params, "parallel", { min: 1, max: 64, integer: true, unit: "slots in flight" }) ?? 1,
  };
  const a = optObject(params, "adaptive");
  if (a) {
    const prefix = "migration.params.adaptive";
    checkKeys(a, ADAPTIVE_KEYS, "throttled", prefix);
    const budgetMs = optNumber(a, "p99BudgetMs", { min: 0.001, unit: "ms" }, prefix);
    const budgetFactor = optNumber(a, "p99BudgetFactor", { min: 1, max: 1000, unit: "x the baseline p99" }, prefix);
    if (budgetMs === undefined && budgetFactor === undefined)
      throw new UsageError(`${prefix}.p99BudgetMs: missing: adaptive throttling needs a p99 budget: p99BudgetMs (ms), p99BudgetFactor (x the run's baseline p99), or both (the larger wins)`);
    const start = optNumber(a, "startKeysPerSec", rate, prefix) ?? maxKeysPerSec ?? 1000;
    out.adaptive = {
      budgetUs: (budgetMs ?? 0) * 1000,
      budgetFactor,
      intervalMs: optNumber(a, "intervalMs", { min: 50, max: 60_000, unit: "ms" }, prefix) ?? 1000,
      startRate: start,
      minRate: optNumber(a, "minKeysPerSec", rate, prefix) ?? Math.min(10, start),
      maxRate: optNumber(a, "maxKeysPerSec", rate, prefix) ?? maxKeysPerSec ?? Infinity,
      increase: optNumber(a, "increaseKeysPerSec", { min: 0.001, unit: "keys/s per decision" }, prefix),
      decreaseFactor: optNumber(a, "decreaseFactor", { min: 0.01, max: 0.99 }, prefix) ?? 0.5,
    };
  }
  return out;
}

async function batchBytes(src: Redis, keys: Buffer[]): Promise<number> {
  const replies = (await src.pipeline(keys.map((k) => ["memory", "usage", k, "SAMPLES", "0"])).exec()) ?? [];
  return replies.reduce((sum, [err, v]) => sum + (err ? 0 : Number(v) || 0), 0);
}

export const throttled: MigrationStrategy = {
  name: "throttled",
  async preflight(_cluster, params) {
    parseThrottledParams(params);
  },
  run(plan, ctx) {
    const p = parseThrottledParams(ctx.params);
    const budgetUs = p.adaptive && resolveBudgetUs(p.adaptive, ctx.baselineP99Us?.());
    // a batch that blocks for longer than the budget breaks it whatever the rate: by default
    // adaptive mode keeps batches within half of it
    const maxBlockMs = p.maxBlockMs ?? (budgetUs ? budgetUs / 2000 : undefined);
    const keysLimit = new RateLimiter(p.adaptive ? p.adaptive.startRate : p.maxKeysPerSec);
    const bytesLimit = new RateLimiter(p.maxBytesPerSec);
    const controller = p.adaptive && budgetUs ? new AimdController({ ...p.adaptive, budgetUs }) : undefined;
    const sizer = maxBlockMs ? new BatchSizer(maxBlockMs, p.pipeline) : undefined;
    let first = true;
    let keysSinceDecision = 0;
    return eventsFrom<MigrationEvent>(async (out) => {
      let timer: NodeJS.Timeout | undefined;
      if (controller && p.adaptive) {
        const batchKeys = () => sizer?.size ?? p.pipeline;
        out.push({ kind: "controller", atMs: ctx.now(), decision: "start", rateKeysPerSec: controller.rateKeysPerSec, budgetUs, batchKeys: batchKeys(), baselineP99Us: ctx.baselineP99Us?.() });
        let since = performance.now();
        timer = setInterval(() => {
          const now = performance.now();
          const achieved = (keysSinceDecision * 1000) / (now - since);
          keysSinceDecision = 0;
          since = now;
          const d = controller.decide(ctx.liveP99Us?.(), achieved);
          keysLimit.setRate(d.rateKeysPerSec);
          out.push({ kind: "controller", atMs: ctx.now(), ...d, batchKeys: batchKeys() });
        }, p.adaptive.intervalMs);
      }
      try {
        await runSlotMoves(plan, ctx, p, {
          parallel: p.parallel,
          hooks: {
            batchSize: sizer && (() => sizer.size),
            // a slot costs one unit of the keys/s limit on top of its keys: on datasets of few
            // keys a slot, the SETSLOT round on every primary (each saving nodes.conf) is the load
            beforeSlot: p.adaptive || p.maxKeysPerSec ? () => sleep(keysLimit.reserve(1, performance.now()), ctx.signal) : undefined,
            afterBatch: (keys, ms) => {
              keysSinceDecision += keys;
              sizer?.record(keys, ms);
            },
            beforeBatch: async (keys, _slot, src) => {
              if (!first && p.pauseMs > 0) await sleep(p.pauseMs, ctx.signal);
              first = false;
              let wait = keysLimit.reserve(keys.length, performance.now());
              if (p.maxBytesPerSec) wait = Math.max(wait, bytesLimit.reserve(await batchBytes(src, keys), performance.now()));
              await sleep(wait, ctx.signal);
            },
          },
        }, out);
      } finally {
        if (timer) clearInterval(timer);
      }
    });
  },
};
