import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RespError, RespParser, encodeCommand, type Reply } from "./resp.ts";

function serialize(r: Reply): string {
  if (r === null) return "$-1\r\n";
  if (typeof r === "number") return `:${r}\r\n`;
  if (r instanceof RespError) return `-${r.message}\r\n`;
  if (Array.isArray(r)) return `*${r.length}\r\n${r.map(serialize).join("")}`;
  return `$${Buffer.byteLength(r)}\r\n${r}\r\n`;
}

const reply: fc.Arbitrary<Reply> = fc.letrec((tie) => ({
  r: fc.oneof(
    { depthSize: "small" },
    fc.string({ maxLength: 40 }),
    fc.string({ unit: "grapheme", maxLength: 8 }),
    fc.integer({ min: -1e12, max: 1e12 }),
    fc.constant(null),
    fc.constantFrom("MOVED 12 127.0.0.1:7001", "ERR wrong", "TRYAGAIN x").map((m) => new RespError(m)),
    fc.array(tie("r"), { maxLength: 5 }),
  ),
})).r as fc.Arbitrary<Reply>;

function plain(r: Reply): unknown {
  if (r instanceof RespError) return { error: r.message, code: r.code };
  if (Array.isArray(r)) return r.map(plain);
  return r;
}

describe("RESP parser", () => {
  it("parses any reply sequence split at arbitrary points", () => {
    fc.assert(
      fc.property(fc.array(reply, { minLength: 1, maxLength: 8 }), fc.array(fc.integer({ min: 1, max: 50 }), { maxLength: 30 }), (replies, cuts) => {
        const bytes = Buffer.from(replies.map(serialize).join(""), "utf8");
        const got: Reply[] = [];
        const p = new RespParser((r) => got.push(r));
        let pos = 0;
        for (const c of cuts) {
          if (pos >= bytes.length) break;
          p.feed(bytes.subarray(pos, pos + c));
          pos += c;
        }
        if (pos < bytes.length) p.feed(bytes.subarray(pos));
        expect(got.map(plain)).toEqual(replies.map(plain));
      }),
      { numRuns: 1000 },
    );
  });

  it("copies what it keeps when chunks come from a reused buffer (transient mode, as the client feeds it)", () => {
    fc.assert(
      fc.property(fc.array(reply, { minLength: 1, maxLength: 8 }), fc.integer({ min: 1, max: 40 }), (replies, size) => {
        const bytes = Buffer.from(replies.map(serialize).join(""), "utf8");
        const got: Reply[] = [];
        const p = new RespParser((r) => got.push(r), undefined, true);
        const scratch = Buffer.alloc(size + 7);
        for (let pos = 0; pos < bytes.length; pos += size) {
          const n = bytes.copy(scratch, 0, pos, pos + size);
          p.feed(scratch, n); // the valid bytes of a larger reused buffer
          scratch.fill(0x3f); // the socket layer reuses the buffer
        }
        expect(got.map(plain)).toEqual(replies.map(plain));
      }),
      { numRuns: 500 },
    );
  });

  it("keeps a long bulk string waiting without re-parsing, then delivers it whole", () => {
    const big = "x".repeat(1_000_000);
    const got: Reply[] = [];
    const p = new RespParser((r) => got.push(r));
    const bytes = Buffer.from(`$${big.length}\r\n${big}\r\n+OK\r\n`);
    for (let i = 0; i < bytes.length; i += 65536) p.feed(bytes.subarray(i, i + 65536));
    expect(got).toEqual([big, "OK"]);
  });

  it("error codes are the first word", () => {
    expect(new RespError("MOVED 3999 127.0.0.1:6381").code).toBe("MOVED");
    expect(new RespError("CLUSTERDOWN").code).toBe("CLUSTERDOWN");
  });

  it("encodes commands as byte strings (UTF-8 arguments counted in bytes)", () => {
    expect(encodeCommand(["SET", "k", "v"])).toBe("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n");
    const enc = encodeCommand(["SET", "é", "😀"]);
    expect(Buffer.from(enc, "latin1").toString("utf8")).toBe("*3\r\n$3\r\nSET\r\n$2\r\né\r\n$4\r\n😀\r\n");
  });

  it("rejects an unknown type byte", () => {
    const p = new RespParser(() => {});
    expect(() => p.feed(Buffer.from("?x\r\n"))).toThrow(/protocol error/);
  });
});

describe("RESP parser, skipping values", () => {
  it("returns bulk strings as empty when asked per top-level reply, and everything else intact", () => {
    const bytes = Buffer.from("$5\r\nhello\r\n*2\r\n$1\r\na\r\n:7\r\n$3\r\nabc\r\n-ERR x\r\n");
    const skip = [true, true, false, true];
    let i = 0;
    const got: Reply[] = [];
    const p = new RespParser((r) => got.push(r), () => skip[i++]);
    for (let k = 0; k < bytes.length; k += 3) p.feed(bytes.subarray(k, k + 3));
    expect(got.slice(0, 3)).toEqual(["", ["", 7], "abc"]);
    expect((got[3] as RespError).code).toBe("ERR");
  });
});
