// What executors share inside a worker.
import type { ClusterClient } from "./client.ts";
import type { RunClock } from "./clock.ts";
import type { ErrorClass } from "./metrics-types.ts";
import type { WindowRecorder } from "./metrics.ts";
import type { OpFactory } from "./mix.ts";
import type { KeySpace } from "./keyspace.ts";

export interface WindowClock {
  /** closes every window whose end is <= now (call before recording a completion) */
  maybeRotate(nowMs: number): void;
}

export interface ExecutorContext {
  client: ClusterClient;
  clock: RunClock;
  recorder: WindowRecorder;
  windows: WindowClock;
  ops: OpFactory;
  keys: KeySpace;
  /** slot -> 1 when the slot is migrating (updated live) */
  migrating: Uint8Array;
  /** logical connections of this worker (socket index = n % sockets per node) */
  connections: number;
  timeoutMs: number;
  errorClass(err: Error): ErrorClass;
}
