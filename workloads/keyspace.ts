// Key spaces: which key names a workload touches and how often (memtier-like).
import { UsageError } from "../harness/errors.ts";
import { Rng } from "./prng.ts";
import { SLOT_COUNT, SlotSet, hashTagOf, keySlot, slotTag } from "./slots.ts";

export type KeyPattern = "uniform" | "gaussian" | "zipf" | "sequential";

export interface KeySpaceSpec {
  /** key name prefix (default "key:") */
  prefix?: string;
  /** first key index (default 0; memtier --key-minimum) */
  min?: number;
  /** number of distinct keys (default 10000); or give `max` */
  count?: number;
  /** last key index, inclusive (memtier --key-maximum); count = max - min + 1 */
  max?: number;
  /** access pattern (default uniform) */
  pattern?: KeyPattern;
  /** gaussian: mean and standard deviation as key positions (default: middle, count/6) */
  gaussianMean?: number;
  gaussianStddev?: number;
  /** zipf exponent s > 0 (default 0.99); position 0 is the hottest key */
  zipfExponent?: number;
  /** every key carries this hash tag, so all keys share one slot: `prefix{tag}i` */
  hashTag?: string;
  /** keep every key inside these slots (see `slotKeys`) */
  slots?: number[];
  /**
   * how keys are kept inside `slots`:
   * - "scan": the first `count` natural names `prefix<i>` (i >= min) whose slot is in `slots`
   *   (plain names, the same a preload of the same space writes);
   * - "tag": `prefix{tag(slot)}<i>`, i = min..min+count-1, spread evenly over the slots;
   * - "auto" (default): scan unless that means hashing more than 4M names, then tag.
   */
  slotKeys?: "auto" | "scan" | "tag";
}

/** The spec with defaults applied and checked; serialisable (sent to workers). */
export interface ResolvedKeySpace {
  prefix: string;
  min: number;
  count: number;
  pattern: KeyPattern;
  gaussianMean?: number;
  gaussianStddev?: number;
  zipfExponent: number;
  hashTag?: string;
  slots?: number[];
  /** decided: "auto" is resolved here */
  slotKeys: "scan" | "tag";
}

const SCAN_LIMIT = 4_000_000;

export function resolveKeySpace(spec: KeySpaceSpec = {}, field = "keySpace"): ResolvedKeySpace {
  const min = spec.min ?? 0;
  if (!Number.isSafeInteger(min) || min < 0) throw new UsageError(`${field}.min: ${min} must be an integer >= 0`);
  let count = spec.count ?? 10_000;
  if (spec.count === undefined && spec.max !== undefined) {
    if (!Number.isSafeInteger(spec.max) || spec.max < min) throw new UsageError(`${field}.max: ${spec.max} must be an integer >= min (${min})`);
    count = spec.max - min + 1;
  }
  if (!Number.isSafeInteger(count) || count < 1 || count > 2 ** 32) throw new UsageError(`${field}.count: ${count} must be an integer in 1..2^32`);
  const pattern = spec.pattern ?? "uniform";
  if (!["uniform", "gaussian", "zipf", "sequential"].includes(pattern)) {
    throw new UsageError(`${field}.pattern: "${pattern}" is not one of uniform, gaussian, zipf, sequential`);
  }
  const zipfExponent = spec.zipfExponent ?? 0.99;
  if (!(zipfExponent > 0)) throw new UsageError(`${field}.zipfExponent: ${zipfExponent} must be > 0`);
  if (spec.gaussianStddev !== undefined && !(spec.gaussianStddev > 0)) {
    throw new UsageError(`${field}.gaussianStddev: ${spec.gaussianStddev} must be > 0`);
  }
  if (spec.hashTag !== undefined && (spec.hashTag === "" || /[{}]/.test(spec.hashTag))) {
    throw new UsageError(`${field}.hashTag: "${spec.hashTag}" must be non-empty and contain no braces`);
  }
  if (spec.hashTag !== undefined && spec.slots !== undefined) {
    throw new UsageError(`${field}: hashTag and slots cannot be combined (a hash tag pins every key to one slot)`);
  }
  const mode = spec.slotKeys ?? "auto";
  if (!["auto", "scan", "tag"].includes(mode)) throw new UsageError(`${field}.slotKeys: "${mode}" is not auto, scan or tag`);
  let slots: number[] | undefined;
  let slotKeys: "scan" | "tag" = "scan";
  if (spec.slots !== undefined) {
    slots = new SlotSet(spec.slots).toArray();
    if (slots.length === 0) throw new UsageError(`${field}.slots: the slot list is empty`);
    if (slots.length < SLOT_COUNT) {
      const expectedScan = (count * SLOT_COUNT) / slots.length;
      slotKeys = mode === "auto" ? (expectedScan <= SCAN_LIMIT ? "scan" : "tag") : mode;
      if (slotKeys === "scan" && expectedScan > 4 * SCAN_LIMIT) {
        throw new UsageError(`${field}: finding ${count} keys in ${slots.length} slot(s) by scanning means hashing ~${Math.round(expectedScan)} names; use slotKeys: tag`);
      }
    } else slots = undefined; // every slot: no restriction
  }
  return {
    prefix: spec.prefix ?? "key:",
    min,
    count,
    pattern,
    gaussianMean: spec.gaussianMean,
    gaussianStddev: spec.gaussianStddev,
    zipfExponent,
    hashTag: spec.hashTag,
    slots,
    slotKeys,
  };
}

