import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { KeySpace, resolveKeySpace } from "./keyspace.ts";
import { OpFactory, parseRatio, resolveMix } from "./mix.ts";
import { Rng } from "./prng.ts";
import { RespParser, encodeCommand, type Reply } from "./resp.ts";
import { keySlot } from "./slots.ts";
import { ValueSource, resolveValueSize } from "./values.ts";

function decode(payload: string): string[] {
  const out: Reply[] = [];
  new RespParser((r) => out.push(r)).feed(Buffer.from(payload, "latin1"));
  return out[0] as string[];
}

function factory(mix: Parameters<typeof resolveMix>[0], seed = 1) {
  const rng = new Rng(seed);
  return new OpFactory(resolveMix(mix), new KeySpace(resolveKeySpace({ count: 100 }), rng), new ValueSource(resolveValueSize(32), 9), rng);
}

describe("op mixes", () => {
  it("follows a SET:GET ratio", () => {
    const f = factory({ ratio: "1:3" });
    let sets = 0;
    for (let i = 0; i < 8000; i++) if (decode(f.next().payload)[0] === "SET") sets++;
    expect(sets / 8000).toBeGreaterThan(0.23);
    expect(sets / 8000).toBeLessThan(0.27);
  });

  it("builds each builtin op as a valid single-slot command with its class", () => {
    for (const op of ["set", "get", "incr", "append", "mset", "mget"] as const) {
      const f = factory({ weights: { [op]: 1 }, multiKeys: 3 });
      const built = f.next();
      const args = decode(built.payload);
      expect(args[0]).toBe(op.toUpperCase());
      const keys = op === "mset" ? [args[1], args[3], args[5]] : op === "mget" ? args.slice(1) : [args[1]];
      for (const k of keys) expect(keySlot(k)).toBe(built.slot);
      expect(built.cls).toBe(op === "get" ? "read" : op.startsWith("m") ? "multi" : "write");
      if (op === "set") expect(args[2]).toHaveLength(32);
    }
  });

  it("fills command templates and infers read/write", () => {
    const f = factory({ commands: [{ command: "HSET __key__ f __data__" }] });
    const b = f.next();
    const args = decode(b.payload);
    expect(args[0]).toBe("HSET");
    expect(args[2]).toBe("f");
    expect(args[3]).toHaveLength(32);
    expect(keySlot(args[1])).toBe(b.slot);
    expect(b.cls).toBe("write");
    expect(factory({ commands: [{ command: "HGETALL __key__" }] }).next().cls).toBe("read");
  });

  it("adds PX when a TTL is asked", () => {
    const args = decode(factory({ weights: { set: 1 }, ttlMs: { min: 1000, max: 2000 } }).next().payload);
    expect(args[3]).toBe("PX");
    expect(Number(args[4])).toBeGreaterThanOrEqual(1000);
    expect(Number(args[4])).toBeLessThanOrEqual(2000);
  });

  it("defaults to 1:10 and rejects nonsense with the field name", () => {
    expect(resolveMix({}).entries.map((e) => [e.name, e.weight])).toEqual([["set", 1], ["get", 10]]);
    expect(() => parseRatio("1-10")).toThrow(/mix.ratio: "1-10"/);
    expect(() => resolveMix({ weights: { sett: 1 } as never })).toThrow(/mix.weights.sett/);
    expect(() => resolveMix({ commands: [{ command: "PING" }] })).toThrow(/no __key__/);
    expect(() => resolveMix({ weights: { set: 0 } })).toThrow(/every weight is 0/);
  });

  it("GET and SET payloads (key spaces of any size) are exactly the generic encoding, ASCII or not", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("key:", "ключ:", "k{t}"),
        fc.constantFrom(50, 1_200_000), // key spaces with and without the slot cache
        fc.constantFrom<string | number | { min: number; max: number }>(7, "3-40"),
        fc.array(fc.nat(), { minLength: 1, maxLength: 20 }),
        (prefix, count, valueSize, draws) => {
          const rng = new Rng(3);
          const keys = new KeySpace(resolveKeySpace({ prefix, count }), rng);
          const f = new OpFactory(resolveMix({ ratio: "1:1" }), keys, new ValueSource(resolveValueSize(valueSize), 9), rng);
          for (const d of [...draws, ...draws]) {
            const position = d % count;
            const key = keys.nameAt(position);
            const op = f.at(position);
            const args = decode(op.payload);
            expect(op.key).toBe(key);
            expect(op.slot).toBe(keySlot(key));
            if (args[0] === "GET") expect(op.payload).toBe(encodeCommand(["GET", key]));
            else {
              expect(op.payload).toBe(encodeCommand(["SET", key, args[2]]));
              if (typeof valueSize === "number") expect(args[2]).toHaveLength(valueSize);
            }
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
