// result.json: writing it atomically, and loading a saved run directory back.
import { createReadStream, existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { createGunzip } from "node:zlib";
import { UsageError } from "../../harness/errors.ts";
import type { HistoryEvent } from "../../workloads/history-types.ts";
import { SCHEMA_VERSION, type RunResult } from "../model.ts";
import { writeFileAtomic } from "./atomic.ts";

export const RESULT_FILE = "result.json";
/** where the JSON Schema of result.json lives (for tools and tests) */
export const RESULT_SCHEMA_PATH = fileURLToPath(new URL("../result.schema.json", import.meta.url));

const VERDICTS = new Set(["pass", "fail", "unknown", "error"]);

/**
 * JSON.stringify replacer that keeps a record serialisable: bigint becomes a number when
 * exact (else a string), non-finite numbers (an info op's `ret: Infinity`) become null.
 */
export function jsonSafe(_key: string, value: unknown): unknown {
  if (typeof value === "bigint") {
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(value)
      : value.toString();
  }
  if (typeof value === "number" && !Number.isFinite(value)) return null;
  return value;
}

/**
 * Serialises a run record: readable at the top, one line per element for the long arrays
 * (windows, events, progress) so a 1-hour run stays a file people can open and grep.
 */
export function serialiseResult(result: RunResult): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(result)) {
    if (value === undefined) continue;
    let text: string;
    if (Array.isArray(value) && value.length > 0 && value.every((v) => v !== null && typeof v === "object")) {
      text = "[\n" + value.map((v) => "    " + JSON.stringify(v, jsonSafe)).join(",\n") + "\n  ]";
    } else {
      text = (JSON.stringify(value, jsonSafe, 2) ?? "null").replace(/\n/g, "\n  ");
    }
    parts.push(`  ${JSON.stringify(key)}: ${text}`);
  }
  return "{\n" + parts.join(",\n") + "\n}\n";
}

/** Writes DIR/result.json atomically; returns its path. */
export async function writeResultJson(result: RunResult, dir: string): Promise<string> {
  const file = join(dir, RESULT_FILE);
  await writeFileAtomic(file, serialiseResult(result));
  return file;
}

export interface RunDir {
  dir: string;
  result: RunResult;
  /** the per-op history, when the run directory holds one */
  history?: HistoryEvent[];
  historyFile?: string;
}

/**
 * Loads a saved run directory: result.json (required) and the history (NDJSON, optionally
 * gzipped) when present. Throws UsageError when DIR is not a run directory.
 */
export async function readRunDir(dir: string): Promise<RunDir> {
  const file = join(dir, RESULT_FILE);
  if (!existsSync(file)) {
    throw new UsageError(`not a run directory: ${file} does not exist (expected the output of \`slotproof run --out ${dir}\`)`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, "utf8"));
  } catch (e) {
    throw new UsageError(`${file} is not valid JSON: ${(e as Error).message}`);
  }
  const result = checkRunResultShape(parsed, file);
  const historyFile = findHistoryFile(dir, result);
  const out: RunDir = { dir, result };
  if (historyFile) {
    out.historyFile = historyFile;
    out.history = await readHistory(historyFile);
  }
  return out;
}

/** The minimum a renderer relies on; the full contract is results/result.schema.json. */
function checkRunResultShape(value: unknown, file: string): RunResult {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new UsageError(`${file}: top level must be an object, got ${Array.isArray(value) ? "array" : typeof value}`);
  }
  const r = value as Record<string, unknown>;
  if (r.schemaVersion !== SCHEMA_VERSION) {
    throw new UsageError(`${file}: schemaVersion ${JSON.stringify(r.schemaVersion)} is not supported (this slotproof reads ${SCHEMA_VERSION})`);
  }
  if (typeof r.verdict !== "string" || !VERDICTS.has(r.verdict)) {
    throw new UsageError(`${file}: verdict ${JSON.stringify(r.verdict)} is not one of pass, fail, unknown, error`);
  }
  for (const field of ["checks", "migration", "environment", "scenario"] as const) {
    if (r[field] === null || typeof r[field] !== "object") throw new UsageError(`${file}: field "${field}" is missing or not an object`);
  }
  for (const field of ["windows", "phases", "migrationEvents", "faults", "gates", "progress"] as const) {
    if (!Array.isArray(r[field])) throw new UsageError(`${file}: field "${field}" is missing or not an array`);
  }
  return value as RunResult;
}

function findHistoryFile(dir: string, result: RunResult): string | undefined {
  const candidates: string[] = [];
  for (const [name, rel] of Object.entries(result.files ?? {})) {
    if (typeof rel === "string" && /history/i.test(name + rel)) candidates.push(rel);
  }
  candidates.push("history.ndjson", "history.ndjson.gz", "history.jsonl", "history.jsonl.gz");
  for (const rel of candidates) {
    const path = join(dir, rel);
    if (existsSync(path)) return path;
  }
  return undefined;
}

/** Streams an NDJSON history (gzip when the name ends in .gz). */
export async function readHistory(file: string): Promise<HistoryEvent[]> {
  const raw = createReadStream(file);
  const input = file.endsWith(".gz") ? raw.pipe(createGunzip()) : raw;
  const lines = createInterface({ input, crlfDelay: Infinity });
  const events: HistoryEvent[] = [];
  let n = 0;
  try {
    for await (const line of lines) {
      n++;
      if (line.trim() === "") continue;
      try {
        events.push(JSON.parse(line) as HistoryEvent);
      } catch (e) {
        throw new UsageError(`${file}:${n}: not a JSON history line (${(e as Error).message})`);
      }
    }
  } finally {
    lines.close();
    raw.destroy();
  }
  return events;
}
