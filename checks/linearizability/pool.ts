// Checking many keys on worker threads. Keys are independent (P-compositionality).
// Work is shared from both ends of one queue ordered by size: this thread checks
// the small keys from the front (shipping a cheap key to a worker costs more than
// checking it), workers take batches of the biggest keys from the back. A worker
// that dies or never answers turns its keys `unknown` or back over to this thread,
// never `ok`.
import { setImmediate as yieldToEvents } from "node:timers/promises";
import { Worker } from "node:worker_threads";
import { checkKey, type KeyJob, type KeyLimits, type KeyResult } from "./key-check.ts";
import type { ModelSpec } from "./models.ts";
import { packJobs } from "./packed.ts";
import type { UnknownKey } from "./types.ts";
import type { BatchReply, BatchRequest } from "./worker.ts";

/** Extra time a worker gets past the overall deadline to report before it is stopped. */
const GRACE_MS = 10_000;
/** This thread checks keys in slices of this many ms, then lets worker messages in. */
const SLICE_MS = 20;
/** A worker batch holds about this many ops (at least one key). */
const BATCH_OPS = 20_000;

export async function checkKeysWithWorkers(
  spec: ModelSpec,
  jobs: readonly KeyJob[],
  limits: KeyLimits,
  describeLeft: number,
  workerCount: number,
): Promise<{ results: KeyResult[]; workersUsed: number }> {
  const results: (KeyResult | undefined)[] = new Array(jobs.length);
  const order = jobs.map((_, i) => i).sort((a, b) => jobs[a].ops.length - jobs[b].ops.length);
  let front = 0; // next key for this thread
  let back = order.length; // keys at [back, length) went to workers
  const orphans: number[] = []; // keys of a worker that died before answering: checked here
  const { signal, ...plainLimits } = limits;
  const workers: Worker[] = [];
  const inFlight = new Map<Worker, number[]>();
  let workersUsed = 0;
  let wakeMain: (() => void) | undefined; // resolves the final wait when the last batch is in

  const markUnknown = (keys: readonly number[], reason: UnknownKey["reason"], message: string) => {
    for (const i of keys) {
      const n = jobs[i].ops.length;
      results[i] = { key: jobs[i].key, ops: n, status: "unknown", unknown: { key: jobs[i].key, ops: n, reason, message } };
    }
  };

  const sendBatch = (w: Worker) => {
    const keys: number[] = [];
    let size = 0;
    while (back > front && (keys.length === 0 || size < BATCH_OPS)) {
      const i = order[--back];
      keys.push(i);
      size += jobs[i].ops.length;
    }
    if (keys.length === 0) {
      inFlight.delete(w);
      wakeMain?.();
      return;
    }
    inFlight.set(w, keys);
    const { packed, transfer } = packJobs(keys.map((i) => jobs[i]));
    const req: BatchRequest = { model: spec.name, jobs: packed, limits: plainLimits, describeLeft };
    w.postMessage(req, transfer);
  };

  const spawn = () => {
    const w = new Worker(new URL("./worker.mjs", import.meta.url), { execArgv: [] });
    workers.push(w);
    let answered = false;
    w.on("message", (msg: BatchReply | { ready: true }) => {
      if (!("ready" in msg)) {
        const keys = inFlight.get(w) ?? [];
        if (!answered) workersUsed++;
        answered = true;
        if ("error" in msg) markUnknown(keys, "error", `worker failed: ${msg.error}`);
        else {
          msg.results.forEach((r, k) => {
            results[keys[k]] = r;
            if (r.status === "illegal" && r.violation) describeLeft--;
          });
        }
      }
      sendBatch(w);
    });
    const lost = (why: string) => {
      const keys = inFlight.get(w);
      if (keys === undefined) return;
      inFlight.delete(w);
      // Keys of a worker that never answered go back to this thread; otherwise they are unknown.
      if (answered) markUnknown(keys, "error", `worker crashed: ${why}`);
      else orphans.push(...keys);
      wakeMain?.();
    };
    w.on("error", (err) => lost(err.message));
    w.on("exit", (code) => lost(`exited with code ${code}`));
  };

  try {
    for (let k = 0; k < workerCount; k++) spawn();
    // This thread: small keys first, in slices so worker messages get handled.
    while (front < back) {
      const sliceEnd = Date.now() + SLICE_MS;
      while (front < back && Date.now() < sliceEnd) {
        const i = order[front++];
        const r = checkKey(spec, jobs[i], limits, describeLeft > 0);
        if (r.status === "illegal" && r.violation) describeLeft--;
        results[i] = r;
      }
      await yieldToEvents();
    }
    // Wait for the workers' last batches, within the overall deadline.
    if (inFlight.size > 0) {
      await new Promise<void>((resolve) => {
        const done = () => {
          if (inFlight.size > 0 && !signal?.aborted && Date.now() < limits.deadline + GRACE_MS) return;
          clearTimeout(timer);
          signal?.removeEventListener("abort", done);
          resolve();
        };
        const timer = setTimeout(done, Math.max(0, limits.deadline + GRACE_MS - Date.now()) + 1);
        signal?.addEventListener("abort", done);
        wakeMain = done;
        done();
      });
    }
    for (const keys of inFlight.values()) {
      markUnknown(keys, signal?.aborted ? "aborted" : "overall-budget", signal?.aborted ? "the check was cancelled" : "a worker did not report within the overall time budget (budgetMs)");
    }
    inFlight.clear();
    for (const i of orphans) results[i] = checkKey(spec, jobs[i], limits, describeLeft > 0);
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return { results: results as KeyResult[], workersUsed };
}
