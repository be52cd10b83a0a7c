// Linearizable histories made by simulating real objects: clients issue
// overlapping ops, each takes effect at a random instant inside its own
// [call, ret] interval, in that order. Used by tests and by the benchmark.
import type { HistoryEvent, HistoryFn, HistoryModel } from "../../workloads/history-types.ts";

export interface SimulateOptions {
  model: HistoryModel;
  ops: number;
  keys: number;
  clients: number;
  seed: number;
  /** share of ops whose completion is lost (info); half of those took effect. Default 0. */
  infoRate?: number;
  /** share of ops that fail (certainly not executed). Default 0. */
  failRate?: number;
  /** share of reads among ops. Default 0.5. */
  readRate?: number;
  /** register: share of cas among the other ops (the rest are writes). Default 0.25. */
  casRate?: number;
  /**
   * Clients pick keys from a window of this many keys that slides across all keys
   * during the run, so each key sees a burst of overlapping ops. Default: all keys.
   */
  hotKeys?: number;
  /** ns: mean op latency and mean gap between a client's ops. Defaults 1000 and 300. */
  latency?: number;
  gap?: number;
}

/** mulberry32: small, fast, seedable. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface SimOp {
  p: number;
  key: string;
  f: HistoryFn;
  input: unknown;
  output: unknown;
  call: number;
  ret: number;
  /** when it takes effect */
  at: number;
  fate: "ok" | "info-applied" | "info-lost" | "fail";
}

/** A linearizable history (the simulated object is atomic), as HistoryEvents sorted by time. */
export function simulateHistory(o: SimulateOptions): HistoryEvent[] {
  const rnd = prng(o.seed);
  const latency = o.latency ?? 1000;
  const gap = o.gap ?? 300;
  const readRate = o.readRate ?? 0.5;
  const hot = Math.min(o.hotKeys ?? o.keys, o.keys);
  const clientFree = new Float64Array(o.clients);
  const seq = new Int32Array(o.clients);
  const lastWritten = new Map<string, unknown>();
  const ops: SimOp[] = [];
  for (let i = 0; i < o.ops; i++) {
    // the client that is free first issues the next op
    let c = 0;
    for (let k = 1; k < o.clients; k++) if (clientFree[k] < clientFree[c]) c = k;
    const call = Math.round(clientFree[c] + rnd() * 2 * gap);
    const ret = call + 1 + Math.round(rnd() * 2 * latency);
    const windowStart = Math.floor((i / o.ops) * (o.keys - hot + 1));
    const key = `k${windowStart + Math.floor(rnd() * hot)}`;
    const token = `${c}.${seq[c]++}`;
    let f: HistoryFn;
    let input: unknown = null;
    const r = rnd();
    if (r < readRate) f = "read";
    else if (o.model === "register") {
      if (r < readRate + (1 - readRate) * (o.casRate ?? 0.25)) {
        f = "cas";
        input = [lastWritten.get(key) ?? null, token];
      } else f = "write";
    } else if (o.model === "counter") f = "incr";
    else if (o.model === "kv-append" && r < readRate + (1 - readRate) * 0.1) f = "write";
    else f = "append";
    if (f === "write") input = token;
    if (f === "append") input = o.model === "kv-append" ? `${token};` : token;
    if (f === "incr") input = 1 + Math.floor(rnd() * 3);
    if (f === "write" || f === "cas") lastWritten.set(key, token);
    const x = rnd();
    const infoRate = o.infoRate ?? 0;
    const fate = x < infoRate / 2 ? "info-applied" : x < infoRate ? "info-lost" : x < infoRate + (o.failRate ?? 0) ? "fail" : "ok";
    ops.push({ p: c, key, f, input, output: undefined, call, ret, at: call + rnd() * (ret - call), fate });
    clientFree[c] = ret;
  }

  // Apply in effect order.
  const state = new Map<string, unknown>();
  const byEffect = [...ops].sort((a, b) => a.at - b.at);
  for (const op of byEffect) {
    if (op.fate === "fail" || op.fate === "info-lost") continue;
    const cur = state.get(op.key);
    switch (op.f) {
      case "read":
        op.output = o.model === "list-append" ? [...((cur as string[] | undefined) ?? [])] : o.model === "counter" ? (cur ?? 0) : (cur ?? null);
        break;
      case "write":
        state.set(op.key, op.input);
        op.output = op.input;
        break;
      case "cas": {
        const [from, to] = op.input as [unknown, unknown];
        if ((cur ?? null) === from) {
          state.set(op.key, to);
          op.output = op.input;
        } else op.output = false;
        break;
      }
      case "append":
        if (o.model === "list-append") state.set(op.key, [...((cur as string[] | undefined) ?? []), op.input]);
        else state.set(op.key, ((cur as string | undefined) ?? "") + (op.input as string));
        op.output = op.input;
        break;
      case "incr": {
        const total = ((cur as number | undefined) ?? 0) + (op.input as number);
        state.set(op.key, total);
        op.output = total;
        break;
      }
    }
  }

  const events: HistoryEvent[] = [];
  for (const op of ops) {
    events.push({ p: op.p, type: "invoke", f: op.f, key: op.key, value: op.input, t: op.call });
    const type = op.fate === "ok" ? "ok" : op.fate === "fail" ? "fail" : "info";
    const value = type === "ok" ? op.output : op.input;
    events.push({ p: op.p, type, f: op.f, key: op.key, value, t: op.ret, ...(type === "ok" ? {} : { error: type === "fail" ? "MOVED" : "timeout" }) });
  }
  events.sort((a, b) => a.t - b.t);
  return events;
}
