import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { MigrationEvent } from "../../harness/migration/types.ts";
import { makePacingFixture } from "../fixtures/pacing-fixture.ts";
import { HOSTILE, makeErrorFixture, makeHostileFixture, makeRunFixture } from "../fixtures/run-fixture.ts";
import { escapeHtml, jsonForScript } from "./assets.ts";
import { renderReportHtml } from "./html.ts";
import { jsonSafe } from "./json.ts";
import { buildReportModel, controllerText, MAX_CONTROLLER_EVENTS_LISTED, MAX_EVENTS_LISTED, pacingColumns } from "./report-model.ts";

const NOW = new Date("2025-11-22T12:00:00Z");
const dataBlock = (html: string) => {
  const m = /<script type="application\/json" id="slotproof-data">([\s\S]*?)<\/script>/.exec(html);
  if (!m) throw new Error("no data block");
  return m[1];
};
/** the page without the bodies of its scripts and styles: the markup a browser parses as HTML */
const markupOnly = (html: string) => html.replace(/(<script[^>]*>)[\s\S]*?(<\/script>)/g, "$1$2").replace(/(<style>)[\s\S]*?(<\/style>)/g, "$1$2");

describe("report.html", () => {
  it("is one self-contained page: inline uPlot, no external resources", () => {
    const html = renderReportHtml(makeRunFixture(), NOW);
    expect(html).toContain("var uPlot"); // the iife build, inlined
    expect(html).toContain(".uplot"); // its stylesheet
    const markup = markupOnly(html);
    expect(markup).not.toMatch(/<link\b|\bsrc=|\bhref=|@import|url\(/i);
    expect(markup).toContain("Content-Security-Policy");
    expect(markup).toContain("default-src 'none'");
  });

  it("embeds the report model as JSON that parses back exactly", () => {
    const r = makeRunFixture();
    const html = renderReportHtml(r, NOW);
    const parsed = JSON.parse(dataBlock(html));
    expect(parsed).toEqual(JSON.parse(JSON.stringify(buildReportModel(r, NOW), jsonSafe)));
    expect(parsed.timeline.t).toHaveLength(60);
    const lin = parsed.checks.find((c: { name: string }) => c.name === "linearizable").lin;
    expect(lin.violations[0].ops.filter((o: { failing: boolean }) => o.failing).map((o: { p: number; label: string }) => `${o.p} ${o.label}`)).toEqual(["7 r→v17"]);
    expect(lin.violations[0].ops.filter((o: { order?: number }) => o.order).map((o: { order: number }) => o.order)).toEqual([1, 2, 3, 4]);
    expect(parsed.percentiles.series.map((s: { source: string }) => s.source)).toEqual(["hdr", "hdr", "hdr", "hdr", "hdr"]);
  });

  it("keeps hostile strings inside the data: same tags as a normal page, values intact", () => {
    const normal = renderReportHtml(makeRunFixture(), NOW);
    const hostile = renderReportHtml(makeHostileFixture(), NOW);
    const count = (s: string, re: RegExp) => (s.match(re) ?? []).length;
    expect(count(hostile, /<script/gi)).toBe(count(normal, /<script/gi));
    expect(count(hostile, /<\/script/gi)).toBe(count(normal, /<\/script/gi));
    expect(count(hostile, /<img/gi)).toBe(0);
    const data = dataBlock(hostile);
    expect(data).not.toMatch(/[<>&\u2028\u2029]/);
    const parsed = JSON.parse(data);
    expect(parsed.scenario.name).toContain(HOSTILE.script);
    expect(parsed.scenario.name).toContain(HOSTILE.unicode);
    expect(hostile).toContain(`<title>FAIL · ${escapeHtml(makeHostileFixture().scenario.name)} · slotproof</title>`);
  });

  it("puts user data into the page only as text: the page scripts never parse HTML", async () => {
    const { readFile } = await import("node:fs/promises");
    for (const f of ["common.js", "report.js", "compare.js"]) {
      const js = await readFile(new URL(`./report/${f}`, import.meta.url), "utf8");
      const code = js.replace(/^\s*\/\/.*$/gm, ""); // comments may name what is banned
      expect(code, f).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function/);
    }
  });

  it("renders a run that died before measuring", () => {
    const parsed = JSON.parse(dataBlock(renderReportHtml(makeErrorFixture(), NOW)));
    expect(parsed.verdict).toBe("error");
    expect(parsed.timeline.t).toEqual([]);
    expect(parsed.percentiles.series).toEqual([]);
  });
});

