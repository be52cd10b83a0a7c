// The benchmark's client load, on its own thread: the migration driver (legacy's many
// round trips) must not share an event loop with the load, as valkey-cli would not.
import { parentPort, workerData } from "node:worker_threads";
import { startLoad, type LoadOptions } from "../testkit.ts";

const { seed, options } = workerData as { seed: string; options: LoadOptions };
const load = startLoad(seed, options);
parentPort!.on("message", async (msg: "reset" | "stop") => {
  if (msg === "reset") {
    load.reset();
    parentPort!.postMessage({ kind: "reset" });
  } else {
    const stats = await load.stop();
    parentPort!.postMessage({ kind: "stats", stats });
    parentPort!.close();
  }
});
parentPort!.postMessage({ kind: "ready" });
