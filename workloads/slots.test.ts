import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { crc16, hashTagOf, keySlot, parseSlots, slotTag, SlotSet, toRanges } from "./slots.ts";

/** a deliberately naive reference: bit-by-bit CRC16/XMODEM over UTF-8 bytes, tag rule spelled out */
function referenceSlot(key: string): number {
  const bytes = [...Buffer.from(key, "utf8")];
  let part = bytes;
  const open = bytes.indexOf(0x7b);
  if (open >= 0) {
    const close = bytes.indexOf(0x7d, open + 1);
    if (close > open + 1) part = bytes.slice(open + 1, close);
  }
  let crc = 0;
  for (const b of part) {
    crc ^= b << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc % 16384;
}

describe("CRC16 / key slots", () => {
  it("matches the CRC16/XMODEM check value and the cluster spec examples", () => {
    expect(crc16(Buffer.from("123456789"))).toBe(0x31c3);
    expect(keySlot("foo")).toBe(12182);
    expect(keySlot("bar")).toBe(5061);
    expect(keySlot("{user1000}.following")).toBe(keySlot("{user1000}.followers"));
    expect(keySlot("foo{}{bar}")).toBe(referenceSlot("foo{}{bar}"));
    expect(keySlot("foo{}{bar}")).not.toBe(keySlot("bar"));
    expect(keySlot("foo{{bar}}zap")).toBe(keySlot("{bar"));
    expect(keySlot("foo{bar}{zap}")).toBe(keySlot("bar"));
  });

  it("agrees with a naive reference on arbitrary keys (ASCII, braces, unicode)", () => {
    const key = fc.oneof(
      fc.string({ maxLength: 30 }),
      fc.string({ unit: fc.constantFrom("a", "b", "{", "}", "x", "1"), maxLength: 12 }),
      fc.string({ unit: "grapheme", maxLength: 10 }),
    );
    fc.assert(fc.property(key, (k) => keySlot(k) === referenceSlot(k) && keySlot(Buffer.from(k, "utf8")) === referenceSlot(k)), { numRuns: 3000 });
  });

  it("hashTagOf returns exactly the part that decides the slot", () => {
    fc.assert(fc.property(fc.string({ unit: fc.constantFrom("a", "{", "}", "z"), maxLength: 10 }), (k) => keySlot(hashTagOf(k)) === keySlot(k)));
    expect(hashTagOf("a{b}c")).toBe("b");
    expect(hashTagOf("a{}c")).toBe("a{}c");
  });

  it("slotTag gives a tag for every slot", () => {
    for (let s = 0; s < 16384; s++) expect(keySlot(`x{${slotTag(s)}}y`)).toBe(s);
  });
});

describe("slot sets", () => {
  it("parses ranges and lists, rejecting bad input with the field name", () => {
    expect(parseSlots("0-3, 10,12-12")).toEqual([0, 1, 2, 3, 10, 12]);
    expect(parseSlots([5, [1, 2]])).toEqual([1, 2, 5]);
    expect(() => parseSlots("5-2", "moves")).toThrow(/moves: "5-2"/);
    expect(() => parseSlots("16384")).toThrow(/0..16383/);
    expect(() => parseSlots("x")).toThrow(/not a slot/);
  });
  it("complements and compresses", () => {
    const s = new SlotSet([0, 1, 2, 100]);
    expect(s.size).toBe(4);
    expect(s.complement().size).toBe(16380);
    expect(toRanges(s.toArray())).toEqual([[0, 2], [100, 100]]);
  });
});
