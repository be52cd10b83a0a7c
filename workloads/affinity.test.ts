import { describe, expect, it } from "vitest";
import { homesOf, spread } from "./affinity.ts";
import { KeySpace, resolveKeySpace } from "./keyspace.ts";
import { Rng } from "./prng.ts";

const owner = (slot: number) => (slot < 5461 ? "a:1" : slot < 10922 ? "b:2" : "c:3");

describe("closed-loop node affinity", () => {
  it("groups key positions by owning primary, covering every key once", () => {
    const ks = new KeySpace(resolveKeySpace({ count: 3000 }), new Rng(1));
    const homes = homesOf(ks, owner);
    expect(homes.map((h) => h.node)).toEqual(["a:1", "b:2", "c:3"]);
    expect(homes.reduce((a, h) => a + h.positions.length, 0)).toBe(3000);
    for (const h of homes) for (const p of h.positions.slice(0, 50)) expect(owner(ks.slotAt(p))).toBe(h.node);
  });

  it("spreads connections in proportion to keys, at least one each, and gives up when too few", () => {
    const fake = (...sizes: number[]) => sizes.map((n, i) => ({ node: `n${i}`, positions: new Uint32Array(n) }));
    expect(spread(fake(100, 100, 100), 50)).toEqual([17, 17, 16]);
    expect(spread(fake(1000, 10, 10), 10)).toEqual([8, 1, 1]);
    expect(spread(fake(1, 1, 1), 5)).toBeUndefined();
    for (const c of [6, 7, 50, 51, 100]) expect(spread(fake(3, 5, 900), c)!.reduce((a, b) => a + b, 0)).toBe(c);
  });
});
