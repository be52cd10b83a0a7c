// Cluster slot arithmetic, identical to the server's: CRC16/XMODEM of the key (or of
// its hash tag) modulo 16384; plus tools to name keys that land in chosen slots.
import { UsageError } from "../harness/errors.ts";

export const SLOT_COUNT = 16384;

const TABLE = (() => {
  const t = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let crc = i << 8;
    for (let j = 0; j < 8; j++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    t[i] = crc;
  }
  return t;
})();

/** CRC16/XMODEM (poly 0x1021, init 0) over bytes[start, end). */
export function crc16(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let crc = 0;
  for (let i = start; i < end; i++) crc = ((crc << 8) & 0xffff) ^ TABLE[((crc >> 8) ^ bytes[i]) & 0xff];
  return crc;
}

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 127) return false;
  return true;
}

function crc16Ascii(s: string, start: number, end: number): number {
  let crc = 0;
  for (let i = start; i < end; i++) crc = ((crc << 8) & 0xffff) ^ TABLE[((crc >> 8) ^ s.charCodeAt(i)) & 0xff];
  return crc;
}

/**
 * Hash-tag rule (cluster spec): if the key has a `{`, and a `}` somewhere after it,
 * and at least one byte between them, only the bytes between the first `{` and the
 * first `}` after it are hashed. `{}` (empty) means the whole key is hashed.
 */
export function keySlot(key: string | Uint8Array): number {
  if (typeof key === "string") {
    if (!isAscii(key)) return keySlot(Buffer.from(key, "utf8"));
    const open = key.indexOf("{");
    if (open >= 0) {
      const close = key.indexOf("}", open + 1);
      if (close > open + 1) return crc16Ascii(key, open + 1, close) & 0x3fff;
    }
    return crc16Ascii(key, 0, key.length) & 0x3fff;
  }
  const open = key.indexOf(0x7b);
  if (open >= 0) {
    const close = key.indexOf(0x7d, open + 1);
    if (close > open + 1) return crc16(key, open + 1, close) & 0x3fff;
  }
  return crc16(key) & 0x3fff;
}

/** The part of a key that decides its slot (the hash tag, or the whole key). */
export function hashTagOf(key: string): string {
  const open = key.indexOf("{");
  if (open >= 0) {
    const close = key.indexOf("}", open + 1);
    if (close > open + 1) return key.slice(open + 1, close);
  }
  return key;
}

let tagTable: string[] | undefined;

/**
 * A short tag for every slot: `{slotTag(s)}` hashes to slot s. Found by searching
 * base-36 counters once (about 170k CRCs, a few ms) and cached.
 */
export function slotTag(slot: number): string {
  if (!tagTable) {
    const table = new Array<string>(SLOT_COUNT);
    let missing = SLOT_COUNT;
    for (let n = 0; missing > 0; n++) {
      const tag = n.toString(36);
      const s = crc16Ascii(tag, 0, tag.length) & 0x3fff;
      if (table[s] === undefined) {
        table[s] = tag;
        missing--;
      }
    }
    tagTable = table;
  }
  return tagTable[slot];
}

/** A set of slots as a bitmap, cheap to test on the hot path. */
export class SlotSet {
  readonly bits = new Uint8Array(SLOT_COUNT);
  private n = 0;

  constructor(slots: Iterable<number> = []) {
    for (const s of slots) this.add(s);
  }

  add(slot: number): void {
    if (!Number.isInteger(slot) || slot < 0 || slot >= SLOT_COUNT) throw new RangeError(`slot ${slot} is not in 0..16383`);
    if (!this.bits[slot]) {
      this.bits[slot] = 1;
      this.n++;
    }
  }

  has(slot: number): boolean {
    return this.bits[slot] === 1;
  }

  get size(): number {
    return this.n;
  }

  toArray(): number[] {
    const out: number[] = [];
    for (let s = 0; s < SLOT_COUNT; s++) if (this.bits[s]) out.push(s);
    return out;
  }

  complement(): SlotSet {
    const c = new SlotSet();
    for (let s = 0; s < SLOT_COUNT; s++) if (!this.bits[s]) c.add(s);
    return c;
  }
}

/**
 * Parses "0-100,200,300-310" (inclusive ranges) or an array of numbers / [a,b] ranges.
 * `field` names the option in the error message.
 */
export function parseSlots(spec: string | Array<number | [number, number]>, field = "slots"): number[] {
  const out = new SlotSet();
  const addRange = (a: number, b: number, text: string): void => {
    if (!Number.isInteger(a) || !Number.isInteger(b) || a < 0 || b >= SLOT_COUNT || a > b) {
      throw new UsageError(`${field}: "${text}" is not a slot or inclusive range within 0..16383`);
    }
    for (let s = a; s <= b; s++) out.add(s);
  };
  const items = typeof spec === "string" ? spec.split(",").map((x) => x.trim()).filter((x) => x !== "") : spec;
  for (const item of items) {
    if (typeof item === "number") addRange(item, item, String(item));
    else if (Array.isArray(item)) addRange(item[0], item[1], `${item[0]}-${item[1]}`);
    else {
      const m = /^(\d+)(?:\s*-\s*(\d+))?$/.exec(item);
      if (!m) throw new UsageError(`${field}: "${item}" is not a slot or range like 100-200`);
      addRange(Number(m[1]), Number(m[2] ?? m[1]), item);
    }
  }
  return out.toArray();
}

/** Compresses sorted slots into inclusive ranges, e.g. for display. */
export function toRanges(slots: Iterable<number>): Array<[number, number]> {
  const sorted = [...new Set(slots)].sort((a, b) => a - b);
  const out: Array<[number, number]> = [];
  for (const s of sorted) {
    const last = out[out.length - 1];
    if (last && last[1] === s - 1) last[1] = s;
    else out.push([s, s]);
  }
  return out;
}
