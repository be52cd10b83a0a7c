import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { KeySpace, ZipfSampler, decimal, resolveKeySpace } from "./keyspace.ts";
import { Rng } from "./prng.ts";
import { keySlot } from "./slots.ts";

const draw = (spec: Parameters<typeof resolveKeySpace>[0], n: number, seed = 7): string[] => {
  const ks = new KeySpace(resolveKeySpace(spec), new Rng(seed));
  return Array.from({ length: n }, () => ks.next());
};

describe("key spaces", () => {
  it("are reproducible from the seed and differ across seeds", () => {
    expect(draw({ count: 1000, pattern: "zipf" }, 50, 1)).toEqual(draw({ count: 1000, pattern: "zipf" }, 50, 1));
    expect(draw({ count: 1000 }, 50, 1)).not.toEqual(draw({ count: 1000 }, 50, 2));
  });

  it("uniform covers the range evenly", () => {
    const counts = new Map<string, number>();
    for (const k of draw({ count: 10, prefix: "k" }, 20_000)) counts.set(k, (counts.get(k) ?? 0) + 1);
    expect(counts.size).toBe(10);
    for (const c of counts.values()) expect(Math.abs(c - 2000)).toBeLessThan(200);
  });

  it("zipf makes low positions hot (s=1: rank 1 about twice rank 2)", () => {
    const z = new ZipfSampler(1000, 1);
    const rng = new Rng(3);
    const counts = new Array(1001).fill(0);
    for (let i = 0; i < 100_000; i++) counts[z.sample(rng)]++;
    expect(counts[1] / counts[2]).toBeGreaterThan(1.8);
    expect(counts[1] / counts[2]).toBeLessThan(2.2);
    // harmonic: P(1) = 1/H(1000) ≈ 0.1336
    expect(counts[1] / 100_000).toBeGreaterThan(0.125);
    expect(counts[1] / 100_000).toBeLessThan(0.142);
  });

  it("gaussian centres on the mean and stays in range", () => {
    const keys = draw({ count: 1000, prefix: "", pattern: "gaussian", gaussianStddev: 50 }, 20_000).map(Number);
    const mean = keys.reduce((a, b) => a + b, 0) / keys.length;
    expect(Math.abs(mean - 499.5)).toBeLessThan(3);
    expect(Math.min(...keys)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...keys)).toBeLessThan(1000);
    const within = keys.filter((k) => Math.abs(k - 499.5) <= 50).length / keys.length;
    expect(within).toBeGreaterThan(0.64);
    expect(within).toBeLessThan(0.72);
  });

  it("sequential walks the range, interleaved between streams", () => {
    const spec = resolveKeySpace({ count: 6, prefix: "", pattern: "sequential" });
    const a = new KeySpace(spec, new Rng(1), 0, 2);
    const b = new KeySpace(spec, new Rng(1), 1, 2);
    expect(Array.from({ length: 4 }, () => a.next())).toEqual(["0", "2", "4", "0"]);
    expect(Array.from({ length: 3 }, () => b.next())).toEqual(["1", "3", "5"]);
  });

  it("keeps keys inside chosen slots (scan: plain names; tag: tagged names) and groups share a slot", () => {
    const slots = [100, 200, 300, 5000];
    const scan = resolveKeySpace({ count: 50, slots });
    expect(scan.slotKeys).toBe("scan");
    const ks = new KeySpace(scan, new Rng(1));
    const names = [...ks.names()];
    expect(new Set(names).size).toBe(50);
    for (const k of names) {
      expect(k).toMatch(/^key:\d+$/);
      expect(slots).toContain(keySlot(k));
    }
    const tag = resolveKeySpace({ count: 1000, slots: [42], slotKeys: "tag" });
    const tks = new KeySpace(tag, new Rng(1));
    for (const k of tks.names()) expect(keySlot(k)).toBe(42);
    expect(resolveKeySpace({ count: 1_000_000, slots: [1] }).slotKeys).toBe("tag");
    for (const k of [...names.slice(0, 5), "a{b}c"]) {
      for (const g of ks.groupKeys(k, 4)) expect(keySlot(g)).toBe(keySlot(k));
      expect(keySlot(ks.counterKey(k))).toBe(keySlot(k));
    }
  });

  it("rejects bad specs naming the field", () => {
    expect(() => resolveKeySpace({ pattern: "zipfian" as never })).toThrow(/keySpace.pattern: "zipfian"/);
    expect(() => resolveKeySpace({ count: 0 })).toThrow(/keySpace.count/);
    expect(() => resolveKeySpace({ hashTag: "a", slots: [1] })).toThrow(/cannot be combined/);
    expect(() => resolveKeySpace({ min: 5, max: 2 })).toThrow(/keySpace.max/);
  });

  it("name keys as prefix + decimal index (with the hash tag when given), whatever the index", () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), (n) => {
        expect(decimal(n)).toBe(String(n));
      }),
      { numRuns: 2000 },
    );
    for (const n of [0, 9, 10, 999, 1000, 1001, 999_999, 1_000_000, 1_000_007, 2 ** 32, Number.MAX_SAFE_INTEGER]) expect(decimal(n)).toBe(String(n));
    const plain = new KeySpace(resolveKeySpace({ prefix: "p:", min: 998, count: 5000 }), new Rng(1));
    expect([0, 1, 2, 4999].map((p) => plain.nameAt(p))).toEqual(["p:998", "p:999", "p:1000", "p:5997"]);
    const tagged = new KeySpace(resolveKeySpace({ prefix: "p:", hashTag: "t", count: 3 }), new Rng(1));
    expect(tagged.nameAt(2)).toBe("p:{t}2");
  });
});
