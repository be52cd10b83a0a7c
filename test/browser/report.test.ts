// The HTML report in a real browser (Debian chromium, headless): every chart draws, no console
// or page errors, hostile data stays data, a 1-hour run of 100 ms windows stays usable.
// Screenshots land in test-output/browser/ (git-ignored) for people to look at.
import { existsSync } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compareRuns } from "../../results/compare.ts";
import { makePacingFixture } from "../../results/fixtures/pacing-fixture.ts";
import { HOSTILE, makeErrorFixture, makeHostileFixture, makeLargeFixture, makeRunFixture } from "../../results/fixtures/run-fixture.ts";
import type { RunResult } from "../../results/model.ts";
import { writeAllOutputs } from "../../results/outputs/index.ts";

// The functions passed to page.evaluate run in the page; this project's lib has no DOM types,
// so the little they use is declared here (module scope, not global).
interface Canvas { width: number; height: number; getContext(k: "2d"): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } }
declare const document: { querySelectorAll(sel: string): ArrayLike<unknown>; getElementsByTagName(tag: string): { length: number } };
declare const window: Record<string, unknown>;
declare function requestAnimationFrame(cb: () => void): number;

const CHROMIUM = "/usr/bin/chromium";
const OUT = fileURLToPath(new URL("../../test-output/browser/", import.meta.url));
const present = existsSync(CHROMIUM);
// Locally a missing browser skips (with this message); in CI it must run and fail.
const skip = !present && !process.env.CI;
const title = skip
  ? `report in a browser — SKIPPED: ${CHROMIUM} not found (apt-get install chromium; in CI this fails instead)`
  : "report in a browser";

let browser: Browser;

interface Opened { page: Page; problems: string[]; loadMs: number }

async function open(file: string, width = 1280): Promise<Opened> {
  const page = await browser.newPage({ viewport: { width, height: 900 } });
  const problems: string[] = [];
  page.on("console", (m) => { if (m.type() === "error" || m.type() === "warning") problems.push(`console.${m.type()}: ${m.text()}`); });
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  page.on("request", (r) => { if (!r.url().startsWith("file:")) problems.push(`network request: ${r.url()}`); });
  const t0 = Date.now();
  await page.goto(pathToFileURL(file).href, { timeout: 60_000 });
  await page.waitForSelector("html[data-rendered]", { timeout: 60_000 });
  return { page, problems, loadMs: Date.now() - t0 };
}

async function writeRun(name: string, r: RunResult): Promise<string> {
  const dir = join(OUT, name);
  await rm(dir, { recursive: true, force: true });
  await writeAllOutputs(r, dir);
  return dir;
}

/** per canvas: pixels drawn at all, and strongly coloured opaque pixels (series, markers) */
function canvasInk(page: Page) {
  return page.evaluate(() => Array.from(document.querySelectorAll(".uplot canvas")).map((c) => {
    const canvas = c as Canvas;
    const d = canvas.getContext("2d")!.getImageData(0, 0, canvas.width, canvas.height).data;
    let any = 0;
    let coloured = 0;
    for (let i = 0; i < d.length; i += 4) {
      if (d[i + 3] === 0) continue;
      any++;
      const sat = Math.max(d[i], d[i + 1], d[i + 2]) - Math.min(d[i], d[i + 1], d[i + 2]);
      if (d[i + 3] > 200 && sat > 60) coloured++;
    }
    return { any, coloured, w: canvas.width, h: canvas.height };
  }));
}

type Scales = Array<[number, number]>;
const xScales = (page: Page): Promise<Scales> =>
  page.evaluate(() => (window as { slotproofReport?: unknown } as { slotproofReport: { charts: Array<{ scales: { x: { min: number; max: number } } }> } })
    .slotproofReport.charts.map((c) => [c.scales.x.min, c.scales.x.max] as [number, number]));

