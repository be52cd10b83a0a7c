// Migration progress as the cluster shows it, the same way for every strategy (including
// the user's own tool): which planned slots each target owns (CLUSTER NODES, the target's
// own view) and how many keys of the planned slots the targets hold (COUNTKEYSINSLOT).
// Slots whose move is finished are counted once and frozen; slots in flight (open
// IMPORTING on the target, or in an atomic import job) are counted on every poll, a
// bounded sample of them when there are many; stop() recounts everything exactly.
import type { Redis } from "ioredis";
import type { StartedCluster } from "../providers/types.ts";
import { parseClusterNodes } from "../topology.ts";
import { expandRanges } from "./ranges.ts";
import type { MigrationPlan, NodeRef, ProgressSample } from "./types.ts";

export interface ObserverOptions {
  /** ms since run start (monotonic) */
  now: () => number;
  /** poll interval, ms (default 200) */
  intervalMs?: number;
  /** most in-flight slots counted per poll; more are sampled and scaled (default 256) */
  maxCountsPerPoll?: number;
}

type Listener = (s: ProgressSample) => void;

const CHUNK = 1000;

async function countKeys(client: Redis, slots: number[]): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < slots.length; i += CHUNK) {
    const pipe = client.pipeline();
    for (const s of slots.slice(i, i + CHUNK)) pipe.call("CLUSTER", "COUNTKEYSINSLOT", String(s));
    const res = (await pipe.exec()) ?? [];
    for (const [err, v] of res) out.push(err ? 0 : Number(v));
  }
  return out;
}

export class ProgressObserver {
  private readonly targetOf = new Map<number, NodeRef>();
  private readonly sourceOf = new Map<number, NodeRef>();
  private readonly frozen = new Map<number, number>();
  private readonly all: ProgressSample[] = [];
  private readonly listeners = new Set<Listener>();
  private timer?: NodeJS.Timeout;
  private polling?: Promise<void>;
  private keysPlanned = 0;
  private atomicSupported = true;
  private lastError?: string;
  private stopped = false;

  constructor(
    private readonly cluster: StartedCluster,
    private readonly plan: MigrationPlan,
    private readonly opts: ObserverOptions,
  ) {
    for (const m of plan.moves)
      for (const s of expandRanges(m.slots)) {
        this.targetOf.set(s, m.target);
        if (!this.sourceOf.has(s)) this.sourceOf.set(s, m.source);
      }
  }

  get slotsPlanned(): number {
    return this.targetOf.size;
  }

  /** the last poll error (polls go on through errors: nodes may be killed by faults) */
  get error(): string | undefined {
    return this.lastError;
  }

  private client(n: NodeRef): Redis {
    return this.cluster.admin(n.id || n.name);
  }

  /** Counts the planned keys on the sources, takes the first sample and starts polling. */
  async start(): Promise<ProgressSample> {
    const bySource = new Map<string, { node: NodeRef; slots: number[] }>();
    for (const [s, n] of this.sourceOf) (bySource.get(n.id) ?? bySource.set(n.id, { node: n, slots: [] }).get(n.id)!).slots.push(s);
    let planned = 0;
    for (const { node, slots } of bySource.values()) {
      try {
        planned += (await countKeys(this.client(node), slots)).reduce((a, b) => a + b, 0);
      } catch (e) {
        this.lastError = `counting planned keys on ${node.name}: ${(e as Error).message}`;
      }
    }
    this.keysPlanned = planned;
    const first = await this.sample(false);
    this.timer = setInterval(() => {
      if (!this.polling) this.polling = this.sample(false).then(() => undefined, () => undefined).finally(() => (this.polling = undefined));
    }, this.opts.intervalMs ?? 200);
    this.timer.unref();
    return first;
  }

