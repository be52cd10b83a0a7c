import { describe, expect, it } from "vitest";
import { errorstatsDelta, parseErrorstats, snapshotErrorstats } from "./errorstats.ts";

describe("errorstats", () => {
  it("parses INFO errorstats", () => {
    const text = "# Errorstats\r\nerrorstat_ASK:count=12\r\nerrorstat_ERR:count=1\r\nerrorstat_MOVED:count=3\r\n";
    expect(parseErrorstats(text)).toEqual({ ASK: 12, ERR: 1, MOVED: 3 });
  });

  it("sums deltas over nodes, counting joined nodes from zero", () => {
    const before = { a: { MOVED: 3, ASK: 1 }, b: { MOVED: 10 } };
    const after = { a: { MOVED: 5, ASK: 1 }, b: { MOVED: 10, TRYAGAIN: 2 }, c: { ASK: 4 } };
    expect(errorstatsDelta(before, after)).toEqual({ MOVED: 2, TRYAGAIN: 2, ASK: 4 });
  });

  it("leaves out a node that does not answer in time instead of hanging", async () => {
    const snap = await snapshotErrorstats(
      [
        { name: "ok", info: async () => "errorstat_MOVED:count=1" },
        { name: "paused", info: () => new Promise<string>(() => {}) },
        { name: "dead", info: async () => Promise.reject(new Error("ECONNREFUSED")) },
      ],
      50,
    );
    expect(snap).toEqual({ ok: { MOVED: 1 } });
  });
});
