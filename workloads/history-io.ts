// Histories on disk: NDJSON, one HistoryEvent per line, optionally gzip (by file name
// ".gz" or option). Reading detects gzip by its magic bytes, whatever the name.
import { createReadStream, createWriteStream } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { createGunzip, createGzip, gunzipSync, gzipSync } from "node:zlib";
import { once } from "node:events";
import { createInterface } from "node:readline";
import type { Writable } from "node:stream";
import { HarnessError } from "../harness/errors.ts";
import type { HistoryEvent } from "./history-types.ts";

const TYPES = new Set(["invoke", "ok", "fail", "info"]);

export function historyToNdjson(events: readonly HistoryEvent[]): string {
  let s = "";
  for (const e of events) s += JSON.stringify(e) + "\n";
  return s;
}

function parseLine(line: string, where: string): HistoryEvent {
  let e: unknown;
  try {
    e = JSON.parse(line);
  } catch (err) {
    throw new HarnessError(`${where}: not JSON (${(err as Error).message})`);
  }
  const ev = e as HistoryEvent;
  if (typeof ev !== "object" || ev === null || typeof ev.p !== "number" || !TYPES.has(ev.type) || typeof ev.t !== "number" || typeof ev.key !== "string") {
    throw new HarnessError(`${where}: not a history event (need p, type, f, key, t): ${line.slice(0, 200)}`);
  }
  return ev;
}

export function parseNdjson(text: string, source = "history"): HistoryEvent[] {
  const out: HistoryEvent[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line !== "") out.push(parseLine(line, `${source}:${i + 1}`));
  }
  return out;
}

/** Writes a whole history; gzip when `gzip` is true or the path ends with ".gz". */
export async function writeHistory(path: string, events: readonly HistoryEvent[], opts: { gzip?: boolean } = {}): Promise<void> {
  const text = historyToNdjson(events);
  const gz = opts.gzip ?? path.endsWith(".gz");
  await writeFile(path, gz ? gzipSync(text) : text);
}

/** Reads a history written by writeHistory / HistoryWriter (plain or gzip). */
export async function readHistory(path: string): Promise<HistoryEvent[]> {
  const raw = await readFile(path);
  const gz = raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b;
  return parseNdjson((gz ? gunzipSync(raw) : raw).toString("utf8"), path);
}

/** Streams events one by one (large histories). */
export async function* streamHistory(path: string): AsyncGenerator<HistoryEvent> {
  const head = await readFile(path).then((b) => b.subarray(0, 2));
  const file = createReadStream(path);
  const input = head[0] === 0x1f && head[1] === 0x8b ? file.pipe(createGunzip()) : file;
  const rl = createInterface({ input, crlfDelay: Infinity });
  let n = 0;
  for await (const line of rl) {
    n++;
    if (line.trim() !== "") yield parseLine(line, `${path}:${n}`);
  }
}

/** Appends events as they arrive (the run directory keeps a history even if the run dies). */
export class HistoryWriter {
  private readonly out: Writable;
  private readonly file: ReturnType<typeof createWriteStream>;

  constructor(path: string, opts: { gzip?: boolean } = {}) {
    this.file = createWriteStream(path);
    if (opts.gzip ?? path.endsWith(".gz")) {
      const gz = createGzip();
      gz.pipe(this.file);
      this.out = gz;
    } else this.out = this.file;
  }

  write(events: readonly HistoryEvent[]): void {
    if (events.length > 0) this.out.write(historyToNdjson(events));
  }

  async close(): Promise<void> {
    this.out.end();
    if (!this.file.closed) await once(this.file, "close");
  }
}

/** Stable merge of per-thread histories into one time-ordered history. */
export function mergeByTime(events: HistoryEvent[]): HistoryEvent[] {
  return events.map((e, i) => [e, i] as const).sort((a, b) => a[0].t - b[0].t || a[1] - b[1]).map(([e]) => e);
}
