// Preload: fill the dataset fast, pipelined per node, with values that are a pure
// function of (seed, key) so that checks can recompute them from a short description.
import { HarnessError, UsageError } from "../harness/errors.ts";
import { ClusterClient } from "./client.ts";
import { classifyError } from "./errors.ts";
import { KeySpace, resolveKeySpace, type ResolvedKeySpace } from "./keyspace.ts";
import { Rng, mixSeed } from "./prng.ts";
import { encodeCommand } from "./resp.ts";
import { SLOT_COUNT, keySlot } from "./slots.ts";
import { ValueSource, resolveValueSize, type ResolvedValueSize, type ValueSizeSpec } from "./values.ts";

export type BigKeyType = "hash" | "set" | "zset" | "list";

export interface BigKeysSpec {
  type: BigKeyType;
  /** how many such keys */
  count: number;
  /** fields / members / elements per key */
  elements: number;
  /** bytes per element value (members carry a unique index prefix) */
  elementSize: number;
  prefix: string;
  /** slots the keys live in (default all) */
  slots?: number[];
}

export interface PreloadSpec {
  seeds: string[];
  /** string keys to write */
  keys: number;
  prefix?: string;
  valueSize?: ValueSizeSpec;
  /** keep keys inside these slots (default all) */
  slots?: number[];
  /** EX on every string key (0 / absent = none) */
  ttlSeconds?: number;
  bigKeys?: BigKeysSpec[];
  seed?: number;
  /** commands in flight per node (default 1000) */
  pipeline?: number;
  /** elements per command for big keys (default 1000) */
  chunk?: number;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** called at most every 100 ms and at the end */
  onProgress?: (done: number, total: number) => void;
}

/** Enough to recompute every preloaded key and value (see `expandPreload`). */
export interface PreloadDescription {
  seed: number;
  /** `count` string keys, the first positions of `keySpace` */
  strings: { count: number; keySpace: ResolvedKeySpace; valueSize: ResolvedValueSize; ttlSeconds: number };
  bigKeys: Array<{ keySpace: ResolvedKeySpace; type: BigKeyType; elements: number; elementSize: number }>;
}

export interface PreloadResult {
  description: PreloadDescription;
  /** key -> value for string keys; `type:<type>:<elements>` for big keys (the snapshot's digest form) */
  keys: Record<string, string>;
  /** slot -> number of preloaded keys (slots without keys are absent) */
  slotCounts: Record<number, number>;
  commands: number;
  durationMs: number;
}

function describe(spec: PreloadSpec): PreloadDescription {
  const seed = spec.seed ?? 1;
  const ttlSeconds = spec.ttlSeconds ?? 0;
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 0) throw new UsageError(`dataset.ttlSeconds: ${ttlSeconds} must be an integer >= 0`);
  return {
    seed,
    strings: {
      count: spec.keys,
      keySpace: resolveKeySpace({ prefix: spec.prefix ?? "key:", count: Math.max(1, spec.keys), slots: spec.slots }, "dataset"),
      valueSize: resolveValueSize(spec.valueSize ?? 100, "dataset.valueSize"),
      ttlSeconds,
    },
    bigKeys: (spec.bigKeys ?? []).map((b, i) => ({
      keySpace: resolveKeySpace({ prefix: b.prefix, count: Math.max(1, b.count), slots: b.slots }, `dataset.bigKeys[${i}]`),
      type: b.type,
      elements: b.elements,
      elementSize: b.elementSize,
    })),
  };
}

/** name of the i-th key of a key space (positions in order, as preloaded) */
function keyNames(ks: ResolvedKeySpace, n: number): string[] {
  const space = new KeySpace(ks, new Rng(0));
  const out = new Array<string>(n);
  for (let i = 0; i < n; i++) out[i] = space.nameAt(i);
  return out;
}

/** element j of a big key: [field/member, value] (deterministic) */
export function bigKeyElement(src: ValueSource, key: string, j: number): [string, string] {
  return [`m${j}`, src.forKey(`${key}\u0000${j}`)];
}

function bigKeyCommands(type: BigKeyType, key: string, from: number, to: number, src: ValueSource): string[] {
  const args: string[] = [type === "hash" ? "HSET" : type === "set" ? "SADD" : type === "zset" ? "ZADD" : "RPUSH", key];
  for (let j = from; j < to; j++) {
    const [member, value] = bigKeyElement(src, key, j);
    if (type === "hash") args.push(member, value);
    else if (type === "zset") args.push(String(j), `${member}:${value}`);
    else args.push(`${member}:${value}`);
  }
  return args;
}

/** Recomputes the keys and values a preload wrote (string values exact; big keys as digests). */
export function expandPreload(d: PreloadDescription): Map<string, string> {
  const out = new Map<string, string>();
  const src = new ValueSource(d.strings.valueSize, mixSeed(d.seed, "preload"));
  for (const k of keyNames(d.strings.keySpace, d.strings.count)) out.set(k, src.forKey(k));
  for (const b of d.bigKeys) for (const k of keyNames(b.keySpace, b.keySpace.count)) out.set(k, `type:${b.type}:${b.elements}`);
  return out;
}