describe("report model: adaptive pacing", () => {
  const controllerEvents = (r: { migrationEvents: MigrationEvent[] }) => r.migrationEvents.filter((e) => e.kind === "controller");

  it("has one column entry per controller decision, in time order, equal to the events", () => {
    const r = makePacingFixture();
    const events = controllerEvents(r);
    expect(events.length).toBeGreaterThan(20);
    const p = buildReportModel(r, NOW).pacing!;
    expect(p.t).toEqual(events.map((e) => e.atMs / 1000));
    expect(p.decision).toEqual(events.map((e) => e.decision));
    expect(p.rateKeysPerSec).toEqual(events.map((e) => e.rateKeysPerSec));
    expect(p.achievedKeysPerSec).toEqual(events.map((e) => e.achievedKeysPerSec ?? null));
    expect(p.p99Us).toEqual(events.map((e) => (e.p99Us === undefined ? null : Math.round(e.p99Us as number))));
    expect(p.batchKeys).toEqual(events.map((e) => e.batchKeys));
    expect(p.budgetUs).toBe(5000);
    // the fixture's story: a start, increases before the pause, decreases in the pause and the
    // latency fault, holds at the floor
    const n = (d: string) => p.decision.filter((x) => x === d).length;
    expect(p.decision[0]).toBe("start");
    expect(p.achievedKeysPerSec[0]).toBeNull();
    expect([n("decrease") >= 2, n("increase") >= 3, n("hold") >= 1]).toEqual([true, true, true]);
    // and it reaches the page as it is
    expect(JSON.parse(dataBlock(renderReportHtml(r, NOW))).pacing).toEqual(p);
  });

  it("is absent for runs without controller events: the model and the page stay as they were", () => {
    for (const r of [makeRunFixture(), makeErrorFixture(), makeRunFixture({ outcome: "pass" })]) {
      const model = buildReportModel(r, NOW);
      expect(model).not.toHaveProperty("pacing");
      expect(dataBlock(renderReportHtml(r, NOW))).not.toContain('"pacing"');
    }
    // event lines of other kinds keep their k=v form
    const list = buildReportModel(makeRunFixture(), NOW).events.list;
    expect(list.find((e) => e.kind === "move-started")?.text).toBe("source=primary:0 target=new:0 slots=0-1364 jobId=a1f3c0de00000000000000000000000000000000");
  });

  it("sorts decisions by time and skips malformed ones", () => {
    fc.assert(fc.property(
      fc.array(fc.record({
        atMs: fc.oneof(fc.integer({ min: 0, max: 1e6 }), fc.constant(Number.NaN)),
        rateKeysPerSec: fc.oneof(fc.double({ min: 1, max: 1e5, noNaN: true }), fc.constant(undefined), fc.constant("fast")),
        decision: fc.constantFrom("start", "increase", "decrease", "hold"),
        p99Us: fc.option(fc.integer({ min: 1, max: 1e7 }), { nil: undefined }),
      }), { maxLength: 40 }),
      (raw) => {
        const events = raw.map((e) => ({ kind: "controller", budgetUs: 20_000, ...e }));
        const valid = events.filter((e) => Number.isFinite(e.atMs) && typeof e.rateKeysPerSec === "number");
        const p = pacingColumns(events);
        if (valid.length === 0) { expect(p).toBeUndefined(); return; }
        expect(p!.t).toHaveLength(valid.length);
        for (const col of [p!.decision, p!.rateKeysPerSec, p!.achievedKeysPerSec, p!.p99Us, p!.batchKeys]) expect(col).toHaveLength(valid.length);
        expect(p!.t).toEqual([...p!.t].sort((a, b) => a - b));
        expect([...p!.rateKeysPerSec].sort()).toEqual(valid.map((e) => e.rateKeysPerSec as number).sort());
      },
    ));
  });

  it("lists controller decisions as sentences, not k=v dumps", () => {
    const e = { kind: "controller", atMs: 1200, decision: "decrease", rateKeysPerSec: 40, budgetUs: 30_000, p99Us: 52_100, achievedKeysPerSec: 80, batchKeys: 1 };
    expect(controllerText(e)).toBe("decrease → 40 keys/s (p99 52.1 ms > budget 30 ms, achieved 80 keys/s, batch 1)");
    expect(controllerText({ ...e, decision: "increase", rateKeysPerSec: 1320.4, p99Us: 850, achievedKeysPerSec: 1190.6, batchKeys: 25 }))
      .toBe("increase → 1,320 keys/s (p99 850 µs ≤ budget 30 ms, achieved 1,191 keys/s, batch 25)");
    expect(controllerText({ kind: "controller", atMs: 0, decision: "start", rateKeysPerSec: 2000, budgetUs: 20_000, batchKeys: 10 }))
      .toBe("start at 2,000 keys/s (budget 20 ms, batch 10)");
    expect(controllerText({ kind: "controller", atMs: 0, decision: "hold", rateKeysPerSec: 2.5, budgetUs: 1_500_000 }))
      .toBe("hold at 2.5 keys/s (no live p99, budget 1.5 s)");
    // a field the report does not know yet still shows
    expect(controllerText({ ...e, reason: "slow" })).toMatch(/batch 1\) reason=slow$/);

    const list = buildReportModel(makePacingFixture(), NOW).events.list.filter((x) => x.kind === "controller");
    expect(list.length).toBe(controllerEvents(makePacingFixture()).length);
    for (const x of list) {
      expect(x.text).not.toMatch(/=/);
      expect(x.text).toMatch(/^(start at|increase →|decrease →|hold at) [\d,.]+ keys\/s \(/);
    }
    expect(list.find((x) => x.text.startsWith("decrease"))!.text).toMatch(/\(p99 [\d.]+ (ms|s) > budget 5 ms, achieved [\d,.]+ keys\/s, batch 1\)$/);
  });

  it("caps controller lines on their own, so they never crowd out the migration's events", () => {
    const r = makePacingFixture({ intervalMs: 20 });
    const n = controllerEvents(r).length;
    expect(n).toBeGreaterThan(MAX_CONTROLLER_EVENTS_LISTED);
    const m = buildReportModel(r, NOW);
    const others = r.migrationEvents.filter((e) => e.kind !== "controller" && e.kind !== "slot-done" && e.kind !== "progress");
    expect(others.length).toBeLessThan(MAX_EVENTS_LISTED);
    expect(m.events.list.filter((e) => e.kind !== "controller")).toHaveLength(others.length);
    expect(m.events.list.filter((e) => e.kind === "controller")).toHaveLength(MAX_CONTROLLER_EVENTS_LISTED);
    expect(m.events.omitted).toBe(n - MAX_CONTROLLER_EVENTS_LISTED);
    expect(m.events.counts.controller).toBe(n);
    expect(m.pacing!.t).toHaveLength(n); // the chart has all of them
  });
});

describe("jsonForScript", () => {
  it("never emits <, >, & or line separators, and parses back to the input", () => {
    fc.assert(fc.property(fc.jsonValue(), fc.string({ unit: "binary" }), (v, s) => {
      for (const value of [v, { s }, [s, "</script>", "<!--"]]) {
        const out = jsonForScript(value);
        expect(out).not.toMatch(/[<>&\u2028\u2029]/);
        expect(JSON.parse(out)).toEqual(JSON.parse(JSON.stringify(value)));
      }
    }));
  });
});
