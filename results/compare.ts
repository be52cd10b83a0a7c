// `slotproof compare DIR...`: one self-contained HTML page with runs side by side: a table of
// headline figures and verdicts, and p99 / throughput overlaid, aligned at migration start.
import { basename, resolve } from "node:path";
import { UsageError } from "../harness/errors.ts";
import { keyFigures, migrationSpan } from "./derive.ts";
import type { RunResult, Verdict } from "./model.ts";
import { writeFileAtomic } from "./outputs/atomic.ts";
import { assets, htmlPage, jsonForScript } from "./outputs/assets.ts";
import { jsonSafe, readRunDir } from "./outputs/json.ts";

export interface CompareRun {
  label: string;
  dir: string;
  scenario: string;
  strategy: string;
  server: string;
  verdict: Verdict;
  checks: Array<{ name: string; valid: boolean | "unknown" }>;
  gates: { passed: number; failed: number; unknown: number };
  migrationOutcome: string;
  /** migration duration, ms */
  durationMs?: number;
  keysPerSec?: number;
  worstP99Ratio?: number;
  worstP99Us?: number;
  baselineP99Us?: number;
  spikeMs: number;
  redirects: number;
  errors: number;
  opsPerSec: number;
  /** where the timeline is aligned: migration start, or run start when there was no migration */
  alignedAt: "migration" | "run";
  alignMs: number;
  migrationEndS?: number;
  /** seconds relative to the alignment point */
  t: number[];
  p99Us: (number | null)[];
  opsPerSecSeries: number[];
}

export interface CompareData { v: 1; generatedAt: string; runs: CompareRun[] }

export function compareModel(runs: Array<{ dir: string; result: RunResult }>, now = new Date()): CompareData {
  const labels = new Map<string, number>();
  return {
    v: 1,
    generatedAt: now.toISOString(),
    runs: runs.map(({ dir, result: r }) => {
      const f = keyFigures(r);
      const span = migrationSpan(r);
      const alignMs = span?.startMs ?? 0;
      let label = basename(resolve(dir));
      const seen = labels.get(label) ?? 0;
      labels.set(label, seen + 1);
      if (seen > 0) label = `${label} (${seen + 1})`;
      const count = (v: boolean | "unknown") => r.gates.filter((g) => g.passed === v).length;
      return {
        label,
        dir,
        scenario: r.scenario.name,
        strategy: r.migration.strategy,
        server: `${r.environment.server} ${r.environment.serverVersion}`,
        verdict: r.verdict,
        checks: Object.entries(r.checks).map(([name, c]) => ({ name, valid: c.valid })),
        gates: { passed: count(true), failed: count(false), unknown: count("unknown") },
        migrationOutcome: r.migration.outcome,
        durationMs: f.migrationMs,
        keysPerSec: f.keysPerSec,
        worstP99Ratio: f.worstP99Ratio,
        worstP99Us: f.worstP99Us,
        baselineP99Us: f.baselineP99Us,
        spikeMs: f.spikeMs,
        redirects: f.redirects.total,
        errors: f.errorsTotal,
        opsPerSec: f.opsPerSec,
        alignedAt: span ? "migration" : "run",
        alignMs,
        migrationEndS: span ? (span.endMs - alignMs) / 1000 : undefined,
        t: r.windows.map((w) => Math.round(w.startMs + w.durationMs / 2 - alignMs) / 1000),
        p99Us: r.windows.map((w) => (w.latency.count > 0 ? Math.round(w.latency.p99) : null)),
        opsPerSecSeries: r.windows.map((w) => Math.round((w.ops * 10_000) / w.durationMs) / 10),
      };
    }),
  };
}

export function renderCompareHtml(runs: Array<{ dir: string; result: RunResult }>, now = new Date()): string {
  return htmlPage({
    title: `slotproof comparison · ${runs.length} runs`,
    dataId: "slotproof-compare",
    data: jsonForScript(compareModel(runs, now), jsonSafe),
    scripts: [assets.compareJs()],
  });
}

/** Reads each run directory and writes one comparison page to outFile; returns its path. */
export async function compareRuns(dirs: string[], outFile: string): Promise<string> {
  if (dirs.length === 0) throw new UsageError("compare needs at least one run directory (got none)");
  const runs = [];
  for (const dir of dirs) {
    const { result } = await readRunDir(dir);
    runs.push({ dir, result });
  }
  await writeFileAtomic(outFile, renderCompareHtml(runs));
  return outFile;
}
