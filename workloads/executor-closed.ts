// Closed loop: `connections` x `pipeline` ops in flight, each replaced as soon as it
// completes (memtier / valkey-benchmark style). Latency = service time = completion - send.
import type { Home } from "./affinity.ts";
import { Command } from "./client.ts";
import { ClientError } from "./errors.ts";
import type { ExecutorContext } from "./executor-types.ts";
import type { Rng } from "./prng.ts";
import type { Reply } from "./resp.ts";

/** after a connection error that happened before sending, wait a little instead of spinning */
const BACKOFF_MS = 10;

/** a logical connection: its socket index and, with affinity, the keys of its home primary */
interface Lane {
  index: number;
  conn: number;
  /** with affinity: [position, slot] pairs of the home's keys (shared by its lanes) */
  keys?: Uint32Array;
}

/**
 * A home's keys as [position, slot] pairs: a draw reads one place in memory
 * rather than the position list and then the key space's slot table.
 */
function keyPairs(positions: Uint32Array, slotAt: (position: number) => number): Uint32Array {
  const pairs = new Uint32Array(positions.length * 2);
  for (let i = 0; i < positions.length; i++) {
    pairs[2 * i] = positions[i];
    pairs[2 * i + 1] = slotAt(positions[i]);
  }
  return pairs;
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
      const lanes = affinity.homes.flatMap((h, i) => {
        const keys = keyPairs(h.positions, (p) => ctx.keys.slotAt(p));
        return Array.from({ length: affinity.counts[i] }, (_, j) => ({ conn: j, keys }));
      });
      this.lanes = lanes.map((l, index) => ({ index, ...l }));
    } else {
      this.lanes = Array.from({ length: ctx.connections }, (_, c) => ({ index: c, conn: c }));
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
    const { client, ops, migrating } = this.ctx;
    const pairs = lane.keys;
    if (pairs !== undefined) {
      const i = this.rng.int(pairs.length >>> 1) << 1;
      ops.prepare(pairs[i], pairs[i + 1]);
    } else ops.prepareNext();
    const op = new Command(ops.payload, ops.slot, lane.conn, this.completed);
    op.raw = true;
    op.sent = sent;
    op.cls = ops.cls;
    op.migrating = migrating[ops.slot] === 1;
    op.lane = lane.index;
    this.inflightCount++;
    client.dispatch(op);
  }

  /** every op's callback (per-op data is on the command) */
  private readonly completed = (err: Error | null, _reply: Reply, op: Command): void => {
    const { client, clock, windows, recorder } = this.ctx;
    const done = client.replyAt + clock.perfOffsetMs; // when the reply arrived
    windows.maybeRotate(done);
    const us = (done - op.sent) * 1000;
    recorder.record(us, us, op.cls, op.migrating, err ? this.ctx.errorClass(err) : undefined);
    this.inflightCount--;
    const lane = this.lanes[op.lane];
    if (err !== null && err instanceof ClientError && !err.sent) setTimeout(() => this.issue(lane, clock.nowMs()), BACKOFF_MS);
    else this.issue(lane, done);
  };
}
