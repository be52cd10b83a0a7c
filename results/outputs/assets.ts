// Inline assets of the self-contained report: uPlot, the page script and style, and the data.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { HarnessError } from "../../harness/errors.ts";

const require = createRequire(import.meta.url);
const here = dirname(fileURLToPath(import.meta.url));

function uplotDist(): string {
  // uplot's package.json has no "exports" map, so its main entry resolves; dist/ sits beside it
  return dirname(require.resolve("uplot"));
}

const cache = new Map<string, string>();
function read(path: string): string {
  let text = cache.get(path);
  if (text === undefined) {
    try {
      text = readFileSync(path, "utf8");
    } catch (e) {
      throw new HarnessError(`cannot read report asset ${path}: ${(e as Error).message} (is the uplot package installed?)`);
    }
    cache.set(path, text);
  }
  return text;
}

/** Script text must not end its <script> element early or open an HTML comment. */
function inlineScript(name: string, text: string): string {
  if (/<\/script|<!--/i.test(text)) throw new HarnessError(`report asset ${name} contains "</script" or "<!--" and cannot be inlined`);
  return text;
}

function inlineStyle(name: string, text: string): string {
  if (/<\/style/i.test(text)) throw new HarnessError(`report asset ${name} contains "</style" and cannot be inlined`);
  return text;
}

export const assets = {
  uplotJs: () => inlineScript("uPlot.iife.min.js", read(join(uplotDist(), "uPlot.iife.min.js"))),
  uplotCss: () => inlineStyle("uPlot.min.css", read(join(uplotDist(), "uPlot.min.css"))),
  css: () => inlineStyle("report.css", read(join(here, "report", "report.css"))),
  common: () => inlineScript("common.js", read(join(here, "report", "common.js"))),
  reportJs: () => inlineScript("report.js", read(join(here, "report", "report.js"))),
  compareJs: () => inlineScript("compare.js", read(join(here, "report", "compare.js"))),
};

/**
 * JSON for a `<script type="application/json">` block: `<`, `>`, `&` and the JS line
 * separators are escaped, so no string value (a key named `</script>`) can end the block
 * or start a comment; JSON.parse of the text gives back the same value.
 */
export function jsonForScript(value: unknown, replacer?: (key: string, value: unknown) => unknown): string {
  const text = JSON.stringify(value, replacer as (this: unknown, key: string, value: unknown) => unknown) ?? "null";
  return text.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** Text for HTML element content and double-quoted attributes. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

export interface PageParts {
  title: string;
  dataId: string;
  data: string;
  scripts: string[];
}

/** The one HTML shell both report.html and comparison pages use. */
export function htmlPage(p: PageParts): string {
  const csp = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; font-src data:";
  return [
    "<!doctype html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<meta http-equiv="Content-Security-Policy" content="${csp}">`,
    '<meta name="generator" content="slotproof">',
    `<title>${escapeHtml(p.title)}</title>`,
    `<style>${assets.uplotCss()}</style>`,
    `<style>${assets.css()}</style>`,
    "</head>",
    "<body>",
    '<noscript><p class="noscript">This report draws its charts with JavaScript. The same data is in result.json beside this file.</p></noscript>',
    '<div id="app"></div>',
    `<script type="application/json" id="${p.dataId}">${p.data}</script>`,
    `<script>${assets.uplotJs()}</script>`,
    `<script>${assets.common()}</script>`,
    ...p.scripts.map((s) => `<script>${s}</script>`),
    "</body>",
    "</html>",
    "",
  ].join("\n");
}
