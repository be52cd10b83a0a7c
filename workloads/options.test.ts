import { describe, expect, it } from "vitest";
import { resolveWorkload, slotsOf } from "./options.ts";

describe("workload options", () => {
  it("fill defaults", () => {
    const w = resolveWorkload({ seeds: ["127.0.0.1:7000"], rate: 100 });
    expect(w).toMatchObject({ executor: "open", rate: 100, connections: 4, pipeline: 1, maxInFlight: 1000, windowMs: 1000, timeoutMs: 5000, lateToleranceMs: 5, seed: 1, affinity: false });
    expect(w.mix.entries.map((e) => e.name)).toEqual(["set", "get"]);
    expect(w.keySpace).toMatchObject({ prefix: "key:", count: 10_000, pattern: "uniform" });
  });

  it("decide closed-loop affinity only for uniform keys", () => {
    expect(resolveWorkload({ seeds: ["h:1"], executor: "closed" }).affinity).toBe(true);
    expect(resolveWorkload({ seeds: ["h:1"], executor: "closed", keyPattern: "zipf" }).affinity).toBe(false);
    expect(resolveWorkload({ seeds: ["h:1"], executor: "closed", affinity: false }).affinity).toBe(false);
  });

  it("resolve slot choices against the migrating slots", () => {
    expect(slotsOf("migrating", [5, 3], "slots")).toEqual([3, 5]);
    expect(slotsOf("other", [0], "slots")?.length).toBe(16383);
    expect(slotsOf("all", [1], "slots")).toBeUndefined();
    expect(() => slotsOf("migrating", [], "slots")).toThrow(/no migration planned/);
    const w = resolveWorkload({ seeds: ["h:1"], rate: 1, slots: "migrating", migratingSlots: [7], keySpace: { count: 3 } });
    expect(w.keySpace.slots).toEqual([7]);
  });

  it("keep history keys apart from load keys", () => {
    const w = resolveWorkload({ seeds: ["h:1"], rate: 1, history: { keys: 4, model: "register" } });
    expect(w.history).toMatchObject({ model: "register", processes: 8, rate: 500 });
    expect(w.history?.keySpace.prefix).toBe("hist:");
    expect(() => resolveWorkload({ seeds: ["h:1"], rate: 1, history: { keys: 4, model: "register", prefix: "key:h" } })).toThrow(/history.prefix/);
    expect(() => resolveWorkload({ seeds: ["h:1"], rate: 1, history: { keys: 4, model: "graph" as never } })).toThrow(/history.model/);
  });

  it("reject bad input naming the field", () => {
    expect(() => resolveWorkload({ seeds: [] })).toThrow(/seeds/);
    expect(() => resolveWorkload({ seeds: ["h:1"] })).toThrow(/workload.rate/);
    expect(() => resolveWorkload({ seeds: ["h:1"], rate: 1, windowMs: 50 })).toThrow(/windowMs: 50/);
    expect(() => resolveWorkload({ seeds: ["h:1"], rate: 1, connections: 0 })).toThrow(/connections: 0/);
    expect(() => resolveWorkload({ seeds: ["h:1"], executor: "half-open" as never })).toThrow(/executor/);
  });
});
