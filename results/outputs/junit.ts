// junit.xml: one testsuite; one testcase per check and per gate, so CI test tabs show what failed.
// check/gate false -> <failure>; unknown -> <error type="unknown"> (not proved either way);
// a run that died (verdict error) adds a "run" testcase with <error>.
import { join } from "node:path";
import { describeCheck } from "../figures.ts";
import type { RunResult } from "../model.ts";
import { writeFileAtomic } from "./atomic.ts";
import { consoleSummary } from "./console.ts";
import { escapeXml } from "./text.ts";

export const JUNIT_FILE = "junit.xml";

interface Case { classname: string; name: string; outcome: "pass" | "failure" | "error"; type?: string; message?: string; text?: string }

const attr = (s: string) => escapeXml(s, true);
const firstLine = (s: string) => (s.split("\n")[0] ?? "").slice(0, 500);

export function renderJunit(result: RunResult): string {
  const cases: Case[] = [];
  if (result.verdict === "error") {
    const why = result.reason ?? "the run failed before it could be checked";
    cases.push({ classname: "slotproof.run", name: "run", outcome: "error", type: "harness-error", message: firstLine(why), text: `${why}\nThe run directory holds the logs; exit code 4.` });
  }
  for (const [name, check] of Object.entries(result.checks)) {
    const lines = describeCheck(check, 20);
    const where = `\nDetails: report.html, section Checks → ${name}`;
    if (check.valid === true) cases.push({ classname: "slotproof.checks", name, outcome: "pass" });
    else if (check.valid === false) cases.push({ classname: "slotproof.checks", name, outcome: "failure", type: "check-failed", message: firstLine(check.summary), text: lines.join("\n") + where });
    else cases.push({ classname: "slotproof.checks", name, outcome: "error", type: "unknown", message: `unknown: ${firstLine(check.summary)}`, text: `The checker could not decide (neither proved nor refuted).\n${lines.join("\n")}${where}` });
  }
  for (const gate of result.gates) {
    const actual = gate.actual !== undefined ? ` (actual: ${String(gate.actual)})` : "";
    if (gate.passed === true) cases.push({ classname: "slotproof.gates", name: gate.expr, outcome: "pass" });
    else if (gate.passed === false) cases.push({ classname: "slotproof.gates", name: gate.expr, outcome: "failure", type: "gate-failed", message: firstLine(gate.message), text: `gate ${gate.expr} failed: ${gate.message}${actual}\nDetails: report.html, verdict banner → Gates` });
    else cases.push({ classname: "slotproof.gates", name: gate.expr, outcome: "error", type: "unknown", message: `unknown: ${firstLine(gate.message)}`, text: `gate ${gate.expr} could not be evaluated: ${gate.message}${actual}` });
  }
  const failures = cases.filter((c) => c.outcome === "failure").length;
  const errors = cases.filter((c) => c.outcome === "error").length;
  const seconds = (result.durationMs / 1000).toFixed(3);
  const suiteName = `slotproof: ${result.scenario.name}`;
  const props: Array<[string, string]> = [
    ["verdict", result.verdict],
    ["scenario", result.scenario.name],
    ["seed", String(result.scenario.seed)],
    ["strategy", result.migration.strategy],
    ["server", `${result.environment.server} ${result.environment.serverVersion}`],
    ["harness", result.environment.harnessVersion],
  ];
  const out: string[] = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="slotproof" tests="${cases.length}" failures="${failures}" errors="${errors}" skipped="0" time="${seconds}">`,
    `  <testsuite name="${attr(suiteName)}" tests="${cases.length}" failures="${failures}" errors="${errors}" skipped="0" time="${seconds}" timestamp="${attr(result.startedAt.replace(/Z$/, ""))}">`,
    "    <properties>",
    ...props.map(([k, v]) => `      <property name="${attr(k)}" value="${attr(v)}"/>`),
    "    </properties>",
  ];
  for (const c of cases) {
    const open = `    <testcase classname="${attr(c.classname)}" name="${attr(c.name)}" time="0"`;
    if (c.outcome === "pass") { out.push(`${open}/>`); continue; }
    const tag = c.outcome;
    out.push(`${open}>`);
    out.push(`      <${tag} type="${attr(c.type ?? tag)}" message="${attr(c.message ?? "")}">${escapeXml(c.text ?? "")}</${tag}>`);
    out.push("    </testcase>");
  }
  out.push(`    <system-out>${escapeXml(consoleSummary(result).join("\n"))}</system-out>`);
  out.push("  </testsuite>", "</testsuites>", "");
  return out.join("\n");
}

export async function writeJunit(result: RunResult, dir: string): Promise<string> {
  const file = join(dir, JUNIT_FILE);
  await writeFileAtomic(file, renderJunit(result));
  return file;
}
