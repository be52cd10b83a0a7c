// Value sizes and contents. Load values are slices of a seeded random pool (cheap);
// preload values are a pure function of (seed, key) so checks can recompute them.
import { UsageError } from "../harness/errors.ts";
import { Rng, hash32, mixSeed } from "./prng.ts";

/**
 * - a number: fixed size in bytes;
 * - { min, max }: uniform in the inclusive range;
 * - [{ size, weight }]: weighted list (memtier --data-size-list);
 * - a string: "100", "32-512" or "32:1,64:2" (size:weight).
 */
export type ValueSizeSpec = number | string | { min: number; max: number } | Array<{ size: number; weight: number }>;

export type ResolvedValueSize =
  | { kind: "fixed"; size: number }
  | { kind: "range"; min: number; max: number }
  | { kind: "list"; sizes: number[]; weights: number[] };

const MAX_VALUE = 64 * 1024 * 1024;
const POOL_EXTRA = 1 << 16;
const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

function checkSize(n: number, field: string): number {
  if (!Number.isInteger(n) || n < 1 || n > MAX_VALUE) throw new UsageError(`${field}: ${n} must be an integer size in 1..${MAX_VALUE} bytes`);
  return n;
}

export function resolveValueSize(spec: ValueSizeSpec = 100, field = "valueSize"): ResolvedValueSize {
  if (typeof spec === "number") return { kind: "fixed", size: checkSize(spec, field) };
  if (typeof spec === "string") {
    const s = spec.trim();
    if (/^\d+$/.test(s)) return { kind: "fixed", size: checkSize(Number(s), field) };
    const range = /^(\d+)\s*-\s*(\d+)$/.exec(s);
    if (range) return resolveValueSize({ min: Number(range[1]), max: Number(range[2]) }, field);
    if (/^\d+:\d+(,\d+:\d+)*$/.test(s)) {
      return resolveValueSize(s.split(",").map((p) => ({ size: Number(p.split(":")[0]), weight: Number(p.split(":")[1]) })), field);
    }
    throw new UsageError(`${field}: "${spec}" is not a size ("100"), a range ("32-512") or a weighted list ("32:1,64:2")`);
  }
  if (Array.isArray(spec)) {
    if (spec.length === 0) throw new UsageError(`${field}: the size list is empty`);
    const sizes = spec.map((e, i) => checkSize(e.size, `${field}[${i}].size`));
    const weights = spec.map((e, i) => {
      if (!(e.weight >= 0) || !Number.isFinite(e.weight)) throw new UsageError(`${field}[${i}].weight: ${e.weight} must be >= 0`);
      return e.weight;
    });
    if (!weights.some((w) => w > 0)) throw new UsageError(`${field}: all weights are 0`);
    return { kind: "list", sizes, weights };
  }
  const min = checkSize(spec.min, `${field}.min`);
  const max = checkSize(spec.max, `${field}.max`);
  if (max < min) throw new UsageError(`${field}: max ${max} is below min ${min}`);
  return { kind: "range", min, max };
}

export function maxValueSize(v: ResolvedValueSize): number {
  return v.kind === "fixed" ? v.size : v.kind === "range" ? v.max : Math.max(...v.sizes);
}

/** Picks a size from a uniform draw u in [0,1). */
function sizeFromUniform(v: ResolvedValueSize, u: number): number {
  switch (v.kind) {
    case "fixed":
      return v.size;
    case "range":
      return v.min + Math.floor(u * (v.max - v.min + 1));
    case "list": {
      const total = v.weights.reduce((a, b) => a + b, 0);
      let x = u * total;
      for (let i = 0; i < v.sizes.length; i++) {
        x -= v.weights[i];
        if (x < 0) return v.sizes[i];
      }
      return v.sizes[v.sizes.length - 1];
    }
  }
}

/** A random alphanumeric pool, deterministic from the seed (ASCII: bytes = chars). */
export function makePool(seed: number, length: number): string {
  const rng = new Rng(mixSeed(seed, "value-pool"));
  const chars = new Array<string>(length);
  for (let i = 0; i < length; i++) chars[i] = ALPHABET[rng.u32() % ALPHABET.length];
  return chars.join("");
}

export class ValueSource {
  private readonly pool: string;
  private readonly span: number;

  constructor(
    readonly size: ResolvedValueSize,
    readonly seed: number,
  ) {
    const max = maxValueSize(size);
    this.pool = makePool(seed, max + POOL_EXTRA);
    this.span = POOL_EXTRA;
  }

  /** a random value for load traffic */
  next(rng: Rng): string {
    const n = this.size.kind === "fixed" ? this.size.size : sizeFromUniform(this.size, rng.float());
    return this.pool.substr(rng.int(this.span), n);
  }

  /** the value a preload writes for `key`: a pure function of (seed, size spec, key) */
  forKey(key: string): string {
    const h = hash32(key, this.seed);
    const n = sizeFromUniform(this.size, hash32(key, h) / 4294967296);
    return this.pool.substr(h % this.span, n);
  }
}
