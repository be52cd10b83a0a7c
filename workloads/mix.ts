// Op mixes: which commands the load sends, in which proportions (memtier --ratio,
// weights per builtin op, and command templates with __key__ / __data__ placeholders).
import { UsageError } from "../harness/errors.ts";
import type { KeySpace } from "./keyspace.ts";
import type { OpClass } from "./metrics-types.ts";
import type { Rng } from "./prng.ts";
import { encodeCommand, isAscii, toByteString } from "./resp.ts";
import { keySlot } from "./slots.ts";
import type { ValueSource } from "./values.ts";

export const BUILTIN_OPS = ["set", "get", "incr", "append", "mset", "mget"] as const;
export type BuiltinOp = (typeof BUILTIN_OPS)[number];

export interface CommandTemplate {
  /** e.g. "HSET __key__ f __data__"; every __key__ is the same drawn key */
  command: string;
  weight?: number;
  /** op class for metrics; inferred from the command name when absent */
  class?: "read" | "write";
}

export type TtlSpec = number | { min: number; max: number };

export interface MixSpec {
  /** "SET:GET" weights like memtier --ratio, e.g. "1:10" (the default when nothing is given) */
  ratio?: string;
  weights?: Partial<Record<BuiltinOp, number>>;
  commands?: CommandTemplate[];
  /** keys per MSET / MGET (default 4), all in one slot */
  multiKeys?: number;
  /** SET with PX: fixed ms or a uniform range */
  ttlMs?: TtlSpec;
}

export type MixEntry =
  | { name: BuiltinOp; weight: number; kind: "builtin"; cls: OpClass }
  | { name: string; weight: number; kind: "template"; tokens: string[]; cls: OpClass };

export interface ResolvedMix {
  entries: MixEntry[];
  multiKeys: number;
  ttlMs?: { min: number; max: number };
}

const READ_COMMANDS = new Set([
  "GET", "MGET", "EXISTS", "STRLEN", "GETRANGE", "TTL", "PTTL", "TYPE",
  "HGET", "HMGET", "HGETALL", "HLEN", "HEXISTS", "HKEYS", "HVALS", "HSTRLEN",
  "LRANGE", "LLEN", "LINDEX", "SMEMBERS", "SISMEMBER", "SCARD", "SRANDMEMBER",
  "ZRANGE", "ZRANGEBYSCORE", "ZSCORE", "ZCARD", "ZRANK", "ZCOUNT", "XRANGE", "XLEN",
  "BITCOUNT", "GETBIT", "PFCOUNT", "DUMP",
]);

const BUILTIN_CLASS: Record<BuiltinOp, OpClass> = {
  set: "write", get: "read", incr: "write", append: "write", mset: "multi", mget: "multi",
};

function weightOf(w: unknown, field: string): number {
  if (typeof w !== "number" || !Number.isFinite(w) || w < 0) throw new UsageError(`${field}: ${String(w)} must be a number >= 0`);
  return w;
}

export function parseRatio(ratio: string, field = "mix.ratio"): { set: number; get: number } {
  const m = /^\s*(\d+(?:\.\d+)?)\s*:\s*(\d+(?:\.\d+)?)\s*$/.exec(ratio);
  if (!m) throw new UsageError(`${field}: "${ratio}" is not SET:GET like "1:10"`);
  const set = Number(m[1]);
  const get = Number(m[2]);
  if (set + get === 0) throw new UsageError(`${field}: "${ratio}" has no weight`);
  return { set, get };
}

