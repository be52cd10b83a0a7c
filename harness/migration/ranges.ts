// Slot range arithmetic shared by the planner, the strategies and the observer.
import { UsageError } from "../errors.ts";
import { parseSlotRanges } from "../scenario/slots.ts";
import type { MigrationPlan, SlotRange } from "./types.ts";

export const SLOT_COUNT = 16384;

/** Every slot of the ranges, ascending. */
export function expandRanges(ranges: readonly SlotRange[]): number[] {
  const out: number[] = [];
  for (const [a, b] of ranges) for (let s = a; s <= b; s++) out.push(s);
  return out;
}

/** Ascending slots (duplicates allowed) → merged inclusive ranges. */
export function toRanges(slots: Iterable<number>): SlotRange[] {
  const sorted = [...slots].sort((x, y) => x - y);
  const out: SlotRange[] = [];
  for (const s of sorted) {
    const last = out[out.length - 1];
    if (last && s <= last[1] + 1) last[1] = Math.max(last[1], s);
    else out.push([s, s]);
  }
  return out;
}

export function countSlots(ranges: readonly SlotRange[]): number {
  return ranges.reduce((n, [a, b]) => n + b - a + 1, 0);
}

/** "0-1000 2000" (single slots without a dash), the form users write. */
export function formatRanges(ranges: readonly SlotRange[]): string {
  return ranges.map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`)).join(" ");
}

/** "0-1000 2000-2000": every range with both ends, the form scripts split easily. */
export function formatRangesFull(ranges: readonly SlotRange[]): string {
  return ranges.map(([a, b]) => `${a}-${b}`).join(" ");
}

/** Parses a user's slot list; a bad one is a UsageError naming `field`. */
export function parseSlotsField(value: string | number, field: string): SlotRange[] {
  const parsed = parseSlotRanges(value);
  if ("error" in parsed) throw new UsageError(`${field}: ${JSON.stringify(value)} is not allowed: ${parsed.error}`);
  return parsed;
}

/** Every slot the plan moves, ascending, without duplicates. */
export function slotsOfPlan(plan: MigrationPlan): number[] {
  const set = new Set<number>();
  for (const m of plan.moves) for (const s of expandRanges(m.slots)) set.add(s);
  return [...set].sort((a, b) => a - b);
}
