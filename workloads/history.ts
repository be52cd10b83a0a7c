// History keys: every op on them is recorded as Jepsen invoke/ok/fail/info events.
// One op in flight per logical process; an op whose fate is unknown (`info`) retires
// its process id (Jepsen convention: the next op runs as p + processes), because
// the unknown op may still take effect at any later time.
import type { ClusterClient } from "./client.ts";
import type { RunClock } from "./clock.ts";
import { classifyError } from "./errors.ts";
import type { HistoryEvent, HistoryFn, HistoryModel } from "./history-types.ts";
import { KeySpace } from "./keyspace.ts";
import type { ResolvedHistory } from "./options.ts";
import { Rng } from "./prng.ts";
import { encodeCommand, type Reply } from "./resp.ts";
import { keySlot } from "./slots.ts";

export type CasMode = "ifeq" | "lua";

/** compare-and-set as a script for servers without SET ... IFEQ (returns 1 when set) */
export const CAS_SCRIPT = "if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2]) return 1 else return 0 end";

/** Does this INFO server text describe a server with SET ... IFEQ (Valkey >= 8.1)? */
export function supportsIfeq(infoServer: string): boolean {
  const m = /^valkey_version:(\d+)\.(\d+)/m.exec(infoServer);
  if (!m) return false;
  const major = Number(m[1]);
  const minor = Number(m[2]);
  return major > 8 || (major === 8 && minor >= 1);
}

interface Planned {
  f: HistoryFn;
  value: unknown;
  args: string[];
  /** turns the reply into the ok event's value; `undefined` = the reply was not understood (info) */
  interpret: (r: Reply) => { type: "ok"; value: unknown } | undefined;
}

const WEIGHTS: Record<HistoryModel, Array<[HistoryFn, number]>> = {
  register: [["read", 50], ["write", 35], ["cas", 15]],
  "kv-append": [["read", 40], ["append", 45], ["write", 15]],
  counter: [["read", 40], ["incr", 60]],
  "list-append": [["read", 40], ["append", 60]],
};

class Process {
  n = 0;
  busy = false;
  nextAt = 0;
  constructor(public p: number) {}
}

export interface HistoryRunnerDeps {
  client: ClusterClient;
  clock: RunClock;
  emit: (e: HistoryEvent) => void;
  /** process ids this runner drives (disjoint across workers) */
  processIds: number[];
  /** total processes over all workers (the id step after an `info`) */
  totalProcesses: number;
  casMode: CasMode;
  seed: number;
}

