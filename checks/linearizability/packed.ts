// Key jobs in a columnar form that crosses to a worker thread cheaply: numbers
// travel in transferable typed arrays and all string values in one long string,
// instead of a million small objects for the structured clone to walk.
import type { HistoryFn, Operation } from "../../workloads/history-types.ts";
import type { KeyJob } from "./key-check.ts";

const FNS: readonly HistoryFn[] = ["read", "write", "cas", "append", "incr"];

// value tags
const UNDEF = 0, NULL = 1, STR = 2, NUM = 3, FALSE = 4, TRUE = 5, JSON_TEXT = 6;

/** A column of values: strings (and JSON of anything else) are slices of `text`. */
interface PackedValues {
  tag: Uint8Array;
  num: Float64Array;
  /** value i is text.slice(start[i], start[i + 1]) for STR and JSON_TEXT */
  start: Int32Array;
  text: string;
}

export interface PackedJobs {
  keys: string[];
  initial: unknown[];
  /** ops of key k are [offsets[k], offsets[k+1]) */
  offsets: Int32Array;
  p: Float64Array;
  f: Uint8Array;
  /** 1 = info */
  info: Uint8Array;
  call: Float64Array;
  ret: Float64Array;
  input: PackedValues;
  output: PackedValues;
}

function packValues(total: number) {
  const col = { tag: new Uint8Array(total), num: new Float64Array(total), start: new Int32Array(total + 1), text: "" };
  const parts: string[] = [];
  let length = 0;
  return {
    col,
    put(i: number, v: unknown) {
      col.start[i] = length;
      let s: string | undefined;
      if (v === undefined) col.tag[i] = UNDEF;
      else if (v === null) col.tag[i] = NULL;
      else if (typeof v === "string") {
        col.tag[i] = STR;
        s = v;
      } else if (typeof v === "number") {
        col.tag[i] = NUM;
        col.num[i] = v;
      } else if (v === false) col.tag[i] = FALSE;
      else if (v === true) col.tag[i] = TRUE;
      else {
        col.tag[i] = JSON_TEXT;
        s = JSON.stringify(v);
      }
      if (s !== undefined) {
        parts.push(s);
        length += s.length;
      }
    },
    finish(): PackedValues {
      col.start[total] = length;
      col.text = parts.join("");
      return col;
    },
  };
}

function valueAt(col: PackedValues, i: number): unknown {
  switch (col.tag[i]) {
    case UNDEF: return undefined;
    case NULL: return null;
    case STR: return col.text.slice(col.start[i], col.start[i + 1]);
    case NUM: return col.num[i];
    case FALSE: return false;
    case TRUE: return true;
    default: return JSON.parse(col.text.slice(col.start[i], col.start[i + 1]));
  }
}

export function packJobs(jobs: readonly KeyJob[]): { packed: PackedJobs; transfer: ArrayBuffer[] } {
  let total = 0;
  for (const job of jobs) total += job.ops.length;
  const offsets = new Int32Array(jobs.length + 1);
  const p = new Float64Array(total);
  const f = new Uint8Array(total);
  const info = new Uint8Array(total);
  const call = new Float64Array(total);
  const ret = new Float64Array(total);
  const input = packValues(total);
  const output = packValues(total);
  let i = 0;
  for (let k = 0; k < jobs.length; k++) {
    offsets[k] = i;
    for (const op of jobs[k].ops) {
      p[i] = op.p;
      f[i] = FNS.indexOf(op.f);
      info[i] = op.status === "info" ? 1 : 0;
      call[i] = op.call;
      ret[i] = op.ret;
      input.put(i, op.input);
      output.put(i, op.output);
      i++;
    }
  }
  offsets[jobs.length] = i;
  const packed: PackedJobs = {
    keys: jobs.map((j) => j.key),
    initial: jobs.map((j) => j.initial),
    offsets, p, f, info, call, ret,
    input: input.finish(),
    output: output.finish(),
  };
  const arrays: ArrayBufferView[] = [offsets, p, f, info, call, ret];
  for (const col of [packed.input, packed.output]) arrays.push(col.tag, col.num, col.start);
  return { packed, transfer: arrays.map((a) => a.buffer as ArrayBuffer) };
}

export function unpackJobs(packed: PackedJobs): KeyJob[] {
  return packed.keys.map((key, k) => {
    const ops: Operation[] = [];
    for (let i = packed.offsets[k]; i < packed.offsets[k + 1]; i++) {
      ops.push({
        p: packed.p[i],
        key,
        f: FNS[packed.f[i]],
        input: valueAt(packed.input, i),
        output: valueAt(packed.output, i),
        status: packed.info[i] === 1 ? "info" : "ok",
        call: packed.call[i],
        ret: packed.ret[i],
      });
    }
    return { key, ops, initial: packed.initial[k] };
  });
}
