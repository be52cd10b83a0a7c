// RESP2 encoding and an incremental, resumable reply parser. The load engine speaks
// RESP itself (see client.ts for why) so that every byte on the wire is accounted for.

export type Reply = string | number | null | RespError | Reply[];

/** An error reply from the server; `code` is its first word (MOVED, ASK, TRYAGAIN, ERR ...). */
export class RespError extends Error {
  override readonly name = "RespError";
  readonly code: string;
  constructor(message: string) {
    super(message);
    const sp = message.indexOf(" ");
    this.code = sp < 0 ? message : message.slice(0, sp);
  }
}

/** true when every char is 7-bit ASCII (then chars = bytes) */
export function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 127) return false;
  return true;
}

/** A string whose chars are the UTF-8 bytes of `s` (identity for ASCII). */
export function toByteString(s: string): string {
  return isAscii(s) ? s : Buffer.from(s, "utf8").toString("latin1");
}

/**
 * Encodes one command as a RESP array of bulk strings, as a *byte string*: one char
 * per byte, written to sockets with the "latin1" encoding (the cheapest string write).
 * Non-ASCII arguments are UTF-8 encoded first.
 */
export function encodeCommand(args: readonly string[]): string {
  let s = `*${args.length}\r\n`;
  for (const arg of args) {
    const a = toByteString(arg);
    s += `$${a.length}\r\n${a}\r\n`;
  }
  return s;
}

const INCOMPLETE = Symbol("incomplete");
const EMPTY = Buffer.alloc(0);
interface ArrayFrame {
  arr: Reply[];
  idx: number;
}

/**
 * Feed it socket chunks; it calls `onReply` once per complete top-level reply.
 * Resumable: a reply split across chunks is continued, not re-parsed from its
 * start (long arrays stay linear), and a long bulk string waits until all of its
 * bytes have arrived before any copy is made.
 */
export class RespParser {
  private buf: Buffer = Buffer.alloc(0);
  /** bytes of `buf` that hold data (a chunk may be a larger reused buffer) */
  private end = 0;
  private pos = 0;
  private stack: ArrayFrame[] = [];
  private pending: Buffer[] = [];
  private pendingLen = 0;
  /** total bytes (from buf[0]) the incomplete element needs; 0 = unknown */
  private need = 0;

  /** bulk strings of the current top-level reply are skipped, not decoded */
  private skipping = false;
  private decided = false;

  /**
   * `skipValues`, when given, is asked at the start of each top-level reply whether
   * its bulk strings may be skipped (the caller does not need them): they then come
   * back as "" without a decode or an allocation.
   */
  constructor(
    private readonly onReply: (reply: Reply) => void,
    private readonly skipValues?: () => boolean,
    /** chunks are reused by the caller after feed() returns: keep copies of what stays */
    private readonly transient = false,
  ) {}

  reset(): void {
    this.buf = Buffer.alloc(0);
    this.end = 0;
    this.pos = 0;
    this.stack = [];
    this.pending = [];
    this.pendingLen = 0;
    this.need = 0;
    this.decided = false;
  }

  /** parses `chunk[0, length)` (default: all of it) */
  feed(chunk: Buffer, length = chunk.length): void {
    if (this.need > 0 && this.end + this.pendingLen + length < this.need) {
      const part = chunk.subarray(0, length);
      this.pending.push(this.transient ? Buffer.from(part) : part);
      this.pendingLen += length;
      return;
    }
    if (this.pos < this.end || this.pending.length > 0) {
      this.buf = Buffer.concat([this.buf.subarray(this.pos, this.end), ...this.pending, chunk.subarray(0, length)]);
      this.end = this.buf.length;
    } else {
      this.buf = chunk;
      this.end = length;
    }
    this.pos = 0;
    this.pending = [];
    this.pendingLen = 0;
    this.need = 0;
    this.parseAll();
  }

  private parseAll(): void {
    const buf = this.buf;
    const end = this.end;
    while (this.pos < end) {
      const start = this.pos;
      if (!this.decided) {
        this.skipping = this.skipValues !== undefined && this.skipValues();
        this.decided = true; // once per top-level reply, even when it spans chunks
      }
      let value = this.parseElement(buf, end);
      if (value === INCOMPLETE) {
        const rest = buf.subarray(start, end);
        this.buf = this.transient ? Buffer.from(rest) : rest;
        this.end = this.buf.length;
        if (this.need > 0) this.need -= start;
        this.pos = 0;
        return;
      }
      if (value === undefined) continue; // an array header was pushed
      // attach the finished element to the arrays it completes
      while (this.stack.length > 0) {
        const top = this.stack[this.stack.length - 1];
        top.arr[top.idx++] = value as Reply;
        if (top.idx < top.arr.length) {
          value = undefined;
          break;
        }
        this.stack.pop();
        value = top.arr;
      }
      if (value !== undefined) {
        this.decided = false;
        this.onReply(value as Reply);
      }
    }
    this.buf = EMPTY;
    this.end = 0;
    this.pos = 0;
  }

  /** One element: a complete scalar, `undefined` after pushing an array frame, or INCOMPLETE. */
  private parseElement(buf: Buffer, len: number): Reply | undefined | typeof INCOMPLETE {
    const p = this.pos;
    // header lines are short: a plain scan beats a native indexOf call
    let lineEnd = p + 1;
    while (lineEnd < len && buf[lineEnd] !== 13) lineEnd++;
    if (lineEnd + 1 >= len) return INCOMPLETE;
    const type = buf[p];
    switch (type) {
      case 43: // '+'
        this.pos = lineEnd + 2;
        if (lineEnd === p + 3 && buf[p + 1] === 79 && buf[p + 2] === 75) return "OK"; // the common reply, no allocation
        return buf.toString("utf8", p + 1, lineEnd);
      case 45: // '-'
        this.pos = lineEnd + 2;
        return new RespError(buf.toString("utf8", p + 1, lineEnd));
      case 58: // ':'
        this.pos = lineEnd + 2;
        return parseIntAt(buf, p + 1, lineEnd);
      case 36: { // '$'
        const size = parseIntAt(buf, p + 1, lineEnd);
        if (size < 0) {
          this.pos = lineEnd + 2;
          return null;
        }
        const dataStart = lineEnd + 2;
        const dataEnd = dataStart + size;
        if (dataEnd + 2 > len) {
          this.need = dataEnd + 2;
          return INCOMPLETE;
        }
        this.pos = dataEnd + 2;
        return this.skipping ? "" : buf.toString("utf8", dataStart, dataEnd);
      }
      case 42: { // '*'
        const n = parseIntAt(buf, p + 1, lineEnd);
        this.pos = lineEnd + 2;
        if (n < 0) return null;
        if (n === 0) return [];
        this.stack.push({ arr: new Array<Reply>(n), idx: 0 });
        return undefined;
      }
      default:
        throw new Error(`RESP protocol error: unexpected type byte 0x${type.toString(16)}`);
    }
  }
}

function parseIntAt(buf: Buffer, start: number, end: number): number {
  let i = start;
  let neg = false;
  if (buf[i] === 45) {
    neg = true;
    i++;
  }
  let n = 0;
  for (; i < end; i++) n = n * 10 + (buf[i] - 48);
  return neg ? -n : n;
}
