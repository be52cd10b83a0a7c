// Checking many keys on worker threads. Keys are independent (P-compositionality),
// so batches of keys go to whichever worker is free, biggest keys first. A worker
// that dies or never answers turns its batch into `unknown` keys, never `ok`; if no
// worker can start at all, the remaining keys are checked in-process.
import { Worker } from "node:worker_threads";
import { checkKeys, type KeyJob, type KeyLimits, type KeyResult } from "./key-check.ts";
import type { ModelSpec } from "./models.ts";
import { packJobs } from "./packed.ts";
import type { UnknownKey } from "./types.ts";
import type { BatchReply, BatchRequest } from "./worker.ts";

/** Extra time a worker gets past the overall deadline to report before it is stopped. */
const GRACE_MS = 10_000;

export async function checkKeysInWorkers(
  spec: ModelSpec,
  jobs: readonly KeyJob[],
  limits: KeyLimits,
  describeLeft: number,
  workerCount: number,
): Promise<{ results: KeyResult[]; workersUsed: number }> {
  const batches = makeBatches(jobs, workerCount);
  const results: KeyResult[][] = new Array(batches.length);
  const { signal, ...plainLimits } = limits;

  const unknownBatch = (b: number, reason: UnknownKey["reason"], message: string) => {
    results[b] = batches[b].map((job) => ({
      key: job.key, ops: job.ops.length, status: "unknown" as const,
      unknown: { key: job.key, ops: job.ops.length, reason, message },
    }));
  };

  const workers: Worker[] = [];
  let workersUsed = 0; // workers that answered at least one batch
  try {
    await new Promise<void>((resolve) => {
      let live = 0;
      let settled = false;
      const finish = () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        resolve();
      };
      const stopAll = (reason: UnknownKey["reason"], message: string) => {
        for (let b = 0; b < batches.length; b++) if (results[b] === undefined) unknownBatch(b, reason, message);
        finish();
      };
      const onAbort = () => stopAll("aborted", "the check was cancelled");
      signal?.addEventListener("abort", onAbort, { once: true });
      const timer = setTimeout(
        () => stopAll("overall-budget", "a worker did not report within the overall time budget (budgetMs)"),
        Math.max(0, limits.deadline - Date.now()) + GRACE_MS,
      );
      timer.unref?.();

      // Batches not yet handed out; a batch whose worker died before ever answering
      // (it could not even load) goes back here for another worker or this thread.
      const queue = batches.map((_, b) => b);
      const idle: Array<() => void> = [];
      const allDone = () => {
        for (let b = 0; b < batches.length; b++) if (results[b] === undefined) return false;
        return true;
      };

      const spawn = () => {
        const w = new Worker(new URL("./worker.mjs", import.meta.url), { execArgv: [] });
        workers.push(w);
        live++;
        let current = -1;
        let answered = false;
        const dispatch = () => {
          const b = queue.shift();
          if (b === undefined) {
            current = -1;
            if (allDone()) finish();
            else idle.push(dispatch);
            return;
          }
          current = b;
          const { packed, transfer } = packJobs(batches[b]);
          const req: BatchRequest = { batch: b, model: spec.name, jobs: packed, limits: plainLimits, describeLeft };
          w.postMessage(req, transfer);
        };
        w.on("message", (msg: BatchReply | { ready: true }) => {
          if ("ready" in msg || settled) return;
          if (!answered) workersUsed++;
          answered = true;
          if ("error" in msg) unknownBatch(msg.batch, "error", `worker failed: ${msg.error}`);
          else {
            results[msg.batch] = msg.results;
            for (const r of msg.results) if (r.status === "illegal" && r.violation) describeLeft--;
          }
          dispatch();
        });
        w.on("error", (err) => {
          if (current >= 0 && results[current] === undefined) {
            if (answered) unknownBatch(current, "error", `worker crashed: ${err.message}`);
            else {
              queue.unshift(current);
              idle.shift()?.();
            }
          }
          current = -1;
        });
        w.on("exit", () => {
          live--;
          if (settled || live > 0) return;
          // No worker left (e.g. none could load): check the rest in this thread.
          for (let b = 0; b < batches.length; b++) {
            if (results[b] === undefined) results[b] = checkKeys(spec, batches[b], limits, describeLeft);
          }
          finish();
        });
        dispatch();
      };
      for (let i = 0; i < Math.min(workerCount, batches.length); i++) spawn();
      if (batches.length === 0) finish();
    });
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return { results: results.flat(), workersUsed };
}

/** Batches of keys, biggest keys first, each about 1/16 of a worker's share. */
function makeBatches(jobs: readonly KeyJob[], workerCount: number): KeyJob[][] {
  let total = 0;
  for (const job of jobs) total += job.ops.length;
  const target = Math.max(5_000, Math.ceil(total / (workerCount * 16)));
  const sorted = [...jobs].sort((a, b) => b.ops.length - a.ops.length);
  const batches: KeyJob[][] = [];
  let batch: KeyJob[] = [];
  let size = 0;
  for (const job of sorted) {
    batch.push(job);
    size += job.ops.length;
    if (size >= target) {
      batches.push(batch);
      batch = [];
      size = 0;
    }
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}
