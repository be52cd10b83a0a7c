// Windowed latency metrics. Workers record into cheap HDR-compatible bucket arrays on
// the hot path, turn them into HdrHistograms once per window and ship them as
// compressed base64; the main thread merges windows from all workers and keeps the
// run's total histograms. All latencies are integer microseconds.
import { build, decodeFromCompressedBase64, encodeIntoCompressedBase64, type Histogram } from "hdr-histogram-js";
import type { ErrorClass, LatencySummary, MetricsWindow, OpClass, SlotClass, WorkloadSummary } from "./metrics-types.ts";

/** histograms kept per window: latency (from intended start), service time, per op class, per slot class, scheduling lag */
export type HistName = "latency" | "service" | OpClass | SlotClass | "sched";
export const HIST_NAMES: readonly HistName[] = ["latency", "service", "read", "write", "multi", "migrating", "other", "sched"];

const HIGHEST_US = 2 ** 31 - 1; // ~36 minutes; larger values are clamped
/** buckets needed for values up to HIGHEST_US at 3 significant digits */
const COUNTS = 22528;

export function newHistogram(): Histogram {
  return build({ lowestDiscernibleValue: 1, highestTrackableValue: HIGHEST_US, numberOfSignificantValueDigits: 3, autoResize: true });
}

/**
 * Same bucketing as an HdrHistogram with 3 significant digits and unit 1 (2048
 * sub-buckets), but recording is an index computation and an increment (~5 ns
 * instead of ~200 ns), so four histograms per op cost nothing measurable.
 */
export class FastHistogram {
  private readonly counts = new Uint32Array(COUNTS);
  private lo = Infinity;
  private hi = -1;
  total = 0;

  record(valueUs: number): void {
    let v = valueUs < 0 ? 0 : valueUs > HIGHEST_US ? HIGHEST_US : Math.round(valueUs);
    if (v !== v) v = 0; // NaN guard
    const bucket = 31 - Math.clz32(v | 2047) - 10;
    const idx = ((bucket + 1) << 10) + (v >>> bucket) - 1024;
    this.counts[idx]++;
    if (idx < this.lo) this.lo = idx;
    if (idx > this.hi) this.hi = idx;
    this.total++;
  }

  /** adds the recorded values into an HdrHistogram (lowest value of each bucket, i.e. identical buckets) */
  addTo(h: Histogram): void {
    for (let idx = this.lo; idx <= this.hi; idx++) {
      const c = this.counts[idx];
      if (c > 0) h.recordValueWithCount(valueAt(idx), c);
    }
  }

  /** encoded HdrHistogram, or undefined when empty */
  encode(): string | undefined {
    if (this.total === 0) return undefined;
    const h = newHistogram();
    this.addTo(h);
    const s = encodeIntoCompressedBase64(h);
    h.destroy();
    return s;
  }

  /** becomes `from` minus the histograms in `minus` (each holds a subset of `from`'s values) */
  setDifference(from: FastHistogram, minus: FastHistogram[]): void {
    this.reset();
    for (let i = from.lo; i <= from.hi; i++) {
      let c = from.counts[i];
      if (c === 0) continue;
      for (const m of minus) c -= m.counts[i];
      if (c <= 0) continue;
      this.counts[i] = c;
      if (i < this.lo) this.lo = i;
      this.hi = i;
      this.total += c;
    }
  }

  /** same recorded values as `o` (then both encode the same) */
  sameAs(o: FastHistogram): boolean {
    if (this.total !== o.total || this.lo !== o.lo || this.hi !== o.hi) return false;
    const a = this.counts;
    const b = o.counts;
    for (let i = this.lo; i <= this.hi; i++) if (a[i] !== b[i]) return false;
    return true;
  }

  reset(): void {
    if (this.total > 0) this.counts.fill(0, this.lo, this.hi + 1);
    this.lo = Infinity;
    this.hi = -1;
    this.total = 0;
  }
}

/** lowest value of the bucket at a counts index (HDR layout: unit 1, 2048 sub-buckets) */
function valueAt(idx: number): number {
  let bucket = (idx >> 10) - 1;
  let sub = (idx & 1023) + 1024;
  if (bucket < 0) {
    sub -= 1024;
    bucket = 0;
  }
  return sub * 2 ** bucket;
}

function ulp(x: number): number {
  return x > 0 ? 2 ** (Math.floor(Math.log2(x)) - 52) : Number.MIN_VALUE;
}

function bucketSize(idx: number): number {
  const bucket = (idx >> 10) - 1;
  return bucket <= 0 ? 1 : 2 ** bucket;
}

interface HdrInternals {
  unitMagnitude: number;
  subBucketHalfCountMagnitude: number;
  countsArrayLength: number;
  getCountAtIndex(i: number): number;
}