/**
 * Zipf over ranks 1..n by rejection-inversion (Hörmann & Derflinger 1996), O(1) per
 * draw and no table, so it works for key spaces of any size.
 */
export class ZipfSampler {
  private readonly hIntegralX1: number;
  private readonly hIntegralN: number;
  private readonly sCut: number;

  constructor(
    private readonly n: number,
    private readonly s: number,
  ) {
    this.hIntegralX1 = this.hIntegral(1.5) - 1;
    this.hIntegralN = this.hIntegral(n + 0.5);
    this.sCut = 2 - this.hIntegralInverse(this.hIntegral(2.5) - this.h(2));
  }

  /** a rank in 1..n; rank 1 is the most frequent */
  sample(rng: Rng): number {
    for (;;) {
      const u = this.hIntegralN + rng.float() * (this.hIntegralX1 - this.hIntegralN);
      const x = this.hIntegralInverse(u);
      let k = Math.floor(x + 0.5);
      if (k < 1) k = 1;
      else if (k > this.n) k = this.n;
      if (k - x <= this.sCut || u >= this.hIntegral(k + 0.5) - this.h(k)) return k;
    }
  }

  private h(x: number): number {
    return Math.exp(-this.s * Math.log(x));
  }
  private hIntegral(x: number): number {
    const logX = Math.log(x);
    return helper2((1 - this.s) * logX) * logX;
  }
  private hIntegralInverse(x: number): number {
    let t = x * (1 - this.s);
    if (t < -1) t = -1;
    return Math.exp(helper1(t) * x);
  }
}

function helper1(x: number): number {
  return Math.abs(x) > 1e-8 ? Math.log1p(x) / x : 1 - x * (0.5 - x * (1 / 3 - 0.25 * x));
}
function helper2(x: number): number {
  return Math.abs(x) > 1e-8 ? Math.expm1(x) / x : 1 + x * 0.5 * (1 + (x / 3) * (1 + 0.25 * x));
}

/**
 * A key space instance: draws key names by pattern. Deterministic for a given
 * (spec, seed, stream); `stream`/`streams` split sequential access between workers.
 */
export class KeySpace {
  /** number of distinct keys */
  readonly size: number;
  /**
   * slot of each key + 1 (0 = not computed yet), for spaces up to 1M keys. Names are
   * not cached: making one from small digit tables is cheaper than fetching a
   * cached string from a random place in a large heap.
   */
  private readonly slots_: Uint16Array | undefined;
  /** what precedes the index in every name (undefined: it depends on the key, tag mode) */
  private readonly fixedHead: string | undefined;
  private readonly indices: Float64Array | undefined;
  private readonly zipf: ZipfSampler | undefined;
  private seq: number;
  private readonly stride: number;
  private readonly mean: number;
  private readonly stddev: number;

  constructor(
    readonly spec: ResolvedKeySpace,
    private readonly rng: Rng,
    stream = 0,
    streams = 1,
  ) {
    if (spec.slots && spec.slotKeys === "scan") this.indices = scanIndices(spec.prefix, spec.min, spec.count, spec.slots);
    this.size = spec.count;
    this.slots_ = this.size <= SLOT_CACHE_KEYS ? new Uint16Array(this.size) : undefined;
    this.fixedHead = spec.hashTag !== undefined ? `${spec.prefix}{${spec.hashTag}}` : spec.slots && spec.slotKeys === "tag" ? undefined : spec.prefix;
    this.zipf = spec.pattern === "zipf" ? new ZipfSampler(this.size, spec.zipfExponent) : undefined;
    this.seq = stream % this.size;
    this.stride = Math.max(1, streams);
    this.mean = spec.gaussianMean ?? (this.size - 1) / 2;
    this.stddev = spec.gaussianStddev ?? this.size / 6;
  }