describe.skipIf(skip)(title, () => {
  beforeAll(async () => {
    expect(present, `${CHROMIUM} is required when CI is set`).toBe(true);
    await mkdir(OUT, { recursive: true });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
      timeout: 60_000,
    });
  });
  afterAll(async () => { await browser?.close(); });

  it("draws every chart and timeline of a failing run, with no errors", async () => {
    const dir = await writeRun("normal", makeRunFixture());
    const { page, problems } = await open(join(dir, "report.html"));
    try {
      const ink = await canvasInk(page);
      // lanes, throughput, latency, errors, progress, latency distribution
      expect(ink).toHaveLength(6);
      ink.forEach((c, i) => {
        expect(c.any, `chart ${i} is blank`).toBeGreaterThan(1000);
        if (i > 0) expect(c.coloured, `chart ${i} has no series drawn`).toBeGreaterThan(200);
      });
      expect(await page.locator(".lin-svg .op").count()).toBe(9);
      expect(await page.locator(".lin-svg .op.failing").count()).toBe(1);
      expect(await page.locator(".lin-svg rect").count()).toBeGreaterThan(9);
      expect(await page.locator("#verdict .verdict-word").textContent()).toBe("FAIL");
      expect(await page.locator("#verdict .vrow").count()).toBe(4 + 5);
      expect(await page.locator("#pacing").count()).toBe(0); // no controller events: no pacing chart
      await page.screenshot({ path: join(OUT, "normal.png"), fullPage: true });
      await page.locator(".violation").first().screenshot({ path: join(OUT, "normal-violation.png") });
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it("zooms every timeline chart together and resets", async () => {
    const dir = await writeRun("zoom", makeRunFixture());
    const { page, problems } = await open(join(dir, "report.html"));
    try {
      const full = await xScales(page);
      expect(new Set(full.map((s) => s.join()))).toHaveProperty("size", 1);
      const over = page.locator("#timeline .uplot .u-over").nth(2); // latency chart
      await over.scrollIntoViewIfNeeded();
      const box = (await over.boundingBox())!;
      await page.mouse.move(box.x + box.width * 0.4, box.y + box.height / 2);
      await page.mouse.down();
      await page.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2, { steps: 8 });
      await page.mouse.up();
      await page.waitForTimeout(100);
      const zoomed = await xScales(page);
      expect(new Set(zoomed.map((s) => s.map((v) => v.toFixed(6)).join()))).toHaveProperty("size", 1);
      expect(zoomed[0][1] - zoomed[0][0]).toBeLessThan((full[0][1] - full[0][0]) * 0.3);
      await page.locator("#timeline").screenshot({ path: join(OUT, "zoomed.png") });
      await page.click("#reset-zoom");
      await page.waitForTimeout(50);
      expect(await xScales(page)).toEqual(full);

      // split toggles and log scale rebuild the charts without errors
      await page.click('button[data-split="rw"]');
      expect(await page.locator("#timeline .u-legend").nth(1).textContent()).toContain("writes p99");
      await page.click('button[data-split="slots"]');
      expect(await page.locator("#timeline .u-legend").nth(1).textContent()).toContain("migrating slots p99");
      await page.click("#log-scale");
      (await canvasInk(page)).forEach((c, i) => expect(c.any, `chart ${i} blank after toggles`).toBeGreaterThan(1000));
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it("draws the adaptive controller's pacing chart, lined up with the other timeline charts", async () => {
    const r = makePacingFixture();
    const decisions = r.migrationEvents.filter((e) => e.kind === "controller");
    const dir = await writeRun("pacing", r);
    const { page, problems } = await open(join(dir, "report.html"));
    try {
      // lanes, throughput, latency, errors, progress, pacing, latency distribution (each canvas is
      // read back once: Chromium warns on repeated readbacks)
      expect(await page.locator(".uplot canvas").count()).toBe(7);
      expect(await page.locator("#pacing canvas").count()).toBe(1);
      const pacing = await page.locator("#pacing").evaluate((el) => {
        const c = (el as { querySelector(s: string): unknown }).querySelector("canvas") as Canvas;
        const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
        let purple = 0, blue = 0, red = 0;
        for (let i = 0; i < d.length; i += 4) {
          if (d[i + 3] < 200) continue;
          const [R, G, B] = [d[i], d[i + 1], d[i + 2]];
          if (R > 180 && G < 150 && B > 130) purple++; // live p99 (#CC79A7)
          if (R < 40 && G > 90 && G < 140 && B > 150) blue++; // keys/s limit (#0072B2)
          if (R > 170 && G < 70 && B < 70) red++; // budget line and decrease markers (#c62828)
        }
        return { purple, blue, red };
      });
      expect(pacing.purple, "live p99 not drawn").toBeGreaterThan(100);
      expect(pacing.blue, "limit not drawn").toBeGreaterThan(100);
      expect(pacing.red, "budget line / decrease markers not drawn").toBeGreaterThan(100);
      expect(await page.locator("#pacing .u-legend").textContent()).toMatch(/achieved.*keys\/s limit.*live p99/);

      type Charts = { slotproofReport: { charts: Array<{ bbox: { left: number; width: number }; scales: { x: { min: number; max: number } } }> } };
      // one x range, and plot areas at the same place: the right-hand ms axis does not shift the pacing chart
      const boxes = await page.evaluate(() => (window as unknown as Charts).slotproofReport.charts.map((c) => [c.bbox.left, c.bbox.width, c.scales.x.min, c.scales.x.max].join()));
      expect(boxes).toHaveLength(6);
      expect(new Set(boxes).size).toBe(1);

      // hovering a decrease shows it in the legend
      const first = decisions.find((e) => e.decision === "decrease")!;
      await page.locator("#pacing").scrollIntoViewIfNeeded();
      const at = await page.evaluate((t) => {
        type U = { over: { getBoundingClientRect(): { left: number; top: number; height: number } }; valToPos(v: number, k: string): number };
        const charts = (window as unknown as { slotproofReport: { charts: U[] } }).slotproofReport.charts;
        const u = charts[charts.length - 1];
        const box = u.over.getBoundingClientRect();
        return { x: box.left + u.valToPos(t, "x"), y: box.top + box.height / 2 };
      }, first.atMs / 1000);
      await page.mouse.move(at.x, at.y);
      await page.waitForTimeout(50);
      expect(await page.locator("#pacing .u-legend").textContent()).toContain(`${first.rateKeysPerSec} keys/s (decrease, batch ${first.batchKeys})`);

      // the event log reads as sentences
      const log = await page.locator("#migration table.data").last().textContent();
      expect(log).toContain("decrease → ");
      expect(log).not.toContain("rateKeysPerSec=");

      await page.locator("#pacing").screenshot({ path: join(OUT, "pacing-chart.png") });
      // the log-scale toggle rebuilds it (the ms axis follows the toggle)
      await page.click("#log-scale");
      expect(await page.locator("#pacing canvas").count()).toBe(1);
      await page.click('button[data-split="rw"]');
      (await canvasInk(page)).forEach((c, i) => expect(c.any, `chart ${i} blank after toggles`).toBeGreaterThan(1000));
      await page.locator("#pacing").screenshot({ path: join(OUT, "pacing-chart-linear.png") });
      await page.screenshot({ path: join(OUT, "pacing.png"), fullPage: true });
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it("shows hostile names and values as text and never runs them", async () => {
    const r = makeHostileFixture();
    const dir = await writeRun("hostile", r);
    const { page, problems } = await open(join(dir, "report.html"));
    try {
      expect(await page.evaluate(() => window.__pwned)).toBeUndefined();
      expect(await page.locator("h1").textContent()).toBe(r.scenario.name);
      expect(await page.locator("img").count()).toBe(0);
      expect(await page.locator("script").count()).toBe(4);
      expect(await page.locator(".vkey").first().textContent()).toContain(HOSTILE.script);
      expect(await page.locator("td.key").first().textContent()).toContain(HOSTILE.img);
      expect(await page.title()).toContain(HOSTILE.close);
      // interact with every toggle too: re-rendering must not execute anything either
      await page.click('button[data-split="rw"]');
      await page.click("#log-scale");
      for (const d of await page.locator("details").all()) await d.locator("summary").click();
      expect(await page.evaluate(() => window.__pwned)).toBeUndefined();
      await page.screenshot({ path: join(OUT, "hostile.png"), fullPage: true });
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it("loads a 1-hour run of 100 ms windows (36,000) in bounded time and stays responsive", async () => {
    const r = makeLargeFixture();
    expect(r.windows).toHaveLength(36_000);
    const dir = await writeRun("large", r);
    const { page, problems, loadMs } = await open(join(dir, "report.html"));
    try {
      console.log(`report_36000_windows_load_ms: ${loadMs}`);
      expect(loadMs).toBeLessThan(30_000);
      const t0 = Date.now();
      await page.click('button[data-split="slots"]');
      await page.evaluate(() => new Promise((res) => requestAnimationFrame(() => res(null))));
      const toggleMs = Date.now() - t0;
      console.log(`report_36000_windows_toggle_ms: ${toggleMs}`);
      expect(toggleMs).toBeLessThan(10_000);
      const ink = await canvasInk(page);
      ink.forEach((c, i) => expect(c.any, `chart ${i} is blank`).toBeGreaterThan(1000));
      // no per-point DOM: the page stays small whatever the number of windows
      expect(await page.evaluate(() => document.getElementsByTagName("*").length)).toBeLessThan(3000);
      await page.screenshot({ path: join(OUT, "large.png"), fullPage: true });
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it("renders a run that died before measuring, and a passing run", async () => {
    for (const [name, r] of [["error", makeErrorFixture()], ["pass", makeRunFixture({ outcome: "pass" })]] as const) {
      const dir = await writeRun(name, r);
      const { page, problems } = await open(join(dir, "report.html"));
      try {
        expect(await page.locator("#verdict .verdict-word").textContent()).toBe(r.verdict.toUpperCase());
        if (name === "error") expect(await page.locator("#timeline").textContent()).toContain("No measurement windows");
        expect(await page.locator("#pacing").count()).toBe(0);
        await page.screenshot({ path: join(OUT, `${name}.png`), fullPage: true });
        expect(problems).toEqual([]);
      } finally {
        await page.close();
      }
    }
  });

  it("lays out for print", async () => {
    const dir = await writeRun("print", makeRunFixture());
    const { page, problems } = await open(join(dir, "report.html"));
    try {
      await page.emulateMedia({ media: "print" });
      expect(await page.locator(".controls").first().isVisible()).toBe(false);
      await page.pdf({ path: join(OUT, "report.pdf"), format: "A4" });
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it("draws the comparison page", async () => {
    const runs = [
      await writeRun("cmp-atomic", makeRunFixture()),
      await writeRun("cmp-legacy", Object.assign(makeRunFixture({ outcome: "pass", seed: 7, durationS: 90 }), {})),
      await writeRun("cmp-hostile", makeHostileFixture()),
    ];
    const file = await compareRuns(runs, join(OUT, "compare.html"));
    const { page, problems } = await open(file);
    try {
      expect(await page.evaluate(() => window.__pwned)).toBeUndefined();
      expect(await page.locator("#runs tbody tr").count()).toBe(3);
      const ink = await canvasInk(page);
      expect(ink).toHaveLength(2);
      ink.forEach((c, i) => expect(c.coloured, `comparison chart ${i} has no series`).toBeGreaterThan(200));
      await page.screenshot({ path: join(OUT, "compare.png"), fullPage: true });
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
