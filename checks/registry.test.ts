import { afterEach, describe, expect, it } from "vitest";
import { UsageError } from "../harness/errors.ts";
import { CHECKERS, checkerNames, runCheckers } from "./registry.ts";

const input = { history: [], model: "register" as const };

afterEach(() => {
  delete CHECKERS.boom;
  delete CHECKERS.slow;
  delete CHECKERS.echo;
});

describe("runCheckers", () => {
  it("knows the four checkers by name", () => {
    expect(checkerNames()).toEqual(["linearizable", "completeness", "topology", "latency"]);
  });

  it("a checker that throws is unknown with its message; the others still run", async () => {
    CHECKERS.boom = { name: "boom", check: async () => { throw new Error("disk on fire"); } };
    CHECKERS.echo = { name: "echo", check: async (i) => ({ valid: true, summary: JSON.stringify(i.params) }) };
    const r = await runCheckers({ boom: {}, echo: { x: 1 } }, input);
    expect(r.boom).toMatchObject({ valid: "unknown", summary: "checker boom failed: disk on fire" });
    expect(r.echo).toMatchObject({ valid: true, summary: '{"x":1}' });
  });

  it("a checker that does not finish in time is unknown, and sees its signal aborted", async () => {
    let aborted = false;
    CHECKERS.slow = {
      name: "slow",
      check: (i) => new Promise((resolve) => {
        i.signal?.addEventListener("abort", () => { aborted = true; resolve({ valid: true, summary: "late" }); });
      }),
    };
    const r = await runCheckers(["slow"], input, { timeoutMs: 50 });
    expect(r.slow).toMatchObject({ valid: "unknown", summary: "checker slow failed: timed out after 50 ms" });
    expect(aborted).toBe(true);
  });

  it("a bad parameter becomes unknown naming it", async () => {
    const r = await runCheckers({ latency: { fator: 2 } }, input);
    expect(r.latency.valid).toBe("unknown");
    expect(r.latency.summary).toMatch(/checker latency failed: latency param "fator" is unknown/);
  });

  it("an unknown checker name is a usage error before anything runs", async () => {
    await expect(runCheckers(["linearizible"], input)).rejects.toThrow(UsageError);
    await expect(runCheckers(["linearizible"], input)).rejects.toThrow(/did you mean "linearizable"/);
  });

  it("a cancelled run is not a checker failure: the abort propagates", async () => {
    const ac = new AbortController();
    CHECKERS.slow = { name: "slow", check: () => new Promise((_, reject) => setTimeout(() => reject(new Error("aborted")), 20)) };
    ac.abort(new Error("ctrl-c"));
    await expect(runCheckers(["slow"], { ...input, signal: ac.signal })).rejects.toThrow("ctrl-c");
  });
});
