// Pacing for the `throttled` strategy: a rate limiter that spreads work evenly (no
// bursts after a stall) and an AIMD controller that steers the rate by live p99.

/** Schedules units of work at `rate` per second; reserve() says how long to wait first. */
export class RateLimiter {
  private next = 0;
  constructor(private rate: number | undefined) {}

  get perSec(): number | undefined {
    return this.rate;
  }

  setRate(rate: number | undefined): void {
    this.rate = rate;
  }

  /** Books `units` of work and returns the ms to wait before starting it. */
  reserve(units: number, nowMs: number): number {
    if (!this.rate || this.rate <= 0) return 0;
    const start = Math.max(nowMs, this.next);
    this.next = start + (units / this.rate) * 1000;
    return start - nowMs;
  }
}

export interface AimdOptions {
  /** p99 budget in µs */
  budgetUs: number;
  startRate: number;
  minRate: number;
  maxRate: number;
  /** additive increase per decision, keys/s; unset: 10% of the current rate (at least 1) */
  increase?: number;
  /** multiplicative decrease factor, 0 < f < 1 */
  decreaseFactor: number;
}

export interface AimdDecision {
  decision: "decrease" | "increase" | "hold";
  rateKeysPerSec: number;
  p99Us?: number;
  /** keys/s the migration really moved since the last decision */
  achievedKeysPerSec?: number;
  budgetUs: number;
}

/**
 * Increase while p99 is within budget, multiplicative decrease when it is not (TCP-style).
 * The limit can sit far above what the migration manages (big keys, per-slot overhead):
 * a decrease then starts from the rate achieved, not from the limit, or halving an
 * unreachable limit would change nothing; and the limit is not raised while the
 * migration runs at less than half of it, since the limit is not what holds it back.
 */
export class AimdController {
  private rate: number;
  constructor(private readonly o: AimdOptions) {
    this.rate = Math.min(o.maxRate, Math.max(o.minRate, o.startRate));
  }

  get rateKeysPerSec(): number {
    return this.rate;
  }

  decide(p99Us: number | undefined, achievedKeysPerSec?: number): AimdDecision {
    let decision: AimdDecision["decision"] = "hold";
    const achieved = achievedKeysPerSec !== undefined && achievedKeysPerSec > 0 ? achievedKeysPerSec : undefined;
    if (p99Us !== undefined && Number.isFinite(p99Us)) {
      if (p99Us > this.o.budgetUs) {
        const next = Math.max(this.o.minRate, Math.min(this.rate, achieved ?? Infinity) * this.o.decreaseFactor);
        if (next < this.rate) decision = "decrease";
        this.rate = Math.min(this.rate, next);
      } else if (achieved === undefined || achieved >= this.rate / 2) {
        const next = Math.min(this.o.maxRate, this.rate + (this.o.increase ?? Math.max(1, this.rate * 0.1)));
        if (next > this.rate) decision = "increase";
        this.rate = Math.max(this.rate, next);
      }
    }
    const round = (x: number) => Math.round(x * 10) / 10;
    return { decision, rateKeysPerSec: round(this.rate), p99Us, achievedKeysPerSec: achievedKeysPerSec === undefined ? undefined : round(achievedKeysPerSec), budgetUs: this.o.budgetUs };
  }
}

/**
 * Sizes MIGRATE batches so that one batch blocks the source for at most `maxBlockMs`.
 * MIGRATE is synchronous on both nodes: every client of the source (and of the target,
 * which runs RESTORE) waits for the whole batch, so for the clients' p99 the size of one
 * batch matters more than the keys/s rate. The time per key is measured on the batches
 * already sent (EWMA); the first batch is a single key. One key bigger than the budget
 * still goes alone: a key cannot be split (that is what atomic migration is for).
 */
export class BatchSizer {
  private msPerKey: number | undefined;
  constructor(
    private readonly maxBlockMs: number,
    private readonly maxKeys: number,
  ) {}

  get size(): number {
    if (this.msPerKey === undefined) return 1;
    return Math.max(1, Math.min(this.maxKeys, Math.floor(this.maxBlockMs / Math.max(this.msPerKey, 1e-3))));
  }

  record(keys: number, ms: number): void {
    if (keys <= 0) return;
    const perKey = ms / keys;
    // react faster to slower batches (a big key) than to faster ones
    const weight = this.msPerKey === undefined ? 1 : perKey > this.msPerKey ? 0.5 : 0.2;
    this.msPerKey = this.msPerKey === undefined ? perKey : this.msPerKey + weight * (perKey - this.msPerKey);
  }
}
