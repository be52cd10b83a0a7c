// Slot selectors: `all`, `migrating`, `other`, or ranges like "0-1000 2000".
import type { SlotRange } from "../migration/types.ts";
import { didYouMean } from "./suggest.ts";

export const SLOT_COUNT = 16384;
export const SLOT_KEYWORDS = ["all", "migrating", "other"] as const;
export type SlotKeyword = (typeof SLOT_KEYWORDS)[number];

/** Where keys live: every slot, the slots the migration moves, the others, or explicit ranges. */
export type SlotSelector = SlotKeyword | SlotRange[];

/**
 * Parses "0-1000 2000, 3000-3010" into inclusive ranges (sorted, merged).
 * Returns an error sentence instead when the text is not a valid range list.
 */
export function parseSlotRanges(text: string | number): SlotRange[] | { error: string } {
  const parts = String(text).trim().split(/[\s,]+/).filter((p) => p.length > 0);
  if (parts.length === 0) return { error: 'expected slot ranges like "0-1000 2000"' };
  const ranges: SlotRange[] = [];
  for (const part of parts) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) return { error: `"${part}" is not a slot or a range (write "0-1000 2000")` };
    const start = Number(m[1]);
    const end = m[2] === undefined ? start : Number(m[2]);
    if (end >= SLOT_COUNT) return { error: `slot ${end} is out of range; slots are 0-${SLOT_COUNT - 1}` };
    if (start > end) return { error: `range "${part}" runs backwards; write ${end}-${start}` };
    ranges.push([start, end]);
  }
  ranges.sort((a, b) => a[0] - b[0]);
  const merged: SlotRange[] = [];
  for (const r of ranges) {
    const last = merged[merged.length - 1];
    if (last && r[0] <= last[1] + 1) last[1] = Math.max(last[1], r[1]);
    else merged.push([r[0], r[1]]);
  }
  return merged;
}

/** A selector from a scenario value, or an error sentence (with a did-you-mean for keyword typos). */
export function parseSlotSelector(value: string | number): SlotSelector | { error: string } {
  if (typeof value === "string" && (SLOT_KEYWORDS as readonly string[]).includes(value.trim())) {
    return value.trim() as SlotKeyword;
  }
  if (typeof value === "string" && /^[A-Za-z_-]+$/.test(value.trim())) {
    return {
      error: `unknown slot selector "${value}"; allowed: all, migrating, other, or ranges like "0-1000 2000"${didYouMean(value.trim(), SLOT_KEYWORDS)}`,
    };
  }
  return parseSlotRanges(value);
}

/** Number of slots in a list of ranges. */
export function countSlots(ranges: readonly SlotRange[]): number {
  return ranges.reduce((n, [a, b]) => n + b - a + 1, 0);
}