  /** position (0..size-1) of the next key by the access pattern */
  nextPosition(): number {
    switch (this.spec.pattern) {
      case "uniform":
        return this.rng.int(this.size);
      case "sequential": {
        const p = this.seq;
        this.seq = (this.seq + this.stride) % this.size;
        return p;
      }
      case "zipf":
        return this.zipf!.sample(this.rng) - 1;
      case "gaussian": {
        // redraw outside the range instead of clamping (clamping piles keys on the edges)
        for (let tries = 0; tries < 64; tries++) {
          const p = Math.round(this.mean + this.stddev * this.rng.normal());
          if (p >= 0 && p < this.size) return p;
        }
        return Math.min(this.size - 1, Math.max(0, Math.round(this.mean)));
      }
    }
  }

  next(): string {
    return this.nameAt(this.nextPosition());
  }

  /** slot of the key at a position (cached) */
  slotAt(position: number): number {
    if (this.slots_ === undefined) return keySlot(this.nameAt(position));
    const s = this.slots_[position];
    if (s !== 0) return s - 1;
    const slot = keySlot(this.nameAt(position));
    this.slots_[position] = slot + 1;
    return slot;
  }

  /** the key index (in min..max) at a position */
  indexAt(position: number): number {
    return this.indices ? this.indices[position] : this.spec.min + position;
  }

  /** `prefix<i>`, `prefix{hashTag}<i>` or, in tag mode, `prefix{slotTag}<i>` */
  nameAt(position: number): string {
    const i = this.indexAt(position);
    if (this.fixedHead !== undefined) return this.fixedHead + decimal(i);
    const slots = this.spec.slots!;
    return `${this.spec.prefix}{${slotTag(slots[i % slots.length])}}${decimal(i)}`;
  }

  /**
   * `n` keys that share the slot of `key` (for MSET/MGET): `prefix{tag}:j`, where
   * tag is the key's own hash-tag content, so the group lives in the key's slot.
   */
  groupKeys(key: string, n: number): string[] {
    const tag = this.tagFor(key);
    const out = new Array<string>(n);
    for (let j = 0; j < n; j++) out[j] = `${this.spec.prefix}{${tag}}:${j}`;
    return out;
  }

  /** the counter key that belongs to `key` (same slot, never holds a non-integer) */
  counterKey(key: string): string {
    return `${this.spec.prefix}{${this.tagFor(key)}}:n`;
  }

  private tagFor(key: string): string {
    const tag = hashTagOf(key);
    return tag.includes("{") || tag.includes("}") ? slotTag(keySlot(key)) : tag;
  }

  /** every key name of the space, in position order */
  *names(): Generator<string> {
    for (let p = 0; p < this.size; p++) yield this.nameAt(p);
  }
}

const SLOT_CACHE_KEYS = 1_000_000;

const DIGITS = Array.from({ length: 1000 }, (_, i) => String(i));
const DIGITS_PADDED = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, "0"));

/**
 * `String(n)` for an integer n >= 0, from two 1000-entry tables: V8's own
 * number-to-string cache is small, and a miss costs a runtime call.
 */
export function decimal(n: number): string {
  if (n < 1000) return DIGITS[n];
  const high = Math.floor(n / 1000);
  return decimal(high) + DIGITS_PADDED[n - high * 1000];
}

const scanCache = new Map<string, Float64Array>();

/** the first `count` indices i >= min whose name `prefix<i>` hashes into `slots` (cached) */
export function scanIndices(prefix: string, min: number, count: number, slots: number[]): Float64Array {
  const cacheKey = `${prefix}\u0000${min}\u0000${count}\u0000${slots.join(",")}`;
  const cached = scanCache.get(cacheKey);
  if (cached) return cached;
  const want = new SlotSet(slots);
  const out = new Float64Array(count);
  let n = 0;
  for (let i = min; n < count; i++) if (want.has(keySlot(prefix + i))) out[n++] = i;
  if (scanCache.size > 8) scanCache.clear();
  scanCache.set(cacheKey, out);
  return out;
}
