// Key jobs in a columnar form that crosses to a worker thread cheaply: numbers
// travel in transferable typed arrays, values in flat arrays of primitives,
// instead of a million small objects for the structured clone to walk.
import type { HistoryFn, Operation } from "../../workloads/history-types.ts";
import type { KeyJob } from "./key-check.ts";

const FNS: readonly HistoryFn[] = ["read", "write", "cas", "append", "incr"];
const FN_CODE = new Map(FNS.map((f, i) => [f, i]));

export interface PackedJobs {
  keys: string[];
  initial: unknown[];
  /** ops of key k are [offsets[k], offsets[k+1]) */
  offsets: Int32Array;
  p: Int32Array;
  f: Uint8Array;
  /** 1 = info */
  info: Uint8Array;
  call: Float64Array;
  ret: Float64Array;
  input: unknown[];
  output: unknown[];
}

export function packJobs(jobs: readonly KeyJob[]): { packed: PackedJobs; transfer: ArrayBuffer[] } {
  let total = 0;
  for (const job of jobs) total += job.ops.length;
  const packed: PackedJobs = {
    keys: jobs.map((j) => j.key),
    initial: jobs.map((j) => j.initial),
    offsets: new Int32Array(jobs.length + 1),
    p: new Int32Array(total),
    f: new Uint8Array(total),
    info: new Uint8Array(total),
    call: new Float64Array(total),
    ret: new Float64Array(total),
    input: new Array(total),
    output: new Array(total),
  };
  let i = 0;
  jobs.forEach((job, k) => {
    packed.offsets[k] = i;
    for (const op of job.ops) {
      packed.p[i] = op.p;
      packed.f[i] = FN_CODE.get(op.f)!;
      packed.info[i] = op.status === "info" ? 1 : 0;
      packed.call[i] = op.call;
      packed.ret[i] = op.ret;
      packed.input[i] = op.input;
      packed.output[i] = op.output;
      i++;
    }
  });
  packed.offsets[jobs.length] = i;
  const transfer = [packed.offsets, packed.p, packed.f, packed.info, packed.call, packed.ret].map((a) => a.buffer as ArrayBuffer);
  return { packed, transfer };
}

export function unpackJobs(packed: PackedJobs): KeyJob[] {
  return packed.keys.map((key, k) => {
    const ops: Operation[] = [];
    for (let i = packed.offsets[k]; i < packed.offsets[k + 1]; i++) {
      ops.push({
        p: packed.p[i],
        key,
        f: FNS[packed.f[i]],
        input: packed.input[i],
        output: packed.output[i],
        status: packed.info[i] === 1 ? "info" : "ok",
        call: packed.call[i],
        ret: packed.ret[i],
      });
    }
    return { key, ops, initial: packed.initial[k] };
  });
}