export function resolveMix(spec: MixSpec = {}, field = "mix"): ResolvedMix {
  const weights: Partial<Record<BuiltinOp, number>> = {};
  if (spec.ratio !== undefined) Object.assign(weights, parseRatio(spec.ratio, `${field}.ratio`));
  for (const [op, w] of Object.entries(spec.weights ?? {})) {
    if (!(BUILTIN_OPS as readonly string[]).includes(op)) {
      throw new UsageError(`${field}.weights.${op}: unknown op; allowed: ${BUILTIN_OPS.join(", ")}`);
    }
    weights[op as BuiltinOp] = weightOf(w, `${field}.weights.${op}`);
  }
  const entries: MixEntry[] = [];
  for (const op of BUILTIN_OPS) {
    const w = weights[op];
    if (w && w > 0) entries.push({ name: op, weight: w, kind: "builtin", cls: BUILTIN_CLASS[op] });
  }
  (spec.commands ?? []).forEach((c, i) => {
    const tokens = c.command.trim().split(/\s+/).filter((t) => t !== "");
    if (tokens.length === 0) throw new UsageError(`${field}.commands[${i}].command: empty`);
    if (!tokens.includes("__key__")) {
      throw new UsageError(`${field}.commands[${i}].command: "${c.command}" has no __key__ placeholder (needed to route it to a slot)`);
    }
    const w = c.weight === undefined ? 1 : weightOf(c.weight, `${field}.commands[${i}].weight`);
    if (c.class !== undefined && c.class !== "read" && c.class !== "write") {
      throw new UsageError(`${field}.commands[${i}].class: "${String(c.class)}" is not read or write`);
    }
    const cls: OpClass = c.class ?? (READ_COMMANDS.has(tokens[0].toUpperCase()) ? "read" : "write");
    if (w > 0) entries.push({ name: tokens[0].toLowerCase(), weight: w, kind: "template", tokens, cls });
  });
  if (entries.length === 0) {
    if (spec.ratio === undefined && spec.weights === undefined && spec.commands === undefined) {
      return resolveMix({ ...spec, ratio: "1:10" }, field);
    }
    throw new UsageError(`${field}: every weight is 0; nothing to send`);
  }
  const multiKeys = spec.multiKeys ?? 4;
  if (!Number.isInteger(multiKeys) || multiKeys < 1 || multiKeys > 1000) {
    throw new UsageError(`${field}.multiKeys: ${multiKeys} must be an integer in 1..1000`);
  }
  let ttlMs: ResolvedMix["ttlMs"];
  if (spec.ttlMs !== undefined) {
    const t = typeof spec.ttlMs === "number" ? { min: spec.ttlMs, max: spec.ttlMs } : spec.ttlMs;
    if (!Number.isInteger(t.min) || !Number.isInteger(t.max) || t.min < 1 || t.max < t.min) {
      throw new UsageError(`${field}.ttlMs: ${JSON.stringify(spec.ttlMs)} must be ms >= 1 or {min, max} with min <= max`);
    }
    ttlMs = t;
  }
  return { entries, multiKeys, ttlMs };
}

/** One op ready to send. */
export interface BuiltOp {
  payload: string;
  slot: number;
  cls: OpClass;
  /** the first key (for slot classification and display) */
  key: string;
}

/**
 * Builds ops from a mix: draws the op by weight, the key from the key space and the
 * value from the value source.
 *
 * Hot path (executors): `prepare(position)` draws the op and sets `payload`, `slot`
 * and `cls`, allocating no object. GET and SET (fixed value size, no TTL) are
 * joined from small per-key-length tables, the key and a slice of the value pool:
 * nothing per key is kept in memory (on a busy machine a random read from a large
 * per-key cache costs more than building the string).
 * `next()` / `at()` return the same op as an object.
 */
export class OpFactory {
  private readonly cumulative: number[];
  private readonly total: number;
  private readonly prefixAscii: boolean;
  /** `*2 $3 GET $<len>` / `*3 $3 SET $<len>` heads by key byte length, built on first use */
  private readonly getHeads: string[] = [];
  private readonly setHeads: string[] = [];
  /** `$<size>` before a SET value when every value has the same size ("" otherwise) */
  private readonly valueHead: string;

  /** the prepared op */
  payload = "";
  slot = 0;
  cls: OpClass = "read";
  private position = 0;

