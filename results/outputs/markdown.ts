// summary.md: a verdict table and key figures for $GITHUB_STEP_SUMMARY and PR comments.
import { join } from "node:path";
import { fmt, keyFigures } from "../derive.ts";
import { describeCheck } from "../figures.ts";
import type { RunResult, Verdict } from "../model.ts";
import { writeFileAtomic } from "./atomic.ts";
import { keysRateText, latencyText, pacingColumns, pacingSummary } from "./report-model.ts";
import { escapeMarkdown as md } from "./text.ts";

export const SUMMARY_FILE = "summary.md";

const ICON: Record<Verdict, string> = { pass: "✅", fail: "❌", unknown: "⚠️", error: "🛑" };
const cell = (v: boolean | "unknown") => (v === true ? "✅ pass" : v === false ? "❌ fail" : "⚠️ unknown");

export function renderMarkdown(r: RunResult): string {
  const f = keyFigures(r);
  const out: string[] = [];
  out.push(`### ${ICON[r.verdict]} slotproof: ${r.verdict.toUpperCase()} — ${md(r.scenario.name)}`, "");
  if (r.reason) out.push(`> ${md(r.reason)}`, "");

  out.push("| Result | Kind | Name | Detail |", "| --- | --- | --- | --- |");
  for (const [name, c] of Object.entries(r.checks)) out.push(`| ${cell(c.valid)} | check | ${md(name)} | ${md(c.summary)} |`);
  for (const g of r.gates) {
    const actual = g.actual !== undefined ? ` (actual ${String(g.actual)})` : "";
    out.push(`| ${cell(g.passed)} | gate | ${md(g.expr)} | ${md(g.message + actual)} |`);
  }
  if (Object.keys(r.checks).length === 0 && r.gates.length === 0) out.push(`| ${ICON[r.verdict]} ${r.verdict} | run | run | ${md(r.reason ?? "no checks ran")} |`);
  out.push("");

  const m = r.migration;
  const rows: Array<[string, string]> = [];
  if (r.windows.length > 0 || r.workload) {
    rows.push(["Throughput", `${fmt.int(f.opsPerSec)} ops/s (${fmt.int(f.ops)} ops in ${fmt.ms(r.durationMs)})`]);
    rows.push(["p99 baseline → worst", `${fmt.us(f.baselineP99Us)} → ${fmt.us(f.worstP99Us)} (${fmt.ratio(f.worstP99Ratio)})`]);
    rows.push(["Spike time", `${fmt.ms(f.spikeMs)} in ${f.spikes.length} spike${f.spikes.length === 1 ? "" : "s"} (${f.spikesFrom === "checker" ? "latency check" : "p99 > 3× baseline"})`]);
    rows.push(["Redirects", `${fmt.int(f.redirects.total)} (MOVED ${fmt.int(f.redirects.MOVED)} · ASK ${fmt.int(f.redirects.ASK)} · TRYAGAIN ${fmt.int(f.redirects.TRYAGAIN)})`]);
    const errs = Object.entries(f.errors).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${fmt.int(n)}`).join(" · ");
    rows.push(["Errors", `${fmt.int(f.errorsTotal)}${errs ? ` (${errs})` : ""}`]);
  }
  rows.push(["Migration", m.outcome === "not-run" ? `${m.strategy}: not run` : `${m.strategy} ${m.outcome}: ${fmt.int(m.slotsMoved)} of ${fmt.int(m.slotsPlanned)} slots, ${fmt.int(m.keysMoved)} keys in ${fmt.ms(f.migrationMs)}${f.keysPerSec !== undefined ? ` (${fmt.int(f.keysPerSec)} keys/s)` : ""}`]);
  const pacing = pacingColumns(r.migrationEvents);
  if (pacing) {
    const p = pacingSummary(pacing);
    const n = (k: number, word: string) => `${fmt.int(k)} ${word}${k === 1 ? "" : "s"}`;
    rows.push(["Adaptive pacing", `${n(p.decisions, "decision")} (${n(p.decreases, "decrease")}, ${n(p.increases, "increase")}, ${n(p.holds, "hold")}); limit ${keysRateText(p.startKeysPerSec)} → ${keysRateText(p.finalKeysPerSec)} keys/s${p.budgetUs !== null ? `; p99 budget ${latencyText(p.budgetUs)}` : ""}`]);
  }
  if (r.faults.length > 0) rows.push(["Faults", r.faults.map((x) => `${x.kind}${x.target ? ` ${x.target}` : ""} at ${fmt.ms(x.startMs)}${x.endMs !== undefined ? ` for ${fmt.ms(x.endMs - x.startMs)}` : ""}`).join("; ")]);
  const e = r.environment;
  rows.push(["Environment", `${e.server} ${e.serverVersion}, ${e.primaries} primaries × ${e.replicasPerPrimary} replica(s), ${e.provider}; ${e.cpus} CPUs, ${e.memoryGiB} GiB${f.noiseP99Us !== undefined ? `; noise floor p99 ${fmt.us(f.noiseP99Us)}` : ""}`]);
  out.push("| Figure | Value |", "| --- | --- |", ...rows.map(([k, v]) => `| ${k} | ${md(v)} |`), "");

  const failing = Object.entries(r.checks).filter(([, c]) => c.valid !== true);
  if (failing.length > 0) {
    out.push("<details><summary>What failed, and where</summary>", "");
    for (const [name, c] of failing) {
      out.push(`**${md(name)}** (${c.valid === false ? "fail" : "unknown"})`, "");
      for (const line of describeCheck(c, 8)) out.push(`- ${md(line)}`);
      out.push("");
    }
    out.push("</details>", "");
  }
  out.push(`<sub>slotproof ${md(e.harnessVersion)} · full report: report.html in the run directory (CI artifact)</sub>`, "");
  return out.join("\n");
}

export async function writeMarkdown(result: RunResult, dir: string): Promise<string> {
  const file = join(dir, SUMMARY_FILE);
  await writeFileAtomic(file, renderMarkdown(result));
  return file;
}
