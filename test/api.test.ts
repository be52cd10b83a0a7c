// The programmatic API a team calls from its own test suite: `import { run } from "slotproof"`.
import { existsSync, mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";

describe("import { run } from 'slotproof'", () => {
  it("runs a five-line scenario (no migration) and returns the record, its directory and exit code", async () => {
    const { run } = await import("slotproof");
    const out = path.join(mkdtempSync(path.join(os.tmpdir(), "slotproof-api-")), "run");
    const text = [
      "cluster: { primaries: 3, replicas: 0 }",
      "dataset: { keys: 200 }",
      "workload: { rate: 200, workers: 1, history: { keys: 5, model: kv-append } }",
      "phases: [ { name: baseline, duration: 1s }, { name: steady, duration: 1s } ]",
      "gates: [ lost == 0 ]",
    ].join("\n");
    const outcome = await run({ text, fileName: "five-lines.yaml" }, { outDir: out });
    expect(outcome.result.verdict, outcome.result.reason).toBe("pass");
    expect(outcome.exitCode).toBe(0);
    expect(outcome.dir).toBe(out);
    expect(outcome.result.migration.outcome).toBe("not-run");
    expect(outcome.result.phases.map((p: { name: string }) => p.name)).toEqual(["baseline", "steady"]);
    expect(outcome.result.checks.linearizable.valid).toBe(true);
    expect(existsSync(path.join(out, "report.html"))).toBe(true);
  });

  it("throws a UsageError for an invalid scenario instead of running it", async () => {
    const { run } = await import("slotproof");
    await expect(run({ text: "cluster: { primaries: -1 }", fileName: "bad.yaml" })).rejects.toThrow(/cluster\.primaries/);
  });
});
