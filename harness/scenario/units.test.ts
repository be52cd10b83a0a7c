import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Document, parseDocument } from "yaml";
import { UsageError } from "../errors.ts";
import { formatDuration, parseDuration } from "./duration.ts";
import { applyOverrides, parseOverride } from "./overrides.ts";
import { countSlots, parseSlotRanges, parseSlotSelector } from "./slots.ts";
import { closestName } from "./suggest.ts";

describe("durations", () => {
  it("reads units, compounds and plain milliseconds", () => {
    expect(parseDuration("500ms")).toBe(500);
    expect(parseDuration("5s")).toBe(5000);
    expect(parseDuration("1.5s")).toBe(1500);
    expect(parseDuration("2m")).toBe(120_000);
    expect(parseDuration("1h30m")).toBe(5_400_000);
    expect(parseDuration(250)).toBe(250);
    expect(parseDuration(0.4)).toBe(0);
  });

  it("rejects what is not a duration", () => {
    for (const bad of ["", "5", "5 s", "-5s", "5x", "s", "1e3s", -1, NaN, Infinity, null, {}, "1h 30m"]) {
      expect(parseDuration(bad), String(bad)).toBeUndefined();
    }
  });

  it("formats back to the same number of milliseconds", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 * 3_600_000 }), (ms) => {
        expect(parseDuration(formatDuration(ms))).toBe(ms);
      }),
    );
  });
});

describe("slots", () => {
  it("parses, sorts and merges ranges", () => {
    expect(parseSlotRanges("2000 0-1000, 1001-1500 1400")).toEqual([
      [0, 1500],
      [2000, 2000],
    ]);
    expect(parseSlotRanges(16383)).toEqual([[16383, 16383]]);
    expect(countSlots(parseSlotRanges("0-16383") as [number, number][])).toBe(16384);
  });

  it("explains bad ranges", () => {
    expect(parseSlotRanges("0-16384")).toEqual({ error: "slot 16384 is out of range; slots are 0-16383" });
    expect(parseSlotRanges("5-1")).toEqual({ error: 'range "5-1" runs backwards; write 1-5' });
    expect(parseSlotRanges("1..5")).toEqual({ error: '"1..5" is not a slot or a range (write "0-1000 2000")' });
    expect(parseSlotRanges("  ")).toEqual({ error: 'expected slot ranges like "0-1000 2000"' });
  });

  it("merged ranges cover exactly the slots listed", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 16383 }), fc.integer({ min: 0, max: 200 })), { minLength: 1, maxLength: 20 }), (parts) => {
        const text = parts.map(([a, len]) => `${a}-${Math.min(16383, a + len)}`).join(" ");
        const ranges = parseSlotRanges(text) as [number, number][];
        const want = new Set(parts.flatMap(([a, len]) => Array.from({ length: Math.min(16383, a + len) - a + 1 }, (_, i) => a + i)));
        expect(countSlots(ranges)).toBe(want.size);
        for (let i = 1; i < ranges.length; i++) expect(ranges[i][0]).toBeGreaterThan(ranges[i - 1][1] + 1);
      }),
    );
  });

  it("knows the keywords and suggests one for a typo", () => {
    expect(parseSlotSelector("migrating")).toBe("migrating");
    expect(parseSlotSelector("othr")).toEqual({
      error: 'unknown slot selector "othr"; allowed: all, migrating, other, or ranges like "0-1000 2000" — did you mean "other"?',
    });
  });
});

describe("did you mean", () => {
  it("finds typos and case slips, not unrelated words", () => {
    expect(closestName("atomc", ["legacy", "atomic"])).toBe("atomic");
    expect(closestName("ATOMIC", ["atomic"])).toBe("atomic");
    expect(closestName("workloa", ["workload", "cluster"])).toBe("workload");
    expect(closestName("zzz", ["legacy", "atomic"])).toBeUndefined();
    expect(closestName("a", ["b"])).toBe("b");
    expect(closestName("ab", ["xy"])).toBeUndefined();
  });
});

describe("applyOverrides", () => {
  it("parses values as YAML scalars, keeps other text as strings", () => {
    expect(parseOverride("a.b=5000").value).toBe(5000);
    expect(parseOverride("a=false").value).toBe(false);
    expect(parseOverride("a=2m").value).toBe("2m");
    expect(parseOverride("a=no").value).toBe("no");
    expect(parseOverride("a=[1, 2]").value).toEqual([1, 2]);
    expect(parseOverride("a={x: 1}").value).toEqual({ x: 1 });
    expect(parseOverride("a=echo a: b").value).toBe("echo a: b");
    expect(parseOverride("a=x=y").value).toBe("x=y");
    expect(parseOverride("a=").value).toBeNull();
    expect(() => parseOverride("a=[1, 2")).toThrow(UsageError);
  });

  it("changes plain data without touching the input", () => {
    const input = { workload: { rate: 1 }, phases: [{ name: "a" }] };
    const out = applyOverrides(input, ["workload.rate=2", "phases.0.duration=5s", "migration.strategy=legacy", "workload.rate=3"]);
    expect(out).toEqual({ workload: { rate: 3 }, phases: [{ name: "a", duration: "5s" }], migration: { strategy: "legacy" } });
    expect(input.workload.rate).toBe(1);
  });

  it("appends at the end of a list and removes with an empty value", () => {
    const out = applyOverrides({ gates: ["a"], seed: 1 }, ["gates.1=b", "seed="]);
    expect(out).toEqual({ gates: ["a", "b"] });
  });

  it("edits a YAML document in place, keeping comments", () => {
    const doc = parseDocument("# top\nworkload:\n  rate: 1 # per second\n");
    expect(applyOverrides(doc, ["workload.rate=9"])).toBe(doc);
    expect(doc.toString()).toContain("# top");
    expect(doc.toJS()).toEqual({ workload: { rate: 9 } });
  });

  it("names every bad override at once", () => {
    let message = "";
    try {
      applyOverrides(new Document({ a: 1, l: [1] }), ["a.b=1", "l.x=1", "l.3=1", "ok=1", "=1"]);
    } catch (e) {
      expect(e).toBeInstanceOf(UsageError);
      message = (e as Error).message;
    }
    expect(message.split("\n")).toEqual([
      "4 bad --set overrides:",
      "  --set a.b=1: a is 1, not a mapping or a list, so there is no a.b",
      '  --set l.x=1: l is a list; expected an index 0..0 after it, got "x"',
      "  --set l.3=1: l has 1 entries (0..0); there is no l.3",
      '  --set =1: "" is not a path; write dotted keys like workload.rate or phases.1.timeout',
    ]);
  });
});
