import { describe, expect, it } from "vitest";
import { UsageError } from "../errors.ts";
import { STRATEGIES, getStrategy } from "./registry.ts";

describe("strategy registry", () => {
  it("knows the four strategies by name", () => {
    expect(Object.keys(STRATEGIES)).toEqual(["legacy", "throttled", "atomic", "command"]);
    for (const [name, s] of Object.entries(STRATEGIES)) expect(s.name).toBe(name);
  });

  it("names the field and suggests the closest name for a typo", () => {
    expect(() => getStrategy("atomc")).toThrow(UsageError);
    expect(() => getStrategy("atomc")).toThrow(/migration\.strategy: 'atomc' is not a strategy: allowed are legacy, throttled, atomic, command — did you mean "atomic"\?/);
  });

  it("strategies reject unknown parameters before touching a cluster", async () => {
    const cluster = {} as never;
    await expect(STRATEGIES.legacy.preflight!(cluster, { pipelin: 5 })).rejects.toThrow(/migration\.params\.pipelin: unknown parameter for strategy legacy.*did you mean "pipeline"/);
    await expect(STRATEGIES.legacy.preflight!(cluster, { pipeline: 0 })).rejects.toThrow(/migration\.params\.pipeline: 0 is not allowed: use a whole number ≥ 1/);
    await expect(STRATEGIES.legacy.preflight!(cluster, { pipeline: 20, timeout: 5000, replace: true, timeoutMs: 60_000 })).resolves.toBeUndefined();
    await expect(STRATEGIES.command.preflight!(cluster, { command: "true", timeoutMs: 10 })).resolves.toBeUndefined();
  });
});