  constructor(
    readonly mix: ResolvedMix,
    private readonly keys: KeySpace,
    private readonly values: ValueSource,
    private readonly rng: Rng,
  ) {
    let acc = 0;
    this.cumulative = mix.entries.map((e) => (acc += e.weight));
    this.total = acc;
    this.prefixAscii = isAscii(keys.spec.prefix) && (keys.spec.hashTag === undefined || isAscii(keys.spec.hashTag));
    this.valueHead = values.size.kind === "fixed" && !mix.ttlMs ? `\r\n$${values.size.size}\r\n` : "";
  }

  private pick(): MixEntry {
    const entries = this.mix.entries;
    if (entries.length === 1) return entries[0];
    const x = this.rng.float() * this.total;
    for (let i = 0; i < entries.length; i++) if (x < this.cumulative[i]) return entries[i];
    return entries[entries.length - 1];
  }

  /** prepares the next op on a key drawn from the key space */
  prepareNext(): void {
    this.prepare(this.keys.nextPosition());
  }

  /**
   * prepares the next op on the key at `position` of the key space (closed-loop node
   * affinity picks it, and knows its slot)
   */
  prepare(position: number, slot = this.keys.slotAt(position)): void {
    const e = this.pick();
    this.position = position;
    this.slot = slot;
    this.cls = e.cls;
    this.payload = e.kind === "template" ? this.template(e.tokens, this.keys.nameAt(position)) : this.build(e.name, position);
  }

  /** the prepared op's (first) key, for slot classification and display */
  get key(): string {
    return this.keys.nameAt(this.position);
  }

  /** the next op on a key drawn from the key space */
  next(): BuiltOp {
    return this.at(this.keys.nextPosition());
  }

  /** the next op on the key at `position` of the key space */
  at(position: number): BuiltOp {
    this.prepare(position);
    return { payload: this.payload, slot: this.slot, cls: this.cls, key: this.key };
  }

  private build(name: BuiltinOp, position: number): string {
    switch (name) {
      case "get": {
        const k = this.keyBytes(position);
        return (this.getHeads[k.length] ??= `*2\r\n$3\r\nGET\r\n$${k.length}\r\n`) + k + "\r\n";
      }
      case "set": {
        const k = this.keyBytes(position);
        if (this.valueHead !== "") {
          const head = (this.setHeads[k.length] ??= `*3\r\n$3\r\nSET\r\n$${k.length}\r\n`);
          return head + k + this.valueHead + this.values.next(this.rng) + "\r\n";
        }
        const v = this.values.next(this.rng);
        const ttl = this.mix.ttlMs;
        if (!ttl) return `*3\r\n$3\r\nSET\r\n$${k.length}\r\n${k}\r\n$${v.length}\r\n${v}\r\n`;
        const px = String(ttl.min + this.rng.int(ttl.max - ttl.min + 1));
        return encodeCommand(["SET", this.keys.nameAt(position), v, "PX", px]);
      }
      case "incr":
        return encodeCommand(["INCR", this.keys.counterKey(this.keys.nameAt(position))]);
      case "append":
        return encodeCommand(["APPEND", this.keys.nameAt(position), this.values.next(this.rng)]);
      case "mset": {
        const group = this.keys.groupKeys(this.keys.nameAt(position), this.mix.multiKeys);
        const args = ["MSET"];
        for (const g of group) args.push(g, this.values.next(this.rng));
        return encodeCommand(args);
      }
      case "mget":
        return encodeCommand(["MGET", ...this.keys.groupKeys(this.keys.nameAt(position), this.mix.multiKeys)]);
    }
  }

  /** the key at `position` as a byte string */
  private keyBytes(position: number): string {
    const key = this.keys.nameAt(position);
    return this.prefixAscii ? key : toByteString(key);
  }

  private template(tokens: string[], key: string): string {
    const args = tokens.map((t) => (t === "__key__" ? key : t === "__data__" ? this.values.next(this.rng) : t));
    return encodeCommand(args);
  }
}
