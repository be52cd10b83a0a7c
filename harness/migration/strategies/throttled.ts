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
const ADAPTIVE_KEYS = ["p99BudgetMs", "intervalMs", "startKeysPerSec", "minKeysPerSec", "maxKeysPerSec", "increaseKeysPerSec", "decreaseFactor"] as const;

export interface ThrottledParams extends LegacyParams {
  maxKeysPerSec?: number;
  maxBytesPerSec?: number;
  /** longest one MIGRATE may take (blocking the source); batches shrink to fit */
  maxBlockMs?: number;
  pauseMs: number;
  parallel: number;
  adaptive?: AimdOptions & { intervalMs: number };
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
    if (budgetMs === undefined) throw new UsageError(`${prefix}.p99BudgetMs: missing: adaptive throttling needs a p99 budget in ms`);
    const start = optNumber(a, "startKeysPerSec", rate, prefix) ?? maxKeysPerSec ?? 1000;
    out.adaptive = {
      budgetUs: budgetMs * 1000,
      intervalMs: optNumber(a, "intervalMs", { min: 50, max: 60_000, unit: "ms" }, prefix) ?? 1000,
      startRate: start,
      minRate: optNumber(a, "minKeysPerSec", rate, prefix) ?? Math.min(10, start),
      maxRate: optNumber(a, "maxKeysPerSec", rate, prefix) ?? maxKeysPerSec ?? Infinity,
      increase: optNumber(a, "increaseKeysPerSec", { min: 0.001, unit: "keys/s per decision" }, prefix),
      decreaseFactor: optNumber(a, "decreaseFactor", { min: 0.01, max: 0.99 }, prefix) ?? 0.5,
    };
    // a batch that blocks for longer than the budget breaks it whatever the rate: keep batches within half of it
    out.maxBlockMs ??= budgetMs / 2;
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
    const keysLimit = new RateLimiter(p.adaptive ? p.adaptive.startRate : p.maxKeysPerSec);
    const bytesLimit = new RateLimiter(p.maxBytesPerSec);
    const controller = p.adaptive ? new AimdController(p.adaptive) : undefined;
    const sizer = p.maxBlockMs ? new BatchSizer(p.maxBlockMs, p.pipeline) : undefined;
    let first = true;
    let keysSinceDecision = 0;
    return eventsFrom<MigrationEvent>(async (out) => {
      let timer: NodeJS.Timeout | undefined;
      if (controller && p.adaptive) {
        const batchKeys = () => sizer?.size ?? p.pipeline;
        out.push({ kind: "controller", atMs: ctx.now(), decision: "start", rateKeysPerSec: controller.rateKeysPerSec, budgetUs: p.adaptive.budgetUs, batchKeys: batchKeys() });
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
