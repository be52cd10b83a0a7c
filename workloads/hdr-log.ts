// HdrHistogram interval log (format 1.3, the one HdrHistogram's HistogramLogProcessor,
// HdrHistogramVisualizer and hdr-histogram-js's HistogramLogReader read). Values are
// microseconds; the Interval_Max column is in milliseconds (max / 1000).
import { createWriteStream, type WriteStream } from "node:fs";
import { once } from "node:events";
import { encodeIntoCompressedBase64, type Histogram } from "hdr-histogram-js";

function fmt(x: number): string {
  return x.toFixed(3);
}

/** Header lines of a log whose timestamps are seconds since `startEpochMs`. */
export function intervalLogHeader(startEpochMs: number, comment = "slotproof latency, microseconds"): string {
  const secs = (startEpochMs / 1000).toFixed(3);
  return [
    `#${comment}`,
    "#[Histogram log format version 1.3]",
    `#[StartTime: ${secs} (seconds since epoch), ${new Date(startEpochMs).toISOString()}]`,
    `#[BaseTime: ${secs} (seconds since epoch)]`,
    '"StartTimestamp","Interval_Length","Interval_Max","Interval_Compressed_Histogram"',
    "",
  ].join("\n");
}

/** One interval line; `tag` is omitted for the default (untagged) series. */
export function intervalLogLine(startSec: number, lengthSec: number, h: Histogram | string, maxUs: number, tag?: string): string {
  const enc = typeof h === "string" ? h : encodeIntoCompressedBase64(h);
  const body = `${fmt(startSec)},${fmt(lengthSec)},${fmt(maxUs / 1000)},${enc}\n`;
  return tag ? `Tag=${tag},${body}` : body;
}

/** Streams interval lines to a file as windows complete. */
export class IntervalLogWriter {
  private readonly out: WriteStream;

  constructor(path: string, startEpochMs: number) {
    this.out = createWriteStream(path);
    this.out.write(intervalLogHeader(startEpochMs));
  }

  /** `startMs`, `durationMs`: the window on the run clock; histograms by tag (`latency` is written untagged) */
  window(startMs: number, durationMs: number, hists: Map<string, Histogram | { toHdr(): Histogram }>): void {
    for (const [name, x] of hists) {
      const h = "toHdr" in x ? x.toHdr() : x;
      if (h.totalCount > 0) this.out.write(intervalLogLine(startMs / 1000, durationMs / 1000, h, h.maxValue, name === "latency" ? undefined : name));
    }
  }

  async close(): Promise<void> {
    this.out.end();
    if (!this.out.closed) await once(this.out, "close");
  }
}