/**
 * The merge side: counts in the same layout as FastHistogram, summed across workers
 * and windows with plain array adds, summarised in one pass (HdrHistogram's own
 * percentile calls walk every bucket once per percentile). Figures are identical to
 * HdrHistogram's: same buckets, same percentile rule, same reported values.
 */
export class DenseHistogram {
  private readonly counts = new Float64Array(COUNTS);
  private lo = Infinity;
  private hi = -1;
  total = 0;

  addEncoded(encoded: string): void {
    const h = decodeFromCompressedBase64(encoded);
    const raw = h as unknown as HdrInternals;
    if (raw.unitMagnitude === 0 && raw.subBucketHalfCountMagnitude === 10 && typeof raw.getCountAtIndex === "function") {
      const n = Math.min(raw.countsArrayLength, COUNTS);
      for (let i = 0; i < n; i++) {
        const c = raw.getCountAtIndex(i);
        if (c === 0) continue;
        this.counts[i] += c;
        if (i < this.lo) this.lo = i;
        if (i > this.hi) this.hi = i;
        this.total += c;
      }
    } else {
      throw new Error("histogram layout differs from slotproof's (unit 1, 3 significant digits)");
    }
    h.destroy();
  }

  add(o: DenseHistogram): void {
    for (let i = o.lo; i <= o.hi; i++) this.counts[i] += o.counts[i];
    if (o.total > 0) {
      this.lo = Math.min(this.lo, o.lo);
      this.hi = Math.max(this.hi, o.hi);
      this.total += o.total;
    }
  }

  summary(): LatencySummary {
    if (this.total === 0) return { ...EMPTY_SUMMARY };
    // HdrHistogram's rule: the count at a percentile, rounded up (minus one ulp of fp noise)
    const wanted = [50, 90, 99, 99.9].map((p) => {
      const fp = (p / 100) * this.total;
      return Math.max(Math.ceil(fp - ulp(fp)), 1);
    });
    const found: number[] = [];
    let acc = 0;
    let sum = 0;
    for (let i = this.lo; i <= this.hi; i++) {
      const c = this.counts[i];
      if (c === 0) continue;
      const size = bucketSize(i);
      const low = valueAt(i);
      sum += (low + Math.floor(size / 2)) * c;
      acc += c;
      while (found.length < wanted.length && acc >= wanted[found.length]) found.push(low + size - 1);
    }
    return {
      count: this.total,
      p50: found[0],
      p90: found[1],
      p99: found[2],
      p999: found[3],
      max: valueAt(this.hi) + bucketSize(this.hi) - 1,
      mean: Math.round((sum / this.total) * 10) / 10,
    };
  }

  toHdr(): Histogram {
    const h = newHistogram();
    // the top of each bucket: same bucket, and maxValue then equals summary().max
    for (let i = this.lo; i <= this.hi; i++) if (this.counts[i] > 0) h.recordValueWithCount(valueAt(i) + bucketSize(i) - 1, this.counts[i]);
    return h;
  }

  encode(): string | undefined {
    if (this.total === 0) return undefined;
    const h = this.toHdr();
    const s = encodeIntoCompressedBase64(h);
    h.destroy();
    return s;
  }
}

export const EMPTY_SUMMARY: LatencySummary = Object.freeze({ count: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0, mean: 0 });

export function summarize(h: Histogram | undefined): LatencySummary {
  if (!h || h.totalCount === 0) return { ...EMPTY_SUMMARY };
  return {
    count: h.totalCount,
    p50: h.getValueAtPercentile(50),
    p90: h.getValueAtPercentile(90),
    p99: h.getValueAtPercentile(99),
    p999: h.getValueAtPercentile(99.9),
    max: h.maxValue,
    mean: Math.round(h.mean * 10) / 10,
  };
}

/** Worst case per figure (used for event-loop lag across threads: the noise floor is the worst thread's). */
export function worstOf(list: LatencySummary[]): LatencySummary {
  const xs = list.filter((s) => s.count > 0);
  if (xs.length === 0) return { ...EMPTY_SUMMARY };
  const pick = (k: keyof LatencySummary): number => Math.max(...xs.map((s) => s[k]));
  return { count: xs.reduce((a, s) => a + s.count, 0), p50: pick("p50"), p90: pick("p90"), p99: pick("p99"), p999: pick("p999"), max: pick("max"), mean: pick("mean") };
}

export interface Redirects {
  MOVED: number;
  ASK: number;
  TRYAGAIN: number;
}

/** What one worker reports per window (structured-clone friendly). */
export interface WorkerWindow {
  worker: number;
  /** window index: floor(ms since run origin / windowMs) */
  index: number;
  /** the part of the window this worker covered, ms since run origin */
  startMs: number;
  endMs: number;
  ops: number;
  errors: Partial<Record<ErrorClass, number>>;
  redirects: Redirects;
  late: number;
  dropped: number;
  hists: Partial<Record<HistName, string>>;
  eventLoop: LatencySummary | null;
}

