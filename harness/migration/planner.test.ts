import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { UsageError } from "../errors.ts";
import { compareNodeNames, evenSplitTopology, formatPlan, planMigration, type PlanNode } from "./planner.ts";
import { SLOT_COUNT, countSlots, expandRanges } from "./ranges.ts";
import type { MigrationPlan } from "./types.ts";

/** Applies the plan's moves in order; throws when a move takes a slot its source does not own. */
function apply(nodes: PlanNode[], plan: MigrationPlan): Map<string, number[]> {
  const owner = new Array<string | undefined>(SLOT_COUNT).fill(undefined);
  for (const n of nodes) for (const s of expandRanges(n.slots)) {
    if (owner[s] !== undefined) throw new Error(`slot ${s} owned twice before the plan`);
    owner[s] = n.name;
  }
  for (const m of plan.moves)
    for (const s of expandRanges(m.slots)) {
      if (owner[s] !== m.source.name) throw new Error(`move ${m.source.name}→${m.target.name} takes slot ${s} owned by ${owner[s]}`);
      owner[s] = m.target.name;
    }
  const held = new Map<string, number[]>();
  owner.forEach((o, s) => {
    if (o === undefined) throw new Error(`slot ${s} unowned after the plan`);
    if (!held.has(o)) held.set(o, []);
    held.get(o)!.push(s);
  });
  return held;
}

/** A random partition of all slots over `n` primaries, in runs (so nodes hold several ranges). */
const topologyArb = fc
  .record({ n: fc.integer({ min: 1, max: 8 }), cuts: fc.array(fc.integer({ min: 1, max: SLOT_COUNT - 1 }), { minLength: 0, maxLength: 30 }), seed: fc.integer() })
  .map(({ n, cuts, seed }) => {
    const bounds = [0, ...new Set(cuts)].sort((a, b) => a - b);
    const nodes: PlanNode[] = Array.from({ length: n }, (_, i) => ({ id: `${i}`.padStart(40, "a"), name: `primary:${i}`, host: "127.0.0.1", port: 7000 + i, slots: [] }));
    bounds.forEach((start, i) => {
      const end = (bounds[i + 1] ?? SLOT_COUNT) - 1;
      nodes[Math.abs(seed + i * 7919) % n].slots.push([start, end]);
    });
    return nodes;
  });

function shares(held: Map<string, number[]>, names: string[]): number[] {
  return names.map((n) => held.get(n)?.length ?? 0);
}