  /** Stops polling and returns an exact final sample. */
  async stop(): Promise<ProgressSample> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.polling;
    this.stopped = true; // whenAt() waiters that the final sample does not satisfy resolve undefined
    return this.sample(true);
  }

  latest(): ProgressSample | undefined {
    return this.all[this.all.length - 1];
  }

  samples(): ProgressSample[] {
    return [...this.all];
  }

  /** Called with every sample; returns an unsubscribe function. */
  subscribe(fn: Listener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /**
   * Calls `fn` once, with the first sample at or beyond `fraction` (0..1) of the planned
   * slots (or keys) moved — how a fault fires at "migration:50%".
   */
  at(fraction: number, fn: Listener, by: "slots" | "keys" = "slots"): () => void {
    const reached = (s: ProgressSample) => {
      const [done, planned] = by === "slots" ? [s.slotsMoved, s.slotsPlanned] : [s.keysMoved, s.keysPlanned];
      return planned === 0 || done / planned >= fraction;
    };
    const last = this.latest();
    if (last && reached(last)) {
      fn(last);
      return () => {};
    }
    const off = this.subscribe((s) => {
      if (reached(s)) {
        off();
        fn(s);
      }
    });
    return off;
  }

  /** Resolves with the first sample at or beyond `fraction`, or undefined if observing stops first. */
  whenAt(fraction: number, by: "slots" | "keys" = "slots"): Promise<ProgressSample | undefined> {
    return new Promise((resolve) => {
      if (this.stopped) return resolve(this.latest());
      const offAt = this.at(fraction, (s) => {
        offStop();
        resolve(s);
      }, by);
      const offStop = this.subscribe(() => {
        if (this.stopped) {
          offAt();
          offStop();
          resolve(undefined);
        }
      });
    });
  }

  private async sample(exact: boolean): Promise<ProgressSample> {
    const byTarget = new Map<string, { node: NodeRef; slots: number[] }>();
    for (const [s, n] of this.targetOf) (byTarget.get(n.id) ?? byTarget.set(n.id, { node: n, slots: [] }).get(n.id)!).slots.push(s);
    let slotsMoved = 0;
    let transient = 0;
    for (const { node, slots } of byTarget.values()) {
      try {
        const c = this.client(node);
        const { nodes, openSlots, myself } = parseClusterNodes((await c.call("CLUSTER", "NODES")) as string);
        const owned = new Set<number>();
        for (const n of nodes) if (n.id === myself) for (const s of expandRanges(n.slots)) owned.add(s);
        const inFlight = new Set(openSlots.filter((o) => o.nodeId === myself && o.state === "importing").map((o) => o.slot));
        if (this.atomicSupported && !exact) {
          try {
            const jobs = (await c.call("CLUSTER", "GETSLOTMIGRATIONS")) as unknown[][];
            for (const j of jobs) {
              const f = Object.fromEntries(Array.from({ length: j.length / 2 }, (_, i) => [String(j[2 * i]), j[2 * i + 1]]));
              if (f.operation !== "IMPORT" || ["success", "failed", "cancelled"].includes(String(f.state))) continue;
              for (const r of String(f.slot_ranges).split(" ")) {
                const [a, b] = r.split("-").map(Number);
                for (let s = a; s <= b; s++) inFlight.add(s);
              }
            }
          } catch {
            this.atomicSupported = false; // Redis / Valkey < 9: no atomic jobs to look at
          }
        }
        const moved = slots.filter((s) => owned.has(s));
        slotsMoved += moved.length;
        const fresh = exact ? moved : moved.filter((s) => !this.frozen.has(s));
        const counts = await countKeys(c, fresh);
        fresh.forEach((s, i) => this.frozen.set(s, counts[i]));
        if (exact) for (const s of slots) if (!owned.has(s)) this.frozen.delete(s);
        const open = slots.filter((s) => inFlight.has(s) && !owned.has(s));
        const limit = this.opts.maxCountsPerPoll ?? 256;
        const step = exact ? 1 : Math.max(1, Math.ceil(open.length / limit));
        const picked = open.filter((_, i) => i % step === 0);
        const sum = (await countKeys(c, picked)).reduce((a, b) => a + b, 0);
        transient += picked.length ? Math.round((sum * open.length) / picked.length) : 0;
      } catch (e) {
        this.lastError = `observing ${node.name}: ${(e as Error).message}`;
        slotsMoved += slots.filter((s) => this.frozen.has(s)).length;
      }
    }
    let keysMoved = transient;
    for (const v of this.frozen.values()) keysMoved += v;
    const s: ProgressSample = { atMs: this.opts.now(), slotsMoved, slotsPlanned: this.slotsPlanned, keysMoved, keysPlanned: this.keysPlanned };
    this.all.push(s);
    for (const fn of [...this.listeners]) {
      try {
        fn(s);
      } catch {
        /* a subscriber's error is its own */
      }
    }
    return s;
  }
}
