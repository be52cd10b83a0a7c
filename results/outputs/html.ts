// report.html: one self-contained, offline page (inline uPlot, script, style and data).
import { join } from "node:path";
import type { RunResult } from "../model.ts";
import { writeFileAtomic } from "./atomic.ts";
import { assets, htmlPage, jsonForScript } from "./assets.ts";
import { jsonSafe } from "./json.ts";
import { buildReportModel } from "./report-model.ts";

export const REPORT_FILE = "report.html";

export function renderReportHtml(result: RunResult, now = new Date()): string {
  const model = buildReportModel(result, now);
  return htmlPage({
    title: `${result.verdict.toUpperCase()} · ${result.scenario.name} · slotproof`,
    dataId: "slotproof-data",
    data: jsonForScript(model, jsonSafe),
    scripts: [assets.reportJs()],
  });
}

export async function writeReportHtml(result: RunResult, dir: string): Promise<string> {
  const file = join(dir, REPORT_FILE);
  await writeFileAtomic(file, renderReportHtml(result));
  return file;
}
