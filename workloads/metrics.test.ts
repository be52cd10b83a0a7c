import fc from "fast-check";
import { decodeFromCompressedBase64, encodeIntoCompressedBase64, HistogramLogReader } from "hdr-histogram-js";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { IntervalLogWriter } from "./hdr-log.ts";
import { DenseHistogram, FastHistogram, WindowMerger, WindowRecorder, newHistogram, summarize, type HistName, type WorkerWindow } from "./metrics.ts";
import type { OpClass } from "./metrics-types.ts";

describe("FastHistogram", () => {
  it("produces exactly the HdrHistogram of the same values", () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.integer({ min: 0, max: 5000 }), fc.integer({ min: 0, max: 2 ** 31 - 1 })), { minLength: 1, maxLength: 300 }), (values) => {
        const fast = new FastHistogram();
        const direct = newHistogram();
        for (const v of values) {
          fast.record(v);
          direct.recordValue(v);
        }
        const decoded = decodeFromCompressedBase64(fast.encode()!);
        // what the direct histogram looks like after the same trip (max becomes its bucket's top)
        const reference = decodeFromCompressedBase64(encodeIntoCompressedBase64(direct));
        for (const p of [0, 50, 90, 99, 99.9, 100]) expect(decoded.getValueAtPercentile(p)).toBe(direct.getValueAtPercentile(p));
        expect(decoded.totalCount).toBe(values.length);
        expect(decoded.maxValue).toBe(reference.maxValue);
        expect(decoded.minNonZeroValue).toBe(reference.minNonZeroValue);
      }),
      { numRuns: 200 },
    );
  });

  it("clamps what it cannot hold and resets to empty", () => {
    const h = new FastHistogram();
    h.record(-5);
    h.record(1e12);
    h.record(Number.NaN);
    expect(decodeFromCompressedBase64(h.encode()!).totalCount).toBe(3);
    h.reset();
    expect(h.encode()).toBeUndefined();
  });
});

describe("DenseHistogram", () => {
  it("summarises merged encoded histograms exactly as HdrHistogram does", () => {
    const values = fc.array(fc.oneof(fc.integer({ min: 0, max: 3000 }), fc.integer({ min: 0, max: 2 ** 31 - 1 })), { minLength: 1, maxLength: 200 });
    fc.assert(
      fc.property(fc.array(values, { minLength: 1, maxLength: 4 }), (parts) => {
        const dense = new DenseHistogram();
        const reference = newHistogram();
        for (const part of parts) {
          const f = new FastHistogram();
          for (const v of part) f.record(v);
          const enc = f.encode()!;
          dense.addEncoded(enc);
          reference.add(decodeFromCompressedBase64(enc));
        }
        expect(dense.summary()).toEqual(summarize(reference));
        const again = decodeFromCompressedBase64(dense.encode()!);
        expect(summarize(again)).toEqual(summarize(reference));
        expect(dense.toHdr().maxValue).toBe(dense.summary().max);
      }),
      { numRuns: 50 },
    );
  });
});

function workerWindow(worker: number, index: number, values: number[], extra: Partial<WorkerWindow> = {}): WorkerWindow {
  const r = new WindowRecorder();
  for (const v of values) r.record(v, v / 2, "read", worker === 0);
  return r.take({ worker, index, startMs: index * 1000, endMs: (index + 1) * 1000, redirects: { MOVED: 1, ASK: 0, TRYAGAIN: 0 }, eventLoop: null, ...extra });
}

