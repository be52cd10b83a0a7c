// Benchmark of the linearizability checker: every history of Porcupine's
// conformance corpus (verdicts must agree), then a large generated linearizable
// register history (~1M ops over 10k keys, 16 clients).
// Run: npm run bench:check   Ends with plain `name: value` lines.
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { checkOperations } from "../linearizability/check.ts";
import { linearizable } from "../linearizability/index.ts";
import { historyToOperations } from "../linearizability/operations.ts";
import { parseCorpusFile } from "../linearizability/porcupine-formats.ts";
import { simulateHistory } from "../linearizability/simulate.ts";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const corpus = path.resolve(repoRoot, "../shared/conformance/porcupine");
const LARGE = { ops: 1_000_000, keys: 10_000, clients: 16 };

const rows: string[][] = [["history", "model", "ops", "expected", "got", "ms"]];
const ms = (t0: number) => performance.now() - t0;

// ---- corpus
const expected = JSON.parse(readFileSync(path.join(corpus, "expected.json"), "utf8")) as Record<string, boolean>;
const parsed = Object.entries(expected).map(([file, verdict]) => ({ file, verdict, ...parseCorpusFile(file, readFileSync(path.join(corpus, file), "utf8")) }));
let agree = 0;
let corpusMs = 0;
for (const h of parsed) {
  const t0 = performance.now();
  const ops = historyToOperations(h.events);
  const r = await checkOperations(h.model, ops, { initial: () => h.initial, workers: 0 });
  const took = ms(t0);
  corpusMs += took;
  if (r.valid === h.verdict) agree++;
  rows.push([h.file, h.model, String(ops.length), String(h.verdict), String(r.valid), took.toFixed(1)]);
}

// ---- large generated history
let t0 = performance.now();
const events = simulateHistory({ model: "register", ...LARGE, seed: 42, infoRate: 0.001, failRate: 0.001, hotKeys: 32, latency: 1000, gap: 300 });
const genMs = ms(t0);
const runs: Array<{ label: string; workers: number | "auto" }> = [
  { label: "large (in-process)", workers: 0 },
  { label: "large (workers: auto)", workers: "auto" },
];
let defaultSecs = NaN;
for (const run of runs) {
  t0 = performance.now();
  const r = await linearizable.check({ history: events, model: "register", params: { workers: run.workers } });
  const took = ms(t0);
  if (r.valid !== true) throw new Error(`the generated history must be linearizable, got ${r.valid}: ${r.summary}`);
  if (run.workers === "auto") defaultSecs = took / 1000;
  rows.push([`${run.label}, ${r.workers} workers`, "register", String(r.opsChecked), "true", String(r.valid), took.toFixed(1)]);
}

const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
for (const row of rows) console.log(row.map((cell, c) => (c >= 2 ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join("  "));
console.log(`(large history: ${events.length} events over ${LARGE.keys} keys from ${LARGE.clients} clients, generated in ${(genMs / 1000).toFixed(1)} s; times include pairing events into ops)`);
console.log(`corpus_histories: ${parsed.length}`);
console.log(`corpus_agree: ${agree}`);
console.log(`corpus_seconds: ${(corpusMs / 1000).toFixed(3)}`);
console.log(`large_ops_per_second: ${Math.round(LARGE.ops / defaultSecs)}`);
