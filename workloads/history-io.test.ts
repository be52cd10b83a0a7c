import fc from "fast-check";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { HistoryWriter, mergeByTime, readHistory, streamHistory, writeHistory } from "./history-io.ts";
import type { HistoryEvent } from "./history-types.ts";

const dir = mkdtempSync(path.join(os.tmpdir(), "slotproof-hist-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const event: fc.Arbitrary<HistoryEvent> = fc.record(
  {
    p: fc.nat(1000),
    type: fc.constantFrom("invoke", "ok", "fail", "info"),
    f: fc.constantFrom("read", "write", "cas", "append", "incr"),
    key: fc.string({ maxLength: 12 }),
    value: fc.oneof(fc.constant(null), fc.string({ unit: "grapheme", maxLength: 10 }), fc.integer(), fc.array(fc.string({ maxLength: 5 }), { maxLength: 4 }), fc.constant(false)),
    t: fc.nat(),
    error: fc.constantFrom("MOVED", "timeout", "connection"),
  },
  { requiredKeys: ["p", "type", "f", "key", "value", "t"] },
);

describe("history files", () => {
  it("round-trip plain and gzip NDJSON exactly", async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(event, { maxLength: 40 }), fc.boolean(), async (events, gzip) => {
        const file = path.join(dir, `h${n++}.ndjson${gzip ? ".gz" : ""}`);
        await writeHistory(file, events);
        expect(await readHistory(file)).toEqual(events);
        const streamed: HistoryEvent[] = [];
        for await (const e of streamHistory(file)) streamed.push(e);
        expect(streamed).toEqual(events);
        const head = readFileSync(file).subarray(0, 2);
        expect(head[0] === 0x1f && head[1] === 0x8b).toBe(gzip && events.length >= 0);
      }),
      { numRuns: 60 },
    );
  });

  it("the streaming writer appends batches and closes cleanly", async () => {
    const file = path.join(dir, "stream.ndjson.gz");
    const w = new HistoryWriter(file);
    const a: HistoryEvent = { p: 1, type: "invoke", f: "write", key: "k", value: "w1-0", t: 10 };
    const b: HistoryEvent = { p: 1, type: "info", f: "write", key: "k", value: "w1-0", t: 20, error: "timeout" };
    w.write([a]);
    w.write([b]);
    await w.close();
    expect(await readHistory(file)).toEqual([a, b]);
  });

  it("reports the line of a broken event", async () => {
    const file = path.join(dir, "bad.ndjson");
    await writeHistory(file, [{ p: 1, type: "invoke", f: "read", key: "k", value: null, t: 1 }]);
    const { appendFileSync } = await import("node:fs");
    appendFileSync(file, '{"p":1}\n');
    await expect(readHistory(file)).rejects.toThrow(/bad\.ndjson:2/);
  });

  it("merges per-thread histories by time, stably", () => {
    const ev = (p: number, t: number, type: HistoryEvent["type"]): HistoryEvent => ({ p, type, f: "read", key: "k", value: null, t });
    const merged = mergeByTime([ev(0, 5, "invoke"), ev(0, 5, "ok"), ev(1, 3, "invoke"), ev(1, 9, "ok")]);
    expect(merged.map((e) => `${e.p}${e.type}`)).toEqual(["1invoke", "0invoke", "0ok", "1ok"]);
  });
});