describe("planMigration", () => {
  it("scale-out 3→4 moves a contiguous share from each primary to new:0", () => {
    const plan = planMigration({ scaleOut: 1 }, evenSplitTopology(3));
    expect(plan.addedPrimaries).toEqual(["new:0"]);
    expect(plan.moves.map((m) => [m.source.name, m.target.name, m.slots])).toEqual([
      ["primary:2", "new:0", [[10922, 12287]]],
      ["primary:0", "new:0", [[0, 1364]]],
      ["primary:1", "new:0", [[5461, 6825]]],
    ]);
    expect(plan.totalSlots).toBe(4096);
    expect(plan.slotsAfter).toEqual({ "primary:0": 4096, "primary:1": 4096, "primary:2": 4096, "new:0": 4096 });
    expect(JSON.parse(JSON.stringify(plan))).toEqual(plan);
  });

  it("scale-in 4→3 empties the last primary by name, spread evenly", () => {
    const plan = planMigration({ scaleIn: 1 }, evenSplitTopology(4));
    expect(plan.removedPrimaries).toEqual(["primary:3"]);
    expect(plan.moves.every((m) => m.source.name === "primary:3")).toBe(true);
    expect(plan.moves.map((m) => countSlots(m.slots)).sort()).toEqual([1365, 1365, 1366]);
    const held = apply(evenSplitTopology(4), plan);
    expect(held.has("primary:3")).toBe(false);
  });

  it("scale-in orders names numerically and puts new:N last", () => {
    const nodes = evenSplitTopology(11).map((n, i) => (i === 10 ? { ...n, name: "new:0" } : n));
    const plan = planMigration({ scaleIn: 2 }, nodes);
    expect(plan.removedPrimaries).toEqual(["primary:9", "new:0"]);
    expect(["primary:10", "primary:2", "new:1", "new:0", "x"].sort(compareNodeNames)).toEqual(["primary:2", "primary:10", "new:0", "new:1", "x"]);
  });

  it("explicit moves resolve names, id prefixes and new nodes", () => {
    const nodes = evenSplitTopology(3).map((n, i) => ({ ...n, id: `${"abcdef"[i]}`.repeat(40), port: 7000 + i }));
    const plan = planMigration({ moves: [{ slots: "0-10 20", from: "primary:0", to: "bbbb" }, { slots: "11", from: "aaaa", to: "new:0" }] }, nodes);
    expect(plan.moves[0].target.name).toBe("primary:1");
    expect(plan.moves[0].slots).toEqual([[0, 10], [20, 20]]);
    expect(plan.moves[1].target.name).toBe("new:0");
    expect(plan.addedPrimaries).toEqual(["new:0"]);
    expect(plan.totalSlots).toBe(13);
    expect(formatPlan(plan)).toMatch(/primary:0 \(127\.0\.0\.1:7000\) → primary:1 \(127\.0\.0\.1:7001\)\s+12 slots  0-10 20/);
  });

  it("bad input is a UsageError naming the field and the value", () => {
    const nodes = evenSplitTopology(3);
    const bad = (spec: Parameters<typeof planMigration>[0], re: RegExp) => {
      let err: unknown;
      try {
        planMigration(spec, nodes);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(UsageError);
      expect((err as Error).message).toMatch(re);
    };
    bad({ moves: [{ slots: "0-99999", from: "primary:0", to: "primary:1" }] }, /moves\[0\]\.slots: "0-99999".*out of range/);
    bad({ moves: [{ slots: "abc", from: "primary:0", to: "primary:1" }] }, /moves\[0\]\.slots: "abc"/);
    bad({ moves: [{ slots: "0", from: "primary:7", to: "primary:1" }] }, /moves\[0\]\.from: 'primary:7' is not a known primary/);
    bad({ moves: [{ slots: "6000", from: "primary:0", to: "primary:1" }] }, /moves\[0\]\.slots: slots 6000 are not owned by primary:0 \(owned by primary:1\)/);
    bad({ moves: [{ slots: "0", from: "primary:0", to: "primary:0" }] }, /moves\[0\]\.to: 'primary:0' is the same node/);
    bad({ scaleIn: 3 }, /scaleIn: 3 is not allowed/);
    bad({ scaleOut: 1, scaleIn: 1 }, /exactly one of/);
    bad({ scaleOut: 0 }, /scaleOut: 0 is not allowed/);
  });

  it("property: scale-out/in leave every slot owned exactly once with shares even within 1, in few moves", () => {
    fc.assert(
      fc.property(topologyArb, fc.integer({ min: 1, max: 4 }), fc.boolean(), (nodes, k, out) => {
        if (!out && k >= nodes.length) return;
        const plan = planMigration(out ? { scaleOut: k } : { scaleIn: k }, nodes);
        const all = out ? [...nodes, ...plan.addedPrimaries.map((name) => ({ id: "", name, host: "", port: 0, slots: [] }))] : nodes;
        const held = apply(all, plan);
        const kept = all.map((n) => n.name).filter((n) => !plan.removedPrimaries.includes(n));
        const counts = shares(held, kept);
        expect(counts.reduce((a, b) => a + b, 0)).toBe(SLOT_COUNT);
        expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
        for (const r of plan.removedPrimaries) expect(held.has(r)).toBe(false);
        for (const [name, c] of Object.entries(plan.slotsAfter!)) expect(held.get(name)?.length ?? 0).toBe(c);
        // greedy pairing settles one node per move
        const unbalanced = Object.keys(plan.slotsAfter!).filter((n) => (held.get(n)?.length ?? 0) !== countSlots(all.find((x) => x.name === n)!.slots)).length;
        expect(plan.moves.length).toBeLessThanOrEqual(Math.max(0, unbalanced - 1));
        expect(plan.totalSlots).toBe(plan.moves.reduce((s, m) => s + countSlots(m.slots), 0));
      }),
      { numRuns: 300 },
    );
  });

  it("property: from an even split, scale-out moves exactly the slots the new nodes need", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10 }), fc.integer({ min: 1, max: 5 }), (n, k) => {
        const plan = planMigration({ scaleOut: k }, evenSplitTopology(n));
        const perNew = Math.floor(SLOT_COUNT / (n + k));
        expect(plan.totalSlots).toBeGreaterThanOrEqual(perNew * k);
        expect(plan.totalSlots).toBeLessThanOrEqual((perNew + 1) * k);
        // every move is one contiguous run when the donor held one range
        for (const m of plan.moves) expect(m.slots.length).toBe(1);
      }),
    );
  });
});
