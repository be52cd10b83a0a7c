// Closed loop: `connections` x `pipeline` ops in flight, each replaced as soon as it
// completes (memtier / valkey-benchmark style). Latency = service time = completion - send.
import { ClientError } from "./errors.ts";
import type { ExecutorContext } from "./executor-types.ts";

/** after a connection error that happened before sending, wait a little instead of spinning */
const BACKOFF_MS = 10;

export class ClosedLoopExecutor {
  private inflightCount = 0;
  private stopped = false;

  constructor(
    private readonly ctx: ExecutorContext,
    private readonly pipeline: number,
  ) {}

  get inflight(): number {
    return this.inflightCount;
  }

  start(): void {
    for (let c = 0; c < this.ctx.connections; c++) for (let d = 0; d < this.pipeline; d++) this.issue(c);
  }

  stop(): void {
    this.stopped = true;
  }

  private issue(conn: number): void {
    if (this.stopped) return;
    const { client, ops, recorder, migrating, clock, windows } = this.ctx;
    const op = ops.next();
    const isMigrating = migrating[op.slot] === 1;
    const cls = op.cls;
    const sent = clock.nowMs();
    this.inflightCount++;
    client.send(op.payload, op.slot, conn, (err) => {
      const done = clock.nowMs();
      windows.maybeRotate(done);
      const us = (done - sent) * 1000;
      recorder.record(us, us, cls, isMigrating, err ? this.ctx.errorClass(err) : undefined);
      this.inflightCount--;
      if (err instanceof ClientError && !err.sent) setTimeout(() => this.issue(conn), BACKOFF_MS);
      else this.issue(conn);
    });
  }
}
