// The plain-text final summary the CLI prints after a run (and `slotproof report` reprints).
// No colour codes: the CLI may add them; user strings are made terminal-safe here.
import { fmt, keyFigures } from "../derive.ts";
import type { RunResult } from "../model.ts";
import { sanitizeTerminal as t } from "./text.ts";

export interface ConsoleOptions {
  /** run directory, to point at report.html */
  dir?: string;
}

const WORD = { pass: "PASS", fail: "FAIL", unknown: "UNKNOWN", error: "ERROR" } as const;
const mark = (v: boolean | "unknown") => (v === true ? "PASS   " : v === false ? "FAIL   " : "UNKNOWN");

export function consoleSummary(r: RunResult, opts: ConsoleOptions = {}): string[] {
  const f = keyFigures(r);
  const lines: string[] = [];
  lines.push(`slotproof: ${WORD[r.verdict]}  ${t(r.scenario.name)} (seed ${r.scenario.seed})${r.reason ? ` — ${t(r.reason)}` : ""}`);
  const checks = Object.entries(r.checks);
  if (checks.length > 0) {
    lines.push("  checks:");
    const w = Math.min(28, Math.max(...checks.map(([n]) => t(n).length)));
    for (const [name, c] of checks) lines.push(`    ${mark(c.valid)}  ${t(name).padEnd(w)}  ${t(c.summary)}`);
  }
  if (r.gates.length > 0) {
    lines.push("  gates:");
    const w = Math.min(32, Math.max(...r.gates.map((g) => t(g.expr).length)));
    for (const g of r.gates) lines.push(`    ${mark(g.passed)}  ${t(g.expr).padEnd(w)}  ${t(g.message)}`);
  }
  const m = r.migration;
  if (m.outcome !== "not-run") {
    lines.push(`  migration: ${t(m.strategy)} ${m.outcome}, ${fmt.int(m.slotsMoved)}/${fmt.int(m.slotsPlanned)} slots, ${fmt.int(m.keysMoved)} keys in ${fmt.ms(f.migrationMs)}${f.keysPerSec !== undefined ? ` (${fmt.int(f.keysPerSec)} keys/s)` : ""}${m.error ? ` — ${t(m.error)}` : ""}`);
  } else {
    lines.push(`  migration: ${t(m.strategy)} not run${m.error ? ` — ${t(m.error)}` : ""}`);
  }
  if (r.windows.length > 0 || r.workload) {
    lines.push(`  load: ${fmt.int(f.opsPerSec)} ops/s, ${fmt.int(f.ops)} ops; p99 baseline ${fmt.us(f.baselineP99Us)}, worst ${fmt.us(f.worstP99Us)} (${fmt.ratio(f.worstP99Ratio)}); spike time ${fmt.ms(f.spikeMs)}`);
    const errs = Object.entries(f.errors).filter(([, n]) => n > 0).map(([k, n]) => `${fmt.int(n)} ${t(k)}`).join(", ");
    lines.push(`  errors: ${errs || "none"}; redirects: ${fmt.int(f.redirects.MOVED)} MOVED, ${fmt.int(f.redirects.ASK)} ASK, ${fmt.int(f.redirects.TRYAGAIN)} TRYAGAIN; late ${fmt.int(f.late)}, dropped ${fmt.int(f.dropped)}`);
  }
  if (r.faults.length > 0) {
    lines.push(`  faults: ${r.faults.map((x) => `${t(x.kind)}${x.target ? ` ${t(x.target)}` : ""} at ${fmt.ms(x.startMs)}${x.endMs !== undefined ? ` for ${fmt.ms(x.endMs - x.startMs)}` : ""}`).join("; ")}`);
  }
  if (f.noiseP99Us !== undefined) lines.push(`  noise floor: harness event-loop lag p99 ${fmt.us(f.noiseP99Us)}`);
  if (opts.dir) lines.push(`  report: ${t(opts.dir.replace(/\/$/, ""))}/report.html`);
  return lines;
}