interface Job {
  payload: string;
  slot: number;
  /** a list's chunks must apply once and in order: never re-sent */
  idempotent: boolean;
}

export async function preloadData(spec: PreloadSpec): Promise<PreloadResult> {
  const t0 = performance.now();
  if (!Number.isInteger(spec.keys) || spec.keys < 0) throw new UsageError(`dataset.keys: ${spec.keys} must be an integer >= 0`);
  const d = describe(spec);
  const stringCount = d.strings.count;
  const chunk = spec.chunk ?? 1000;
  const client = new ClusterClient({ seeds: spec.seeds, timeoutMs: spec.timeoutMs ?? 30_000, connectionsPerNode: 1 });
  await client.connect();
  // null prototype: plain {} is ~4x slower to fill with hundreds of thousands of keys
  const keys = Object.create(null) as Record<string, string>;
  const slotCounts = new Uint32Array(SLOT_COUNT);

  // one lazy stream of commands: strings first, then big keys chunk by chunk
  const jobs = function* (): Generator<Job> {
    const src = new ValueSource(d.strings.valueSize, mixSeed(d.seed, "preload"));
    if (stringCount > 0) {
      const space = new KeySpace(d.strings.keySpace, new Rng(0));
      for (let i = 0; i < stringCount; i++) {
        const k = space.nameAt(i);
        const v = src.forKey(k);
        keys[k] = v;
        const slot = keySlot(k);
        slotCounts[slot]++;
        const args = d.strings.ttlSeconds > 0 ? ["SET", k, v, "EX", String(d.strings.ttlSeconds)] : ["SET", k, v];
        yield { payload: encodeCommand(args), slot, idempotent: true };
      }
    }
    for (const b of d.bigKeys) {
      const elemSrc = new ValueSource({ kind: "fixed", size: Math.max(1, b.elementSize) }, mixSeed(d.seed, "big", b.keySpace.prefix));
      for (const k of keyNames(b.keySpace, b.keySpace.count)) {
        keys[k] = `type:${b.type}:${b.elements}`;
        const slot = keySlot(k);
        slotCounts[slot]++;
        yield { payload: encodeCommand(["DEL", k]), slot, idempotent: b.type !== "list" };
        for (let from = 0; from < b.elements; from += chunk) {
          yield { payload: encodeCommand(bigKeyCommands(b.type, k, from, Math.min(b.elements, from + chunk), elemSrc)), slot, idempotent: b.type !== "list" };
        }
      }
    }
  };
  const total = stringCount + d.bigKeys.reduce((a, b) => a + b.keySpace.count * (1 + Math.ceil(b.elements / chunk)), 0);
  const limit = (spec.pipeline ?? 1000) * Math.max(1, client.primaries().length);
  let done = 0;
  let lastProgress = 0;
  let commands = 0;

  try {
    await new Promise<void>((resolve, reject) => {
      const it = jobs();
      let inflight = 0;
      let exhausted = false;
      let failed = false;
      const fail = (e: Error): void => {
        if (!failed) {
          failed = true;
          reject(e);
        }
      };
      const sendJob = (job: Job, attempt: number): void => {
        inflight++;
        commands++;
        client.send(job.payload, job.slot, 0, (err) => {
          inflight--;
          if (err) {
            const c = classifyError(err);
            const retriable = c.cls === "timeout" || c.cls === "connection" || c.cls === "TRYAGAIN" || c.cls === "CLUSTERDOWN";
            if (retriable && job.idempotent && attempt < 5) {
              setTimeout(() => sendJob(job, attempt + 1), 50 * (attempt + 1));
              return;
            }
            return fail(new HarnessError(`preload failed: ${err.message}`));
          }
          done++;
          const now = performance.now();
          if (spec.onProgress && now - lastProgress >= 100) {
            lastProgress = now;
            spec.onProgress(done, total);
          }
          pump();
        });
      };
      const pump = (): void => {
        if (failed) return;
        if (spec.signal?.aborted) return fail(new HarnessError("preload aborted"));
        while (!exhausted && inflight < limit) {
          const next = it.next();
          if (next.done) exhausted = true;
          else sendJob(next.value, 0);
        }
        if (exhausted && inflight === 0) resolve();
      };
      pump();
    });
  } finally {
    await client.close();
  }
  spec.onProgress?.(done, total);
  const counts: Record<number, number> = {};
  for (let s = 0; s < SLOT_COUNT; s++) if (slotCounts[s] > 0) counts[s] = slotCounts[s];
  return { description: d, keys, slotCounts: counts, commands, durationMs: Math.round(performance.now() - t0) };
}
