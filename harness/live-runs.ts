// The registry of live runs: one folder per harness process under registryDir(), naming
// the owner pid, every server pid it started and every temp dir it made. When the
// owner dies without cleaning up (SIGKILL, crash), `slotproof clean` or the next run
// finds the folder, kills what is listed and removes the dirs.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { registryDir } from "./paths.ts";
import { processAlive } from "./servers/lock.ts";

export interface RunEntry {
  ownerPid: number;
  startedAt: string;
  pids: number[];
  dirs: string[];
}

export class LiveRun {
  readonly dir: string;
  private entry: RunEntry;

  constructor(readonly id: string) {
    this.dir = path.join(registryDir(), id);
    mkdirSync(this.dir, { recursive: true });
    this.entry = { ownerPid: process.pid, startedAt: new Date().toISOString(), pids: [], dirs: [] };
    this.save();
  }

  addPid(pid: number): void {
    this.entry.pids.push(pid);
    this.save();
  }

  removePid(pid: number): void {
    this.entry.pids = this.entry.pids.filter((p) => p !== pid);
    this.save();
  }

  addDir(dir: string): void {
    this.entry.dirs.push(dir);
    this.save();
  }

  /** Called after everything listed was released. */
  close(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  private save(): void {
    // Synchronous on purpose: the registry must be on disk before the process it names runs.
    writeFileSync(path.join(this.dir, "run.json"), JSON.stringify(this.entry));
  }
}

export interface SweepReport {
  runs: number;
  killed: number[];
  removedDirs: string[];
  skippedLive: number;
}

/**
 * Releases what dead harness processes left behind. Runs whose owner is alive are left
 * alone (another run or test is using them), unless `all` is set.
 */
export function sweepDeadRuns(opts: { all?: boolean } = {}): SweepReport {
  const report: SweepReport = { runs: 0, killed: [], removedDirs: [], skippedLive: 0 };
  let ids: string[];
  try {
    ids = readdirSync(registryDir());
  } catch {
    return report;
  }
  for (const id of ids) {
    const dir = path.join(registryDir(), id);
    let entry: RunEntry;
    try {
      entry = JSON.parse(readFileSync(path.join(dir, "run.json"), "utf8"));
    } catch {
      rmSync(dir, { recursive: true, force: true });
      continue;
    }
    if (entry.ownerPid !== process.pid && processAlive(entry.ownerPid) && !opts.all) {
      report.skippedLive++;
      continue;
    }
    if (entry.ownerPid === process.pid && !opts.all) continue;
    report.runs++;
    for (const pid of entry.pids) {
      if (processAlive(pid) && isOurServer(pid)) {
        try {
          process.kill(pid, "SIGCONT"); // a paused server cannot act on SIGKILL's cleanup otherwise
          process.kill(pid, "SIGKILL");
          report.killed.push(pid);
        } catch {
          /* already gone */
        }
      }
    }
    for (const d of entry.dirs) {
      rmSync(d, { recursive: true, force: true });
      report.removedDirs.push(d);
    }
    rmSync(dir, { recursive: true, force: true });
  }
  return report;
}

/** Guards against pid reuse: only kill a process that still looks like a server we start. */
function isOurServer(pid: number): boolean {
  try {
    const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8");
    return /(valkey|redis)-(server|check-rdb)|toxiproxy|slotproof/.test(cmd);
  } catch {
    return false;
  }
}
