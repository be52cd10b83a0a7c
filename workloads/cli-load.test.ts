import { describe, expect, it } from "vitest";
import { formatSummary, formatWindowLine, loadOptionsOf, parseMix, parseRamp } from "./cli-load.ts";
import type { MetricsWindow, WorkloadSummary } from "./metrics-types.ts";

const lat = (p99: number) => ({ count: 10, p50: 100, p90: 200, p99, p999: p99, max: p99 + 1, mean: 150 });

describe("slotproof load options", () => {
  it("map command-line strings onto workload options", () => {
    const { workload, durationMs } = loadOptionsOf({
      seed: "127.0.0.1:7000,127.0.0.1:7001",
      executor: "closed",
      duration: "1m30s",
      connections: "50",
      pipeline: "16",
      mix: "set=1,get=8",
      command: ["HSET __key__ f __data__"],
      keys: "1000",
      slots: "0-2,9",
      window: "250ms",
      history: "5",
      historyModel: "counter",
    });
    expect(durationMs).toBe(90_000);
    expect(workload.seeds).toEqual(["127.0.0.1:7000", "127.0.0.1:7001"]);
    expect(workload.rate).toBeUndefined();
    expect(workload.pipeline).toBe(16);
    expect(workload.mix?.weights).toEqual({ set: 1, get: 8 });
    expect(workload.mix?.commands).toEqual([{ command: "HSET __key__ f __data__" }]);
    expect(workload.slots).toEqual([0, 1, 2, 9]);
    expect(workload.windowMs).toBe(250);
    expect(workload.history).toEqual({ keys: 5, model: "counter" });
  });

  it("reject bad values naming the flag", () => {
    expect(() => loadOptionsOf({ seed: "nohost" })).toThrow(/--seed: "nohost"/);
    expect(() => loadOptionsOf({ seed: "h:1", rate: "fast" })).toThrow(/--rate: "fast"/);
    expect(() => loadOptionsOf({ seed: "h:1", duration: "soon" })).toThrow(/--duration: "soon"/);
    expect(() => loadOptionsOf({ seed: "h:1", executor: "x" })).toThrow(/--executor/);
    expect(() => parseMix("sett=1")).toThrow(/--mix: "sett"/);
    expect(() => parseRamp("0-100")).toThrow(/--ramp/);
  });

  it("parse ramps", () => {
    expect(parseRamp("0-5000:30s, 5000-5000:1m")).toEqual([
      { from: 0, to: 5000, durationMs: 30_000 },
      { from: 5000, to: 5000, durationMs: 60_000 },
    ]);
  });
});

describe("load output", () => {
  it("formats a window line with rate, percentiles in ms and what went wrong", () => {
    const w: MetricsWindow = {
      startMs: 2000, durationMs: 1000, ops: 2000, latency: lat(512_000), service: lat(1200),
      byClass: {}, bySlotClass: {}, errors: { TRYAGAIN: 2 }, redirects: { MOVED: 1, ASK: 3, TRYAGAIN: 2 }, late: 7, dropped: 0,
    };
    const line = formatWindowLine(w);
    expect(line).toMatch(/^\s+3\.0s\s+2000\s+0\.10\s+512\s+512\s+512\s+1\.20\s+err TRYAGAIN 2\s+moved 1 ask 3 tryagain 2\s+late 7$/);
  });

  it("formats the summary with classes, errors, redirects against the servers, and the noise floor", () => {
    const s: WorkloadSummary = {
      durationMs: 5000, ops: 10_000, opsPerSec: 2000, latency: lat(3000), service: lat(900),
      byClass: { read: lat(2500) }, bySlotClass: { migrating: lat(9000) }, errors: {}, redirects: { MOVED: 4, ASK: 0, TRYAGAIN: 0 },
      late: 0, dropped: 0, eventLoopLag: lat(800), schedulingLag: lat(400), serverErrorstats: { MOVED: 4 },
    };
    const text = formatSummary(s).join("\n");
    expect(text).toMatch(/^10000 ops in 5\.0 s = 2000 ops\/s$/m);
    expect(text).toMatch(/^latency\s+10\s+0\.10\s+0\.20\s+3\.00/m);
    expect(text).toMatch(/^migrating\s+10/m);
    expect(text).toMatch(/^errors: none$/m);
    expect(text).toMatch(/redirects: MOVED 4, ASK 0, TRYAGAIN 0 \(servers' errorstats: MOVED 4, ASK 0, TRYAGAIN 0\)/);
    expect(text).toMatch(/noise floor: event-loop lag p99 0\.80 ms, scheduling lag p99 0\.40 ms/);
  });
});
