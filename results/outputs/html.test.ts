import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { HOSTILE, makeErrorFixture, makeHostileFixture, makeRunFixture } from "../fixtures/run-fixture.ts";
import { escapeHtml, jsonForScript } from "./assets.ts";
import { renderReportHtml } from "./html.ts";
import { jsonSafe } from "./json.ts";
import { buildReportModel } from "./report-model.ts";

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
