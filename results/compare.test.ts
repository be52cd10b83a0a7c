import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UsageError } from "../harness/errors.ts";
import { compareModel, compareRuns } from "./compare.ts";
import { makeErrorFixture, makeHostileFixture, makeRunFixture } from "./fixtures/run-fixture.ts";
import { writeAllOutputs } from "./outputs/index.ts";

let dir: string;
beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), "slotproof-cmp-")); });
afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

describe("compareModel", () => {
  it("aligns each run at its migration start and keeps its figures", () => {
    const a = makeRunFixture();
    const b = makeRunFixture({ durationS: 120, outcome: "pass" });
    const m = compareModel([{ dir: "runs/a", result: a }, { dir: "other/a", result: b }]);
    expect(m.runs.map((r) => r.label)).toEqual(["a", "a (2)"]);
    for (const [i, r] of [a, b].entries()) {
      const run = m.runs[i];
      expect(run.alignedAt).toBe("migration");
      expect(run.alignMs).toBe(r.migration.startedAtMs);
      // the window whose midpoint is just after the migration start sits just after 0
      const first = run.t.findIndex((t) => t >= 0);
      expect(run.t[first]).toBeLessThanOrEqual(r.windows[0].durationMs / 1000);
      expect(run.migrationEndS).toBeCloseTo((r.migration.finishedAtMs! - r.migration.startedAtMs!) / 1000, 6);
    }
    expect(m.runs[0].worstP99Ratio).toBe(1053);
    expect(m.runs[0].checks.filter((c) => c.valid === false).map((c) => c.name)).toEqual(["linearizable", "completeness", "latency"]);
  });

  it("aligns at run start when there was no migration", () => {
    const m = compareModel([{ dir: "x", result: makeErrorFixture() }]);
    expect(m.runs[0].alignedAt).toBe("run");
    expect(m.runs[0].t).toEqual([]);
  });
});

describe("compareRuns", () => {
  it("writes one self-contained page from run directories, hostile names kept as data", async () => {
    const dirs = [join(dir, "atomic"), join(dir, "hostile")];
    await writeAllOutputs(makeRunFixture(), dirs[0]);
    await writeAllOutputs(makeHostileFixture(), dirs[1]);
    const out = await compareRuns(dirs, join(dir, "compare.html"));
    const html = await readFile(out, "utf8");
    expect((html.match(/<script/g) ?? []).length).toBe(4);
    const data = /<script type="application\/json" id="slotproof-compare">([\s\S]*?)<\/script>/.exec(html)![1];
    expect(data).not.toMatch(/[<>&]/);
    expect(JSON.parse(data).runs.map((r: { label: string }) => r.label)).toEqual(["atomic", "hostile"]);
  });

  it("refuses an empty list and a directory that is not a run", async () => {
    await expect(compareRuns([], join(dir, "x.html"))).rejects.toThrow(UsageError);
    await expect(compareRuns([join(dir, "missing")], join(dir, "x.html"))).rejects.toThrow(/not a run directory/);
  });
});