describe("WindowRecorder", () => {
  it("encodes each distinct histogram once, and in closed-loop mode reports service = latency", () => {
    const meta = { worker: 0, index: 0, startMs: 0, endMs: 1000, redirects: { MOVED: 0, ASK: 0, TRYAGAIN: 0 }, eventLoop: null };
    const closed = new WindowRecorder(true);
    for (const v of [5, 50, 5000]) closed.record(v, 1, "write", false);
    const c = closed.take(meta).hists;
    expect(Object.keys(c).sort()).toEqual(["latency", "other", "service", "write"]);
    expect(new Set(Object.values(c)).size).toBe(1);
    expect(decodeFromCompressedBase64(c.service!).maxValue).toBe(5003); // top of 5000's bucket

    const open = new WindowRecorder();
    open.record(100, 40, "read", true);
    open.record(300, 30, "read", false);
    const o = open.take(meta).hists;
    expect(o.latency).toBe(o.read);
    expect(o.service).not.toBe(o.latency);
    expect(decodeFromCompressedBase64(o.service!).maxValue).toBe(40);
    expect(decodeFromCompressedBase64(o.migrating!).totalCount).toBe(1);
    expect(decodeFromCompressedBase64(o.other!).maxValue).toBe(300);
    expect(open.take(meta).hists).toEqual({}); // reset
  });

  it("reports exactly the histograms of recording every op into each of its series, over several windows", () => {
    const op = fc.record({
      latency: fc.integer({ min: 0, max: 5_000_000 }),
      service: fc.integer({ min: 0, max: 5_000_000 }),
      cls: fc.constantFrom<OpClass>("read", "write", "multi"),
      migrating: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.boolean(), fc.array(fc.array(op, { maxLength: 40 }), { minLength: 1, maxLength: 3 }), (closed, windows) => {
        const r = new WindowRecorder(closed);
        for (const ops of windows) {
          const ref = new Map<HistName, FastHistogram>();
          const add = (name: HistName, v: number): void => {
            if (!ref.has(name)) ref.set(name, new FastHistogram());
            ref.get(name)!.record(v);
          };
          for (const o of ops) {
            r.record(o.latency, o.service, o.cls, o.migrating);
            add("latency", o.latency);
            add("service", closed ? o.latency : o.service);
            add(o.cls, o.latency);
            add(o.migrating ? "migrating" : "other", o.latency);
          }
          const want = Object.fromEntries([...ref].map(([name, h]) => [name, h.encode()]));
          expect(r.take({ worker: 0, index: 0, startMs: 0, endMs: 1, redirects: { MOVED: 0, ASK: 0, TRYAGAIN: 0 }, eventLoop: null }).hists).toEqual(want);
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe("WindowMerger", () => {
  it("emits a window once every worker reported it, in order, with merged figures", () => {
    const m = new WindowMerger(2);
    expect(m.add(workerWindow(0, 5, [100, 200]))).toEqual([]);
    expect(m.add(workerWindow(0, 6, [300]))).toEqual([]);
    const [w5] = m.add(workerWindow(1, 5, [1000, 2000, 3000]));
    expect(w5.ops).toBe(5);
    expect(w5.latency.count).toBe(5);
    expect(w5.latency.max).toBe(3001); // top of 3000's bucket (3 significant digits)
    expect(w5.service.max).toBe(1500);
    expect(w5.bySlotClass.migrating?.count).toBe(2);
    expect(w5.bySlotClass.other?.count).toBe(3);
    expect(w5.redirects.MOVED).toBe(2);
    expect(w5.startMs).toBe(5000);
    expect(decodeFromCompressedBase64(w5.hdr!).totalCount).toBe(5);
    const rest = m.add(workerWindow(1, 6, []));
    expect(rest.map((w) => w.ops)).toEqual([1]);
    const s = m.summary(2000);
    expect(s.ops).toBe(6);
    expect(s.opsPerSec).toBe(3);
    expect(s.latency.max).toBe(3001);
    expect(s.byClass.read?.count).toBe(6);
  });

  it("flush completes windows a dead worker never reported", () => {
    const m = new WindowMerger(2);
    m.add(workerWindow(0, 1, [10]));
    expect(m.flush().map((w) => w.ops)).toEqual([1]);
  });

  it("summaries report microsecond percentiles", () => {
    const h = newHistogram();
    for (let i = 1; i <= 1000; i++) h.recordValue(i);
    const s = summarize(h);
    expect(s.p50).toBe(500);
    expect(s.p99).toBe(990);
    expect(s.max).toBe(1000);
    expect(s.count).toBe(1000);
  });
});

describe("interval log", () => {
  it("writes a log HdrHistogram's reader reads back (untagged latency + tagged series)", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "slotproof-hdr-"));
    try {
      const file = path.join(dir, "latency.hlog");
      const log = new IntervalLogWriter(file, 1_700_000_000_000);
      for (let i = 0; i < 3; i++) {
        const lat = newHistogram();
        const svc = newHistogram();
        for (let v = 1; v <= 100; v++) {
          lat.recordValue(v * (i + 1));
          svc.recordValue(v);
        }
        log.window(i * 1000, 1000, new Map([["latency", lat], ["service", svc]]));
      }
      await log.close();
      const text = readFileSync(file, "utf8");
      expect(text).toMatch(/^#\[Histogram log format version 1.3\]$/m);
      expect(text).toMatch(/^Tag=service,0\.000,1\.000,0\.100,/m);
      const reader = new HistogramLogReader(text);
      const maxes: number[] = [];
      for (let h = reader.nextIntervalHistogram(); h; h = reader.nextIntervalHistogram()) if (h.tag === "NO TAG" || !h.tag) maxes.push(h.maxValue);
      expect(maxes).toEqual([100, 200, 300]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