/**
 * Worker side: the current window's recordings. With `serviceIsLatency` (closed
 * loop: an op is sent when it is due) the service histogram is not recorded but
 * reported equal to the latency one.
 *
 * Per op only what differs from the latency histogram is recorded: ops of a class
 * other than the window's first one, and ops on migrating slots. The first
 * class's and the non-migrating histograms are the latency histogram minus those,
 * computed once per window (count arrays subtract exactly).
 */
export class WindowRecorder {
  private readonly hists = new Map<HistName, FastHistogram>(HIST_NAMES.map((n) => [n, new FastHistogram()]));
  private readonly latency = this.hists.get("latency")!;
  private readonly service = this.hists.get("service")!;
  private readonly byClass = [this.hists.get("read")!, this.hists.get("write")!, this.hists.get("multi")!];
  private readonly migrating = this.hists.get("migrating")!;
  private readonly other = this.hists.get("other")!;
  private readonly sched = this.hists.get("sched")!;
  ops = 0;
  late = 0;
  dropped = 0;
  errors: Partial<Record<ErrorClass, number>> = {};
  /** index of the window's first op class (-1: no op yet); its histogram is derived */
  private baseClass = -1;

  constructor(private readonly serviceIsLatency = false) {}

  /** one completed op (ok or error) */
  record(latencyUs: number, serviceUs: number, cls: OpClass, migrating: boolean, error?: ErrorClass): void {
    this.ops++;
    this.latency.record(latencyUs);
    if (!this.serviceIsLatency) this.service.record(serviceUs);
    const c = cls === "read" ? 0 : cls === "write" ? 1 : 2;
    if (this.baseClass < 0) this.baseClass = c;
    else if (c !== this.baseClass) this.byClass[c].record(latencyUs);
    if (migrating) this.migrating.record(latencyUs);
    if (error) this.errors[error] = (this.errors[error] ?? 0) + 1;
  }

  /** open loop: how late an op was sent versus its intended start */
  recordSchedulingLag(lagUs: number): void {
    this.sched.record(lagUs);
  }

  /** encodes and resets */
  take(meta: Omit<WorkerWindow, "ops" | "errors" | "late" | "dropped" | "hists">): WorkerWindow {
    if (this.baseClass >= 0) {
      const base = this.byClass[this.baseClass];
      base.setDifference(this.latency, this.byClass.filter((h) => h !== base));
    }
    this.other.setDifference(this.latency, [this.migrating]);
    this.baseClass = -1;
    const hists: Partial<Record<HistName, string>> = {};
    // with one op class and no migrating slots most histograms hold the same
    // values: encode each distinct one once (encoding is the costly part)
    const done: Array<[FastHistogram, string]> = [];
    for (const [name, h] of this.hists) {
      if (h.total === 0) continue;
      let enc = done.find(([d]) => d.sameAs(h))?.[1];
      if (enc === undefined) done.push([h, (enc = h.encode()!)]);
      hists[name] = enc;
    }
    if (this.serviceIsLatency && hists.latency !== undefined) hists.service = hists.latency;
    for (const h of this.hists.values()) h.reset();
    const w: WorkerWindow = { ...meta, ops: this.ops, errors: this.errors, late: this.late, dropped: this.dropped, hists };
    this.ops = 0;
    this.late = 0;
    this.dropped = 0;
    this.errors = {};
    return w;
  }
}

function addCounts<K extends string>(into: Partial<Record<K, number>>, from: Partial<Record<K, number>>): void {
  for (const [k, v] of Object.entries(from) as Array<[K, number]>) into[k] = (into[k] ?? 0) + v;
}

/**
 * Main side: merges the workers' windows. A window is complete once every worker
 * has reported it; `flush` completes the rest at the end.
 */
export class WindowMerger {
  private readonly pending = new Map<number, WorkerWindow[]>();
  private readonly totals = new Map<HistName, DenseHistogram>();
  private readonly windows: MetricsWindow[] = [];
  private readonly eventLoops: LatencySummary[] = [];
  private readonly counters = { ops: 0, late: 0, dropped: 0, errors: {} as Partial<Record<ErrorClass, number>>, redirects: { MOVED: 0, ASK: 0, TRYAGAIN: 0 } };
  /** optional tap: every merged window with its per-name merged histograms (for the interval log) */
  onMerged?: (w: MetricsWindow, hists: Map<HistName, DenseHistogram>) => void;

  constructor(private readonly workers: number) {}

