// The output registry: every file a run directory gets, written from one RunResult.
import { mkdir } from "node:fs/promises";
import { HarnessError } from "../../harness/errors.ts";
import type { RunResult } from "../model.ts";
import { consoleSummary } from "./console.ts";
import { REPORT_FILE, writeReportHtml } from "./html.ts";
import { readRunDir, RESULT_FILE, writeResultJson } from "./json.ts";
import { JUNIT_FILE, writeJunit } from "./junit.ts";
import { SUMMARY_FILE, writeMarkdown } from "./markdown.ts";

export interface Output {
  /** key in RunResult.files and in the returned file map */
  readonly name: string;
  /** file name in the run directory */
  readonly file: string;
  /** writes the output atomically; returns its path */
  write(result: RunResult, dir: string): Promise<string>;
}

export const outputs: readonly Output[] = [
  { name: "result", file: RESULT_FILE, write: writeResultJson },
  { name: "report", file: REPORT_FILE, write: writeReportHtml },
  { name: "junit", file: JUNIT_FILE, write: writeJunit },
  { name: "summary", file: SUMMARY_FILE, write: writeMarkdown },
];

/** Some outputs could not be written; the others were. */
export class OutputError extends HarnessError {
  readonly failures: Record<string, Error>;
  /** the outputs that were written */
  readonly files: Record<string, string>;
  constructor(failures: Record<string, Error>, files: Record<string, string>) {
    super(`could not write ${Object.entries(failures).map(([n, e]) => `${n} (${e.message})`).join(", ")}`);
    this.failures = failures;
    this.files = files;
  }
}

async function writeEach(result: RunResult, dir: string, which: readonly Output[]): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  const failures: Record<string, Error> = {};
  for (const o of which) {
    try {
      files[o.name] = await o.write(result, dir);
    } catch (e) {
      failures[o.name] = e instanceof Error ? e : new Error(String(e));
    }
  }
  if (Object.keys(failures).length > 0) throw new OutputError(failures, files);
  return files;
}

/**
 * Writes result.json, report.html, junit.xml and summary.md into DIR (created if missing).
 * Records the output files in `result.files`. Every output is attempted even when one
 * fails; then OutputError says which. Returns name -> absolute path.
 */
export async function writeAllOutputs(result: RunResult, dir: string): Promise<Record<string, string>> {
  await mkdir(dir, { recursive: true });
  const withFiles: RunResult = { ...result, files: { ...result.files, ...Object.fromEntries(outputs.map((o) => [o.name, o.file])) } };
  return writeEach(withFiles, dir, outputs);
}

/**
 * `slotproof report DIR`: renders report.html, junit.xml and summary.md again from
 * DIR/result.json (left untouched). Returns name -> path, plus the console summary lines.
 */
export async function rerender(dir: string): Promise<{ files: Record<string, string>; summary: string[] }> {
  const { result } = await readRunDir(dir);
  const files = await writeEach(result, dir, outputs.filter((o) => o.name !== "result"));
  return { files: { result: `${dir.replace(/\/$/, "")}/${RESULT_FILE}`, ...files }, summary: consoleSummary(result, { dir }) };
}

export { consoleSummary, readRunDir };
