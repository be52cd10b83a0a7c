// Public API of the load engine.
//
//   const loaded = await preload({ cluster, scenario, migratingSlots });
//   const load = await startWorkload({ cluster, scenario, migratingSlots, clock });
//   load.onWindow((w) => ...);            // live windows
//   load.setMigratingSlots(slots);        // when the plan is known / changes
//   const { windows, summary, history } = await load.stop();
//
// `startLoad` / `preloadData` take plain options (CLI, benchmarks, tests); the
// scenario forms map a parsed scenario onto them.
import { UsageError } from "../harness/errors.ts";
import type { StartedCluster } from "../harness/providers/types.ts";
import type { Scenario, SlotSelector, ValueSize } from "../harness/scenario/types.ts";
import type { RunClock } from "./clock.ts";
import { startLoad, type WorkloadHandle, type WorkloadResult } from "./coordinator.ts";
import type { SlotChoice, WorkloadOptions } from "./options.ts";
import { preloadData, type PreloadResult, type PreloadSpec } from "./preload.ts";
import { errorstatsDelta, primaryTargets, snapshotErrorstats } from "./errorstats.ts";
import type { ValueSizeSpec } from "./values.ts";

export { startLoad, type WorkloadHandle, type WorkloadResult, type StartHooks } from "./coordinator.ts";
export { preloadData, expandPreload, type PreloadResult, type PreloadSpec, type PreloadDescription } from "./preload.ts";
export { resolveWorkload, type WorkloadOptions, type HistoryOptions, type SlotChoice } from "./options.ts";
export { createClock, clockFromPerformanceStart, type RunClock } from "./clock.ts";
export { keySlot, slotTag, parseSlots, SlotSet } from "./slots.ts";
export { snapshotErrorstats, errorstatsDelta, primaryTargets, parseErrorstats } from "./errorstats.ts";
export { writeHistory, readHistory, streamHistory, HistoryWriter } from "./history-io.ts";
export { intervalLogHeader, intervalLogLine, IntervalLogWriter } from "./hdr-log.ts";

/** every running primary's address: the client learns the rest from them */
export function seedsOf(cluster: StartedCluster): string[] {
  const primaries = cluster.nodes().filter((n) => n.role === "primary" && n.state === "running");
  const seeds = primaries.map((n) => `${n.host}:${n.port}`);
  return seeds.length > 0 ? seeds : [cluster.seed()];
}

function slotChoice(sel: SlotSelector): SlotChoice {
  if (typeof sel === "string") return sel;
  const out: number[] = [];
  for (const [a, b] of sel) for (let s = a; s <= b; s++) out.push(s);
  return out;
}

/** a slot selector resolved to slots (undefined = all) */
function slotsOfSelector(sel: SlotSelector, migrating: number[], field: string): number[] | undefined {
  const c = slotChoice(sel);
  if (c === "all") return undefined;
  if (c === "migrating" || c === "other") {
    const set = new Set(migrating);
    if (set.size === 0) {
      if (c === "migrating") throw new UsageError(`${field}: "migrating" needs a migration plan, and none moves any slot`);
      return undefined;
    }
    const out: number[] = [];
    for (let s = 0; s < 16384; s++) if (set.has(s) === (c === "migrating")) out.push(s);
    return out;
  }
  if (c.length === 0) throw new UsageError(`${field}: the slot list is empty`);
  return c;
}

export function valueSizeOf(v: ValueSize): ValueSizeSpec {
  if (v.kind === "fixed") return v.bytes;
  if (v.kind === "range") return { min: v.min, max: v.max };
  return v.sizes.map((size) => ({ size, weight: 1 }));
}

/** The scenario's `workload:` section as load options. */
export function workloadOptionsOf(scenario: Scenario, seeds: string[], migratingSlots: number[] = []): WorkloadOptions {
  const wl = scenario.workload;
  return {
    seeds,
    executor: wl.executor,
    rate: wl.rate,
    ramp: wl.ramp,
    connections: wl.connections,
    pipeline: wl.pipeline,
    workers: wl.workers,
    maxInFlight: wl.maxInFlight,
    mix: { weights: { ...wl.mix }, commands: wl.commands.map((c) => ({ command: c.template, weight: c.weight })) },
    keySpace: { prefix: scenario.dataset.prefix, count: wl.keySpace, pattern: wl.keyPattern },
    slots: slotChoice(wl.slots),
    migratingSlots,
    valueSize: valueSizeOf(wl.valueSize),
    windowMs: wl.windowMs,
    timeoutMs: wl.timeoutMs,
    history: wl.history.keys > 0 ? { keys: wl.history.keys, model: wl.history.model, prefix: wl.history.prefix, slots: slotChoice(wl.history.slots) } : undefined,
    seed: scenario.seed,
  };
}

/** The scenario's `dataset:` section as a preload spec. */
export function preloadSpecOf(scenario: Scenario, seeds: string[], migratingSlots: number[] = []): PreloadSpec {
  const d = scenario.dataset;
  return {
    seeds,
    keys: d.keys,
    prefix: d.prefix,
    valueSize: valueSizeOf(d.valueSize),
    slots: slotsOfSelector(d.slots, migratingSlots, "dataset.slots"),
    ttlSeconds: d.ttlSeconds,
    bigKeys: d.bigKeys.map((b, i) => ({
      type: b.type,
      count: b.count,
      elements: b.elements,
      elementSize: b.elementSize,
      prefix: b.prefix,
      slots: slotsOfSelector(b.slots, migratingSlots, `dataset.bigKeys[${i}].slots`),
    })),
    seed: scenario.seed,
  };
}

export interface ScenarioLoadInput {
  cluster: StartedCluster;
  scenario: Scenario;
  migratingSlots?: number[];
  signal?: AbortSignal;
  /** the run clock (windows' startMs and history t are relative to its origin) */
  clock?: RunClock;
}

/** Preloads the scenario's dataset. */
export function preload(input: ScenarioLoadInput & { onProgress?: (done: number, total: number) => void }): Promise<PreloadResult> {
  const spec = preloadSpecOf(input.scenario, seedsOf(input.cluster), input.migratingSlots);
  return preloadData({ ...spec, signal: input.signal, onProgress: input.onProgress });
}

/**
 * Starts the scenario's workload. The summary at stop carries the servers' own
 * redirect counts over the same span (`serverErrorstats`: INFO errorstats deltas of
 * every primary; nodes that joined count from 0, removed nodes are missing).
 */
export async function startWorkload(input: ScenarioLoadInput & { intervalLogPath?: string }): Promise<WorkloadHandle> {
  const opts = workloadOptionsOf(input.scenario, seedsOf(input.cluster), input.migratingSlots);
  const before = await snapshotErrorstats(primaryTargets(input.cluster));
  const handle = await startLoad({ ...opts, intervalLogPath: input.intervalLogPath }, { clock: input.clock, signal: input.signal });
  let stopped: Promise<WorkloadResult> | undefined;
  return {
    ...handle,
    stop: () =>
      (stopped ??= handle.stop().then(async (r) => {
        r.summary.serverErrorstats = errorstatsDelta(before, await snapshotErrorstats(primaryTargets(input.cluster)));
        return r;
      })),
  };
}
