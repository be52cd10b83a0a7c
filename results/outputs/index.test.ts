import { mkdir, mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeRunFixture } from "../fixtures/run-fixture.ts";
import { OutputError, outputs, rerender, writeAllOutputs } from "./index.ts";

let dir: string;
beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), "slotproof-out-")); });
afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

describe("writeAllOutputs", () => {
  it("writes every registered output, records them in result.files, leaves no temp files", async () => {
    const run = join(dir, "all");
    const files = await writeAllOutputs(makeRunFixture(), run);
    expect(Object.keys(files)).toEqual(outputs.map((o) => o.name));
    expect((await readdir(run)).sort()).toEqual(["junit.xml", "report.html", "result.json", "summary.md"]);
    const saved = JSON.parse(await readFile(join(run, "result.json"), "utf8"));
    expect(saved.files).toEqual({ history: "history.ndjson", result: "result.json", report: "report.html", junit: "junit.xml", summary: "summary.md" });
  });

  it("writes the other outputs when one fails, then says which failed", async () => {
    const run = join(dir, "partial");
    await mkdir(join(run, "report.html"), { recursive: true }); // a directory where the file should go
    const err = await writeAllOutputs(makeRunFixture({ durationS: 3 }), run).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OutputError);
    const e = err as OutputError;
    expect(Object.keys(e.failures)).toEqual(["report"]);
    expect(Object.keys(e.files).sort()).toEqual(["junit", "result", "summary"]);
    expect(e.message).toMatch(/could not write report/);
    expect((await readdir(run)).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });
});

describe("rerender", () => {
  it("renders report, junit and summary again from result.json and leaves result.json alone", async () => {
    const run = join(dir, "again");
    await writeAllOutputs(makeRunFixture(), run);
    const before = await readFile(join(run, "result.json"), "utf8");
    const mtime = (await stat(join(run, "result.json"))).mtimeMs;
    await rm(join(run, "report.html"));
    await rm(join(run, "summary.md"));
    const { files, summary } = await rerender(run);
    expect(Object.keys(files).sort()).toEqual(["junit", "report", "result", "summary"]);
    expect(await readFile(join(run, "result.json"), "utf8")).toBe(before);
    expect((await stat(join(run, "result.json"))).mtimeMs).toBe(mtime);
    expect((await readFile(join(run, "report.html"), "utf8")).length).toBeGreaterThan(50_000);
    expect(await readFile(join(run, "summary.md"), "utf8")).toMatch(/^### ❌ slotproof: FAIL/);
    expect(summary[0]).toMatch(/^slotproof: FAIL/);
    expect(summary.at(-1)).toBe(`  report: ${run}/report.html`);
  });
});
