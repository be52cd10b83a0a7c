// Parsers for the two log formats of Porcupine's test corpus
// (/work/shared/conformance/porcupine): Jepsen etcd register logs and EDN kv logs.
// Both become ordinary HistoryEvents; the line number is the time.
import { UsageError } from "../../harness/errors.ts";
import type { HistoryEvent, HistoryFn, HistoryModel, HistoryType } from "../../workloads/history-types.ts";

const ETCD_LINE = /^INFO\s+jepsen\.util\s+-\s+(\d+)\s+:(invoke|ok|fail|info)\s+:(read|write|cas)\s+(.*?)\s*$/;

function etcdValue(text: string, where: string): unknown {
  if (text === "nil") return null;
  if (/^-?\d+$/.test(text)) return Number(text);
  const pair = /^\[\s*(-?\d+)\s+(-?\d+)\s*\]$/.exec(text);
  if (pair) return [Number(pair[1]), Number(pair[2])];
  if (text.startsWith(":")) return undefined; // e.g. :timed-out on an info line
  throw new UsageError(`${where}: value ${JSON.stringify(text)} is not nil, an integer, [from to] or a :keyword`);
}

/**
 * A Jepsen etcd log: one register (key "r"), values are integers, `nil` = no value.
 * etcd answers a cas whose compare fails with `:fail`: that cas did happen and saw
 * another value, so it becomes an `ok` cas completion with value `false` (which the
 * register model reads as "compare failed"). Other `:fail` lines stay `fail`.
 */
export function parseJepsenEtcdLog(text: string, source = "etcd log"): HistoryEvent[] {
  const events: HistoryEvent[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === "") continue;
    const m = ETCD_LINE.exec(line);
    if (!m) throw new UsageError(`${source}:${i + 1}: not a jepsen.util op line: ${JSON.stringify(line.slice(0, 80))}`);
    let type = m[2] as HistoryType;
    const f = m[3] as HistoryFn;
    let value = etcdValue(m[4], `${source}:${i + 1}`);
    if (type === "fail" && f === "cas") {
      type = "ok";
      value = false;
    }
    events.push({ p: Number(m[1]), type, f, key: "r", value, t: i });
  }
  return events;
}

const KV_LINE = /^\{:process (\d+), :type :(invoke|ok|fail|info), :f :(get|put|append), :key "((?:[^"\\]|\\.)*)", :value (nil|"(?:[^"\\]|\\.)*")\}$/;
const KV_FN: Record<string, HistoryFn> = { get: "read", put: "write", append: "append" };

/** The kv logs' store answers a get of a missing key with "" (not nil): use this as every key's initial value. */
export const KV_LOG_INITIAL = "";

/** An EDN kv log: `:get`/`:put`/`:append` on string keys (kv-append model). */
export function parseKvEdnLog(text: string, source = "kv log"): HistoryEvent[] {
  const events: HistoryEvent[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === "") continue;
    const m = KV_LINE.exec(line);
    if (!m) throw new UsageError(`${source}:${i + 1}: not an EDN kv op line: ${JSON.stringify(line.slice(0, 80))}`);
    const value = m[5] === "nil" ? null : (JSON.parse(m[5]) as string);
    events.push({ p: Number(m[1]), type: m[2] as HistoryType, f: KV_FN[m[3]], key: JSON.parse(`"${m[4]}"`) as string, value, t: i });
  }
  return events;
}

export interface CorpusHistory {
  model: HistoryModel;
  events: HistoryEvent[];
  /** the value every key has before the history */
  initial: unknown;
}

/** Parses a corpus file by its path inside the corpus (`jepsen/…` or `kv/…`). */
export function parseCorpusFile(relPath: string, text: string): CorpusHistory {
  if (relPath.startsWith("jepsen/")) return { model: "register", events: parseJepsenEtcdLog(text, relPath), initial: null };
  if (relPath.startsWith("kv/")) return { model: "kv-append", events: parseKvEdnLog(text, relPath), initial: KV_LOG_INITIAL };
  throw new UsageError(`corpus file ${JSON.stringify(relPath)} is in neither jepsen/ nor kv/`);
}
