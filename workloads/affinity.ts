// Closed-loop node affinity (what valkey-benchmark --cluster does): each logical
// connection is homed on one primary and draws its keys among the keys that primary
// serves, so one socket's replies produce the next commands for that same socket and
// writes stay as large as the pipeline. With uniform key choice and connections
// spread over primaries in proportion to their keys, every key stays (almost) equally
// likely; other patterns would be distorted, so they never use it.
import type { KeySpace } from "./keyspace.ts";
import { keySlot } from "./slots.ts";

export const AFFINITY_MAX_KEYS = 1_000_000;

export interface Home {
  /** primary address */
  node: string;
  /** key positions this primary serves */
  positions: Uint32Array;
}

/** Positions of the key space grouped by the primary that owns them now. */
export function homesOf(keys: KeySpace, ownerOf: (slot: number) => string | undefined): Home[] {
  const lists = new Map<string, number[]>();
  for (let p = 0; p < keys.size; p++) {
    const node = ownerOf(keySlot(keys.nameAt(p)));
    if (node === undefined) continue;
    let list = lists.get(node);
    if (!list) lists.set(node, (list = []));
    list.push(p);
  }
  return [...lists].sort(([a], [b]) => (a < b ? -1 : 1)).map(([node, ps]) => ({ node, positions: Uint32Array.from(ps) }));
}

/**
 * How many of `connections` logical connections each home gets: proportional to its
 * keys (largest remainder), at least one each. Returns undefined when there are too
 * few connections to spread (then no affinity).
 */
export function spread(homes: Home[], connections: number): number[] | undefined {
  if (homes.length === 0 || connections < 2 * homes.length) return undefined;
  const total = homes.reduce((a, h) => a + h.positions.length, 0);
  const exact = homes.map((h) => (h.positions.length / total) * connections);
  const counts = exact.map((x) => Math.max(1, Math.floor(x)));
  let left = connections - counts.reduce((a, b) => a + b, 0);
  const order = exact.map((x, i) => [x - Math.floor(x), i] as const).sort((a, b) => b[0] - a[0]);
  for (let k = 0; left > 0; k = (k + 1) % order.length, left--) counts[order[k][1]]++;
  while (left < 0) {
    const i = counts.indexOf(Math.max(...counts));
    counts[i]--;
    left++;
  }
  return counts;
}
