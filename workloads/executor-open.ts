// Open loop: ops start at intended times from an arrival schedule, whatever the
// cluster does. Latency = completion - intended start (a stall shows up in full, no
// coordinated omission); service time = completion - actual send. When the in-flight
// cap is reached, due ops wait: they are sent late (counted, and their wait is part
// of their latency) or, once overdue by more than the timeout, dropped (counted).
import type { WorkerArrivals } from "./arrival.ts";
import { Command } from "./client.ts";
import type { ExecutorContext } from "./executor-types.ts";
import type { Reply } from "./resp.ts";

export class OpenLoopExecutor {
  private issued = 0;
  private inflightCount = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private conn = 0;
  private readonly lateToleranceMs: number;
  /** last time due ops had to wait for the in-flight cap */
  private capBlockedAt = -Infinity;

  constructor(
    private readonly ctx: ExecutorContext,
    private readonly arrivals: WorkerArrivals,
    /** schedule time 0, ms on the run clock */
    private readonly startMs: number,
    private readonly maxInFlight: number,
    lateToleranceMs: number,
  ) {
    this.lateToleranceMs = lateToleranceMs;
  }

  get inflight(): number {
    return this.inflightCount;
  }

  start(): void {
    this.onTimer();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private readonly onTimer = (): void => {
    this.timer = undefined;
    this.pump();
  };

  /**
   * Sends every op that is due (cap permitting) and keeps a timer armed for the next
   * one. Runs on the timer and after every completion: while replies flow, due ops
   * go out at I/O granularity rather than the timers' 1 ms.
   */
  private pump(): void {
    if (this.stopped) return;
    const { clock, recorder, windows } = this.ctx;
    let now = clock.nowMs();
    windows.maybeRotate(now);
    const due = this.arrivals.dueAt(now - this.startMs);
    while (this.issued < due && this.inflightCount < this.maxInFlight) {
      const intended = this.startMs + this.arrivals.timeOf(this.issued++);
      if (now - intended > this.ctx.timeoutMs) {
        recorder.dropped++; // waited for a free slot longer than an op may take
        continue;
      }
      this.send(intended, now, intended <= this.capBlockedAt);
      now = clock.nowMs();
    }
    if (this.issued < due) {
      this.capBlockedAt = now; // ops due by now wait for the cap, not for the harness
      return; // completions pump again
    }
    if (this.timer !== undefined) return;
    const next = this.startMs + this.arrivals.timeOf(this.issued);
    if (next !== Infinity) this.timer = setTimeout(this.onTimer, Math.max(0, next - now));
  }

  /** `capped`: the op waited for the in-flight cap (late, but not the harness's scheduling lag) */
  private send(intended: number, now: number, capped: boolean): void {
    const { client, ops, recorder, migrating, connections } = this.ctx;
    ops.prepareNext();
    const lag = now - intended;
    if (!capped) recorder.recordSchedulingLag(lag * 1000);
    if (lag > this.lateToleranceMs) recorder.late++;
    this.inflightCount++;
    this.conn = (this.conn + 1) % connections;
    const op = new Command(ops.payload, ops.slot, this.conn, this.completed);
    op.raw = true;
    op.intended = intended;
    op.sent = now;
    op.cls = ops.cls;
    op.migrating = migrating[ops.slot] === 1;
    client.dispatch(op);
  }

  /** every op's callback (per-op data is on the command) */
  private readonly completed = (err: Error | null, _reply: Reply, op: Command): void => {
    const { client, clock, windows, recorder } = this.ctx;
    const done = client.replyAt + clock.perfOffsetMs; // when the reply arrived
    windows.maybeRotate(done);
    recorder.record((done - op.intended) * 1000, (done - op.sent) * 1000, op.cls, op.migrating, err ? this.ctx.errorClass(err) : undefined);
    this.inflightCount--;
    this.pump();
  };
}
