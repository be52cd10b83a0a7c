import { Ajv2020 } from "ajv/dist/2020.js";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UsageError } from "../../harness/errors.ts";
import { makeErrorFixture, makeHostileFixture, makeLargeFixture, makeRunFixture } from "../fixtures/run-fixture.ts";
import type { RunResult } from "../model.ts";
import { writeFileAtomic } from "./atomic.ts";
import { writeAllOutputs } from "./index.ts";
import { readRunDir, RESULT_SCHEMA_PATH, serialiseResult, writeResultJson } from "./json.ts";

let dir: string;
beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), "slotproof-json-")); });
afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

async function validator() {
  const schema = JSON.parse(await readFile(RESULT_SCHEMA_PATH, "utf8"));
  const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
  return ajv.compile(schema);
}
/** what a reader of result.json sees: the record after a JSON round trip */
const asSaved = (r: RunResult): unknown => JSON.parse(serialiseResult(r));

describe("result.schema.json", () => {
  it("accepts every fixture as saved", async () => {
    const validate = await validator();
    for (const [name, r] of Object.entries({ normal: makeRunFixture(), pass: makeRunFixture({ outcome: "pass" }), hostile: makeHostileFixture(), error: makeErrorFixture() })) {
      const ok = validate(asSaved(r));
      expect(validate.errors ?? [], name).toEqual([]);
      expect(ok, name).toBe(true);
    }
  });

  it("accepts a long run of 100 ms windows (10 minutes, no histograms)", async () => {
    const validate = await validator();
    expect(validate(asSaved(makeLargeFixture({ durationS: 600 })))).toBe(true);
  });

  it("accepts the result.json that writeAllOutputs writes and readRunDir reads back", async () => {
    const validate = await validator();
    const run = join(dir, "roundtrip");
    await writeAllOutputs(makeRunFixture(), run);
    const { result } = await readRunDir(run);
    expect(validate(result), JSON.stringify(validate.errors)).toBe(true);
    expect(result.files).toMatchObject({ result: "result.json", report: "report.html", junit: "junit.xml", summary: "summary.md" });
  });

  const breakages: Array<[string, (r: Record<string, any>) => void]> = [
    ["unknown verdict", (r) => { r.verdict = "maybe"; }],
    ["missing checks", (r) => { delete r.checks; }],
    ["check without summary", (r) => { delete Object.values(r.checks as Record<string, any>)[0].summary; }],
    ["check validity as string", (r) => { Object.values(r.checks as Record<string, any>)[0].valid = "false"; }],
    ["latency as string", (r) => { r.windows[3].latency.p99 = "950"; }],
    ["negative op count", (r) => { r.windows[0].ops = -1; }],
    ["window without redirects", (r) => { delete r.windows[1].redirects; }],
    ["unknown error class", (r) => { r.windows[1].errors.EXPLODED = 1; }],
    ["gate passed as yes", (r) => { r.gates[0].passed = "yes"; }],
    ["migration outcome invented", (r) => { r.migration.outcome = "mostly"; }],
    ["wrong schemaVersion", (r) => { r.schemaVersion = 2; }],
    ["startedAt not ISO", (r) => { r.startedAt = "yesterday"; }],
    ["slot out of range", (r) => { r.migratingSlots.push(16384); }],
    ["event kind invented", (r) => { r.migrationEvents[0].kind = "teleported"; }],
    ["environment without cpus", (r) => { delete r.environment.cpus; }],
  ];
  for (const [name, breakIt] of breakages) {
    it(`rejects a record with ${name}`, async () => {
      const validate = await validator();
      const r = asSaved(makeRunFixture({ durationS: 10 })) as Record<string, any>;
      expect(validate(r)).toBe(true);
      breakIt(r);
      expect(validate(r)).toBe(false);
    });
  }
});

