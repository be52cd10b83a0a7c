// Tests that spawn the CLI must not leak it when an assertion fails half-way: every
// child and its live-run registry are released after each test, pass or fail.
import type { ChildProcess } from "node:child_process";
import { afterEach } from "vitest";
import { sweepDeadRuns } from "../harness/live-runs.ts";

const children = new Set<ChildProcess>();
const stateDirs = new Set<string>();

export function track<T extends ChildProcess>(child: T, stateDir?: string): T {
  children.add(child);
  if (stateDir) stateDirs.add(stateDir);
  return child;
}

export function trackState(stateDir: string): string {
  stateDirs.add(stateDir);
  return stateDir;
}

afterEach(async () => {
  for (const c of children) {
    if (c.exitCode === null && c.signalCode === null) {
      c.kill("SIGKILL");
      await new Promise((r) => c.once("exit", r));
    }
  }
  children.clear();
  const saved = process.env.SLOTPROOF_STATE;
  for (const d of stateDirs) {
    process.env.SLOTPROOF_STATE = d;
    sweepDeadRuns();
  }
  if (saved === undefined) delete process.env.SLOTPROOF_STATE;
  else process.env.SLOTPROOF_STATE = saved;
  stateDirs.clear();
});
