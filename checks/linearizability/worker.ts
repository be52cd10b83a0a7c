// A worker thread that checks batches of keys (see pool.ts for the protocol).
import { parentPort } from "node:worker_threads";
import { checkKeys, type KeyLimits, type KeyResult } from "./key-check.ts";
import { SEARCH_MODELS, type SearchModelName } from "./models.ts";
import { unpackJobs, type PackedJobs } from "./packed.ts";

export interface BatchRequest {
  model: SearchModelName;
  jobs: PackedJobs;
  limits: Omit<KeyLimits, "signal">;
  describeLeft: number;
}

export type BatchReply = { results: KeyResult[] } | { error: string };

const port = parentPort;
if (port === null) throw new Error("checks/linearizability/worker.ts must run in a worker thread");

port.on("message", (req: BatchRequest) => {
  let reply: BatchReply;
  try {
    const results = checkKeys(SEARCH_MODELS[req.model], unpackJobs(req.jobs), req.limits, req.describeLeft);
    reply = { results };
  } catch (e) {
    reply = { error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) };
  }
  port.postMessage(reply);
});
port.postMessage({ ready: true });