export class HistoryRunner {
  private readonly keys: KeySpace;
  private readonly rng: Rng;
  private readonly procs: Process[];
  private readonly intervalMs: number;
  /** last value this runner saw per key (cas expectations) */
  private readonly known = new Map<string, string>();
  private stopping = false;
  private onIdle: (() => void) | undefined;
  private timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly cfg: ResolvedHistory,
    private readonly deps: HistoryRunnerDeps,
  ) {
    this.rng = new Rng(deps.seed);
    this.keys = new KeySpace(cfg.keySpace, this.rng);
    this.procs = deps.processIds.map((p) => new Process(p));
    this.intervalMs = cfg.rate > 0 ? (1000 * cfg.processes) / cfg.rate : 0;
  }

  start(): void {
    const now = this.deps.clock.nowMs();
    for (const proc of this.procs) {
      proc.nextAt = now + this.rng.float() * this.intervalMs; // spread the first ops
      this.schedule(proc);
    }
  }

  /** stops starting ops; resolves once every process is idle (in-flight ops end by timeout at worst) */
  stop(): Promise<void> {
    this.stopping = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    return new Promise((resolve) => {
      this.onIdle = resolve;
      this.checkIdle();
    });
  }

  get inflight(): number {
    return this.procs.filter((p) => p.busy).length;
  }

  private checkIdle(): void {
    if (this.onIdle && this.procs.every((p) => !p.busy)) {
      const cb = this.onIdle;
      this.onIdle = undefined;
      cb();
    }
  }

  private schedule(proc: Process): void {
    if (this.stopping) return this.checkIdle();
    const delay = proc.nextAt - this.deps.clock.nowMs();
    if (delay <= 0) return this.run(proc);
    const t = setTimeout(() => {
      this.timers.delete(t);
      this.run(proc);
    }, delay);
    this.timers.add(t);
  }

  private run(proc: Process): void {
    if (this.stopping) return this.checkIdle();
    const key = this.keys.nameAt(this.rng.int(this.keys.size));
    const op = this.plan(proc, key);
    const { emit, clock } = this.deps;
    proc.busy = true;
    const p = proc.p;
    emit({ p, type: "invoke", f: op.f, key, value: op.value, t: clock.nowNs() });
    this.deps.client.send(encodeCommand(op.args), keySlot(key), p, (err, reply) => {
      const t = clock.nowNs();
      proc.busy = false;
      const failValue = op.f === "read" ? null : op.value;
      if (err) {
        const c = classifyError(err);
        if (c.executed === "no") emit({ p, type: "fail", f: op.f, key, value: failValue, t, error: c.cls });
        else {
          emit({ p, type: "info", f: op.f, key, value: failValue, t, error: c.cls });
          proc.p += this.deps.totalProcesses;
        }
      } else {
        const done = op.interpret(reply);
        if (done) {
          emit({ p, type: "ok", f: op.f, key, value: done.value, t });
          this.remember(key, op, done.value);
        } else {
          emit({ p, type: "info", f: op.f, key, value: failValue, t, error: "other" });
          proc.p += this.deps.totalProcesses;
        }
      }
      proc.nextAt = Math.max(clock.nowMs(), proc.nextAt + this.intervalMs);
      this.schedule(proc);
    });
  }

  private remember(key: string, op: Planned, value: unknown): void {
    if (this.cfg.model !== "register") return;
    if (op.f === "read" && typeof value === "string") this.known.set(key, value);
    else if (op.f === "write") this.known.set(key, op.value as string);
    else if (op.f === "cas" && value !== false) this.known.set(key, (op.value as [string, string])[1]);
  }

  private pickFn(): HistoryFn {
    const w = WEIGHTS[this.cfg.model];
    let x = this.rng.float() * w.reduce((a, [, n]) => a + n, 0);
    for (const [f, n] of w) if ((x -= n) < 0) return f;
    return w[0][0];
  }

  private plan(proc: Process, key: string): Planned {
    const f = this.pickFn();
    const tag = `${proc.p}-${proc.n++}`;
    switch (this.cfg.model) {
      case "register": {
        if (f === "read") return { f, value: null, args: ["GET", key], interpret: (r) => (r === null || typeof r === "string" ? { type: "ok", value: r } : undefined) };
        const expected = this.known.get(key);
        if (f === "cas" && expected !== undefined) {
          const next = `w${tag}`;
          const args = this.deps.casMode === "ifeq" ? ["SET", key, next, "IFEQ", expected] : ["EVAL", CAS_SCRIPT, "1", key, expected, next];
          return {
            f,
            value: [expected, next],
            args,
            interpret: (r) => (r === "OK" || r === 1 ? { type: "ok", value: [expected, next] } : r === null || r === 0 ? { type: "ok", value: false } : undefined),
          };
        }
        const v = `w${tag}`;
        return { f: "write", value: v, args: ["SET", key, v], interpret: (r) => (r === "OK" ? { type: "ok", value: v } : undefined) };
      }
      case "kv-append": {
        if (f === "read") return { f, value: null, args: ["GET", key], interpret: (r) => (r === null || typeof r === "string" ? { type: "ok", value: r } : undefined) };
        // tokens end with "|" so any value splits back into the pieces that made it
        const v = f === "write" ? `w${tag}|` : `a${tag}|`;
        if (f === "write") return { f, value: v, args: ["SET", key, v], interpret: (r) => (r === "OK" ? { type: "ok", value: v } : undefined) };
        return { f: "append", value: v, args: ["APPEND", key, v], interpret: (r) => (typeof r === "number" ? { type: "ok", value: v } : undefined) };
      }
      case "counter": {
        if (f === "read") {
          return {
            f,
            value: null,
            args: ["GET", key],
            interpret: (r) => (r === null ? { type: "ok", value: 0 } : typeof r === "string" && /^-?\d+$/.test(r) ? { type: "ok", value: Number(r) } : undefined),
          };
        }
        return { f: "incr", value: 1, args: ["INCRBY", key, "1"], interpret: (r) => (typeof r === "number" ? { type: "ok", value: r } : undefined) };
      }
      case "list-append": {
        if (f === "read") {
          return {
            f,
            value: null,
            args: ["LRANGE", key, "0", "-1"],
            interpret: (r) => (Array.isArray(r) && r.every((x) => typeof x === "string") ? { type: "ok", value: r } : undefined),
          };
        }
        const v = `e${tag}`;
        return { f: "append", value: v, args: ["RPUSH", key, v], interpret: (r) => (typeof r === "number" ? { type: "ok", value: v } : undefined) };
      }
    }
  }
}
