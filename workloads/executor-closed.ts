// Closed loop: `connections` x `pipeline` ops in flight, each replaced as soon as it
// completes (memtier / valkey-benchmark style). Latency = service time = completion - send.
import type { Home } from "./affinity.ts";
import { ClientError } from "./errors.ts";
import type { ExecutorContext } from "./executor-types.ts";
import type { Rng } from "./prng.ts";

/** after a connection error that happened before sending, wait a little instead of spinning */
const BACKOFF_MS = 10;

/** a logical connection: its socket index and, with affinity, the keys of its home primary */
interface Lane {
  conn: number;
  positions?: Uint32Array;
}

export class ClosedLoopExecutor {
  private inflightCount = 0;
  private stopped = false;
  private readonly lanes: Lane[];

  constructor(
    private readonly ctx: ExecutorContext,
    private readonly pipeline: number,
    private readonly rng: Rng,
    /** node affinity: homes and how many connections each gets (see affinity.ts) */
    affinity?: { homes: Home[]; counts: number[] },
  ) {
    if (affinity) {
      // connections homed on a primary use that primary's sockets 0, 1, 2, ...
      this.lanes = affinity.homes.flatMap((h, i) => Array.from({ length: affinity.counts[i] }, (_, j) => ({ conn: j, positions: h.positions })));
    } else {
      this.lanes = Array.from({ length: ctx.connections }, (_, c) => ({ conn: c }));
    }
  }

  get inflight(): number {
    return this.inflightCount;
  }

  start(): void {
    for (const lane of this.lanes) for (let d = 0; d < this.pipeline; d++) this.issue(lane, this.ctx.clock.nowMs());
  }

  stop(): void {
    this.stopped = true;
  }

  /** `sent`: now, or the completion time of the op this one replaces (the same instant) */
  private issue(lane: Lane, sent: number): void {
    if (this.stopped) return;
    const { client, ops, recorder, migrating, clock, windows } = this.ctx;
    const op = lane.positions ? ops.at(lane.positions[this.rng.int(lane.positions.length)]) : ops.next();
    const isMigrating = migrating[op.slot] === 1;
    const cls = op.cls;
    this.inflightCount++;
    client.send(op.payload, op.slot, lane.conn, (err) => {
      const done = clock.nowMs();
      windows.maybeRotate(done);
      const us = (done - sent) * 1000;
      recorder.record(us, us, cls, isMigrating, err ? this.ctx.errorClass(err) : undefined);
      this.inflightCount--;
      if (err instanceof ClientError && !err.sent) setTimeout(() => this.issue(lane, clock.nowMs()), BACKOFF_MS);
      else this.issue(lane, done);
    }, true);
  }
}