describe("serialiseResult", () => {
  it("round-trips a record and keeps non-JSON numbers serialisable", () => {
    const r = makeRunFixture({ durationS: 5 });
    (r.checks.linearizable as Record<string, unknown>).weird = { inf: Infinity, nan: NaN, big: 12n, huge: 2n ** 70n };
    const back = JSON.parse(serialiseResult(r));
    expect(back.checks.linearizable.weird).toEqual({ inf: null, nan: null, big: 12, huge: (2n ** 70n).toString() });
    expect(back.windows).toEqual(JSON.parse(JSON.stringify(r.windows)));
  });

  it("puts one window per line", () => {
    const text = serialiseResult(makeRunFixture({ durationS: 5 }));
    const windowLines = text.split("\n").filter((l) => l.startsWith('    {"startMs":'));
    expect(windowLines).toHaveLength(5);
  });
});

describe("writeFileAtomic", () => {
  it("writes the file and leaves no temp file behind", async () => {
    const d = join(dir, "atomic");
    await mkdir(d, { recursive: true });
    await writeResultJson(makeRunFixture({ durationS: 3 }), d);
    expect(await readdir(d)).toEqual(["result.json"]);
    expect(JSON.parse(await readFile(join(d, "result.json"), "utf8")).schemaVersion).toBe(1);
  });

  it("keeps the old file and removes the temp file when the write fails", async () => {
    const d = join(dir, "atomic-fail");
    await mkdir(d, { recursive: true });
    const file = join(d, "x.txt");
    await writeFileAtomic(file, "old");
    const bad = { [Symbol.iterator]: undefined } as unknown as string; // not writable data
    await expect(writeFileAtomic(file, bad)).rejects.toThrow();
    expect(await readFile(file, "utf8")).toBe("old");
    expect(await readdir(d)).toEqual(["x.txt"]);
  });

  it("replaces an existing file in one step", async () => {
    const d = join(dir, "atomic-replace");
    await mkdir(d, { recursive: true });
    const file = join(d, "y.txt");
    await writeFileAtomic(file, "one");
    await writeFileAtomic(file, "two");
    expect(await readFile(file, "utf8")).toBe("two");
    expect(await readdir(d)).toEqual(["y.txt"]);
  });
});

describe("readRunDir", () => {
  it("says clearly when a directory is not a run directory", async () => {
    await expect(readRunDir(join(dir, "nope"))).rejects.toThrow(UsageError);
    await expect(readRunDir(join(dir, "nope"))).rejects.toThrow(/result\.json does not exist/);
  });

  it("rejects a result.json of another schema version", async () => {
    const d = join(dir, "v2");
    await mkdir(d, { recursive: true });
    await writeFile(join(d, "result.json"), JSON.stringify({ ...asSaved(makeRunFixture({ durationS: 2 })) as object, schemaVersion: 2 }));
    await expect(readRunDir(d)).rejects.toThrow(/schemaVersion 2 is not supported/);
  });

  it("loads the history, plain or gzipped, and names a bad line", async () => {
    const events = [
      { p: 1, type: "invoke", f: "write", key: "k", value: "1", t: 10 },
      { p: 1, type: "ok", f: "write", key: "k", value: "1", t: 20 },
    ];
    const ndjson = events.map((e) => JSON.stringify(e)).join("\n") + "\n";
    const plain = join(dir, "hist-plain");
    await writeAllOutputs(makeRunFixture({ durationS: 2 }), plain);
    await writeFile(join(plain, "history.ndjson"), ndjson);
    const a = await readRunDir(plain);
    expect(a.history).toEqual(events);

    const gz = join(dir, "hist-gz");
    const r = makeRunFixture({ durationS: 2 });
    r.files = { history: "history.ndjson.gz" };
    await writeAllOutputs(r, gz);
    await writeFile(join(gz, "history.ndjson.gz"), gzipSync(ndjson));
    expect((await readRunDir(gz)).history).toEqual(events);

    await writeFile(join(plain, "history.ndjson"), ndjson + "{oops\n");
    await expect(readRunDir(plain)).rejects.toThrow(/history\.ndjson:3/);
  });

  it("works without a history", async () => {
    const d = join(dir, "nohist");
    await writeAllOutputs(makeRunFixture({ durationS: 2 }), d);
    const loaded = await readRunDir(d);
    expect(loaded.history).toBeUndefined();
    expect(existsSync(join(d, "report.html"))).toBe(true);
  });
});
