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
  /** additive increase per decision, keys/s */
  increase: number;
  /** multiplicative decrease factor, 0 < f < 1 */
  decreaseFactor: number;
}

export interface AimdDecision {
  decision: "decrease" | "increase" | "hold";
  rateKeysPerSec: number;
  p99Us?: number;
  budgetUs: number;
}

/** Additive increase while p99 is within budget, multiplicative decrease when it is not (TCP-style). */
export class AimdController {
  private rate: number;
  constructor(private readonly o: AimdOptions) {
    this.rate = Math.min(o.maxRate, Math.max(o.minRate, o.startRate));
  }

  get rateKeysPerSec(): number {
    return this.rate;
  }

  decide(p99Us: number | undefined): AimdDecision {
    let decision: AimdDecision["decision"] = "hold";
    if (p99Us !== undefined && Number.isFinite(p99Us)) {
      if (p99Us > this.o.budgetUs) {
        const next = Math.max(this.o.minRate, this.rate * this.o.decreaseFactor);
        decision = next < this.rate ? "decrease" : "hold";
        this.rate = next;
      } else {
        const next = Math.min(this.o.maxRate, this.rate + this.o.increase);
        decision = next > this.rate ? "increase" : "hold";
        this.rate = next;
      }
    }
    return { decision, rateKeysPerSec: Math.round(this.rate * 10) / 10, p99Us, budgetUs: this.o.budgetUs };
  }
}
