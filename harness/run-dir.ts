// The run directory: where one run's record, history, logs and reports live.
import { copyFile, mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { createGzip } from "node:zlib";
import { createWriteStream } from "node:fs";
import { pipeline } from "node:stream/promises";
import { Readable } from "node:stream";

/** `runs/<scenario>-<timestamp>` under the current directory, unless `--out` names one. */
export function defaultRunDir(scenarioName: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, "").replace(/\..*$/, "").replace("T", "-");
  const safe = scenarioName.replace(/[^A-Za-z0-9._-]+/g, "_").slice(0, 60) || "run";
  return path.resolve("runs", `${safe}-${stamp}`);
}

export async function prepareRunDir(dir: string): Promise<string> {
  const abs = path.resolve(dir);
  await mkdir(path.join(abs, "logs"), { recursive: true });
  return abs;
}

export async function writeJson(dir: string, name: string, value: unknown): Promise<string> {
  await writeFile(path.join(dir, name), JSON.stringify(value, null, 2) + "\n");
  return name;
}

/** NDJSON, gzip-compressed, streamed so a long history never sits in one string. */
export async function writeNdjsonGz(dir: string, name: string, rows: Iterable<unknown>): Promise<string> {
  function* lines() {
    for (const r of rows) yield JSON.stringify(r) + "\n";
  }
  await pipeline(Readable.from(lines()), createGzip(), createWriteStream(path.join(dir, name)));
  return name;
}

export async function copyInto(dir: string, from: string, name: string): Promise<string | undefined> {
  try {
    await copyFile(from, path.join(dir, name));
    return name;
  } catch {
    return undefined;
  }
}
