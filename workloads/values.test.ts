import { describe, expect, it } from "vitest";
import { Rng } from "./prng.ts";
import { ValueSource, resolveValueSize } from "./values.ts";

describe("values", () => {
  it("parses fixed, range and weighted-list sizes", () => {
    expect(resolveValueSize("100")).toEqual({ kind: "fixed", size: 100 });
    expect(resolveValueSize("32-512")).toEqual({ kind: "range", min: 32, max: 512 });
    expect(resolveValueSize("32:1,64:3")).toEqual({ kind: "list", sizes: [32, 64], weights: [1, 3] });
    expect(() => resolveValueSize("0")).toThrow(/valueSize: 0/);
    expect(() => resolveValueSize("big")).toThrow(/valueSize: "big"/);
  });

  it("draws sizes by spec", () => {
    const src = new ValueSource(resolveValueSize("10:1,20:3"), 1);
    const rng = new Rng(1);
    let long = 0;
    for (let i = 0; i < 4000; i++) {
      const v = src.next(rng);
      expect([10, 20]).toContain(v.length);
      if (v.length === 20) long++;
    }
    expect(long / 4000).toBeGreaterThan(0.72);
    expect(long / 4000).toBeLessThan(0.78);
  });

  it("preload values are a pure function of (seed, spec, key)", () => {
    const a = new ValueSource(resolveValueSize("16-64"), 42);
    const b = new ValueSource(resolveValueSize("16-64"), 42);
    const c = new ValueSource(resolveValueSize("16-64"), 43);
    for (const k of ["key:1", "key:2", "hist:x"]) {
      expect(a.forKey(k)).toBe(b.forKey(k));
      expect(a.forKey(k).length).toBeGreaterThanOrEqual(16);
      expect(a.forKey(k).length).toBeLessThanOrEqual(64);
    }
    expect(a.forKey("key:1")).not.toBe(c.forKey("key:1"));
    expect(a.forKey("key:1")).not.toBe(a.forKey("key:2"));
  });
});
