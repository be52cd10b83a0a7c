// After the whole suite: release whatever a crashed or timed-out test file left (its
// fork died with servers still registered), so a red run leaks no processes either.
import { sweepDeadRuns } from "../harness/live-runs.ts";

export default function setup(): () => void {
  return () => {
    const r = sweepDeadRuns();
    if (r.killed.length || r.removedDirs.length) {
      process.stdout.write(`\nteardown: released ${r.killed.length} leftover server processes and ${r.removedDirs.length} dirs of crashed test runs\n`);
    }
  };
}
