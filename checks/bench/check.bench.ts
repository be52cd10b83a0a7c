// Benchmark of the linearizability checker: every history of Porcupine's
// conformance corpus (verdicts must agree), then a large generated linearizable
// register history (~1M ops over 10k keys, 16 clients), then a hard one (16
// clients on each key in turn, write and cas heavy) where worker threads pay off.
// Each figure is the best of ROUNDS runs: other load on the machine only ever adds time.
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
const ROUNDS = 3;

const rows: string[][] = [["history", "model", "ops", "expected", "got", `ms (best of ${ROUNDS})`]];
const ms = (t0: number) => performance.now() - t0;

// ---- corpus
const expected = JSON.parse(readFileSync(path.join(corpus, "expected.json"), "utf8")) as Record<string, boolean>;
const parsed = Object.entries(expected).map(([file, verdict]) => ({ file, verdict, ...parseCorpusFile(file, readFileSync(path.join(corpus, file), "utf8")) }));
let agree = 0;
let corpusMs = 0;
for (const h of parsed) {
  let best = Infinity;
  let verdict: unknown;
  let ops = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const t0 = performance.now();
    const opList = historyToOperations(h.events);
    const r = await checkOperations(h.model, opList, { initial: () => h.initial, workers: 0 });
    best = Math.min(best, ms(t0));
    verdict = r.valid;
    ops = opList.length;
  }
  corpusMs += best;
  if (verdict === h.verdict) agree++;
  rows.push([h.file, h.model, String(ops), String(h.verdict), String(verdict), best.toFixed(1)]);
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
  let best = Infinity;
  let used = 0;
  let checked = 0;
  for (let round = 0; round < ROUNDS; round++) {
    t0 = performance.now();
    const r = await linearizable.check({ history: events, model: "register", params: { workers: run.workers } });
    best = Math.min(best, ms(t0));
    if (r.valid !== true) throw new Error(`the generated history must be linearizable, got ${r.valid}: ${r.summary}`);
    used = Math.max(used, r.workers as number);
    checked = r.opsChecked as number;
  }
  if (run.workers === "auto") defaultSecs = best / 1000;
  rows.push([`${run.label}, ${used} workers`, "register", String(checked), "true", "true", best.toFixed(1)]);
}

// ---- hard generated history: one run each, it is slow on purpose
const hard = simulateHistory({ model: "register", ops: 200_000, keys: 400, clients: 16, seed: 9, infoRate: 0.005, failRate: 0.01, hotKeys: 1, readRate: 0.3, casRate: 0.3 });
for (const workers of [0, 1, "auto"] as const) {
  t0 = performance.now();
  const r = await linearizable.check({ history: hard, model: "register", params: { workers, parallelMinOps: 0 } });
  const took = ms(t0);
  if (r.valid !== true) throw new Error(`the hard generated history must be linearizable, got ${r.valid}: ${r.summary}`);
  rows.push([`hard (workers: ${workers}), ${r.workers} workers`, "register", String(r.opsChecked), "true", "true", `${took.toFixed(1)} (1 run)`]);
}

const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
for (const row of rows) console.log(row.map((cell, c) => (c >= 2 ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join("  "));
console.log(`(large history: ${events.length} events over ${LARGE.keys} keys from ${LARGE.clients} clients, generated in ${(genMs / 1000).toFixed(1)} s; times include pairing events into ops)`);
console.log("(hard history: 200k ops over 400 keys, all 16 clients on one key at a time, 30% reads, 30% of the rest cas; \"auto\" starts workers after 2 s in-process)");
console.log(`corpus_histories: ${parsed.length}`);
console.log(`corpus_agree: ${agree}`);
console.log(`corpus_seconds: ${(corpusMs / 1000).toFixed(3)}`);
console.log(`large_ops_per_second: ${Math.round(LARGE.ops / defaultSecs)}`);
