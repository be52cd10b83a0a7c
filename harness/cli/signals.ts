// Ctrl-C and SIGTERM: the first one aborts the running command, which releases what it
// holds and still writes its results; a second one releases servers at once and exits.
import { stopAllLocalClusters } from "../providers/local.ts";

export const interrupt = new AbortController();
let count = 0;

export function installSignalHandlers(): void {
  const onSignal = (sig: NodeJS.Signals) => {
    count++;
    if (count === 1) {
      process.stderr.write(`\nslotproof: ${sig} received, stopping (again to force)\n`);
      interrupt.abort(new Error(`interrupted by ${sig}`));
      return;
    }
    void stopAllLocalClusters().finally(() => process.exit(130));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  process.on("SIGHUP", onSignal);
}

/** Resolves when the user interrupts. */
export function interrupted(): Promise<void> {
  return new Promise((resolve) => {
    if (interrupt.signal.aborted) resolve();
    else interrupt.signal.addEventListener("abort", () => resolve(), { once: true });
  });
}

/** Plain timestamped lines when not on a TTY (CI), bare lines on a TTY. */
export function say(line: string): void {
  const prefix = process.stdout.isTTY ? "" : `${new Date().toISOString().slice(11, 19)} `;
  process.stdout.write(`${prefix}${line}\n`);
}

/** Data output (--json): never prefixed. */
export function printData(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function sayErr(line: string): void {
  process.stderr.write(`${line}\n`);
}