  /** returns the windows this report completed, in order */
  add(w: WorkerWindow): MetricsWindow[] {
    const list = this.pending.get(w.index) ?? [];
    list.push(w);
    this.pending.set(w.index, list);
    const out: MetricsWindow[] = [];
    // complete in index order: a window is only emitted when all earlier ones are
    for (const index of [...this.pending.keys()].sort((a, b) => a - b)) {
      const parts = this.pending.get(index)!;
      if (new Set(parts.map((p) => p.worker)).size < this.workers) break;
      out.push(this.merge(index));
    }
    return out;
  }

  /** merges whatever is still pending (end of run / a worker died) */
  flush(): MetricsWindow[] {
    return [...this.pending.keys()].sort((a, b) => a - b).map((i) => this.merge(i));
  }

  private merge(index: number): MetricsWindow {
    const parts = this.pending.get(index)!;
    this.pending.delete(index);
    const hists = new Map<HistName, DenseHistogram>();
    for (const p of parts) {
      for (const [name, enc] of Object.entries(p.hists) as Array<[HistName, string]>) {
        let into = hists.get(name);
        if (!into) hists.set(name, (into = new DenseHistogram()));
        into.addEncoded(enc);
      }
    }
    const errors: Partial<Record<ErrorClass, number>> = {};
    const redirects = { MOVED: 0, ASK: 0, TRYAGAIN: 0 };
    let ops = 0;
    let late = 0;
    let dropped = 0;
    for (const p of parts) {
      ops += p.ops;
      late += p.late;
      dropped += p.dropped;
      addCounts(errors, p.errors);
      addCounts(redirects, p.redirects);
    }
    const eventLoop = worstOf(parts.map((p) => p.eventLoop).filter((e): e is LatencySummary => e !== null));
    if (eventLoop.count > 0) this.eventLoops.push(eventLoop);
    const startMs = Math.min(...parts.map((p) => p.startMs));
    const endMs = Math.max(...parts.map((p) => p.endMs));
    const sum = (name: HistName): LatencySummary => hists.get(name)?.summary() ?? { ...EMPTY_SUMMARY };
    const byClass: MetricsWindow["byClass"] = {};
    for (const c of ["read", "write", "multi"] as const) if (hists.has(c)) byClass[c] = sum(c);
    const bySlotClass: MetricsWindow["bySlotClass"] = {};
    for (const c of ["migrating", "other"] as const) if (hists.has(c)) bySlotClass[c] = sum(c);
    const window: MetricsWindow = {
      startMs: round3(startMs),
      durationMs: round3(endMs - startMs),
      ops,
      latency: sum("latency"),
      service: sum("service"),
      byClass,
      bySlotClass,
      errors,
      redirects,
      late,
      dropped,
      hdr: hists.get("latency")?.encode(),
      schedulingLag: hists.has("sched") ? sum("sched") : undefined,
      eventLoopLag: eventLoop.count > 0 ? eventLoop : undefined,
    };
    this.counters.ops += ops;
    this.counters.late += late;
    this.counters.dropped += dropped;
    addCounts(this.counters.errors, errors);
    addCounts(this.counters.redirects, redirects);
    this.onMerged?.(window, hists);
    for (const [name, h] of hists) {
      const total = this.totals.get(name);
      if (total) total.add(h);
      else this.totals.set(name, h);
    }
    this.windows.push(window);
    return window;
  }

  allWindows(): MetricsWindow[] {
    return this.windows;
  }

  /** the run's merged histogram of one kind (e.g. for a final interval-log line) */
  total(name: HistName): Histogram | undefined {
    return this.totals.get(name)?.toHdr();
  }

  summary(durationMs: number, eventLoopLag?: LatencySummary): WorkloadSummary {
    const sum = (name: HistName): LatencySummary => this.totals.get(name)?.summary() ?? { ...EMPTY_SUMMARY };
    const byClass: WorkloadSummary["byClass"] = {};
    for (const c of ["read", "write", "multi"] as const) if (this.totals.has(c)) byClass[c] = sum(c);
    const bySlotClass: WorkloadSummary["bySlotClass"] = {};
    for (const c of ["migrating", "other"] as const) if (this.totals.has(c)) bySlotClass[c] = sum(c);
    return {
      durationMs: round3(durationMs),
      ops: this.counters.ops,
      opsPerSec: durationMs > 0 ? Math.round((this.counters.ops / durationMs) * 1000 * 10) / 10 : 0,
      latency: sum("latency"),
      service: sum("service"),
      byClass,
      bySlotClass,
      errors: { ...this.counters.errors },
      redirects: { ...this.counters.redirects },
      late: this.counters.late,
      dropped: this.counters.dropped,
      eventLoopLag: eventLoopLag ?? worstOf(this.eventLoops),
      schedulingLag: this.totals.has("sched") ? sum("sched") : undefined,
    };
  }
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
