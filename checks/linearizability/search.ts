// The Wing & Gong search with Lowe's memoisation, as Porcupine runs it: walk the
// history's call/return entries in time order, linearize the first call whose
// step is legal, backtrack at a return entry that was not linearized in time,
// and never revisit a (set of linearized ops, model state) pair twice.
//
// Speed: the entry list is a doubly linked list in Int32Arrays; the memo cache is
// an arena (see StateCache) keyed by an incrementally maintained Zobrist hash of
// the linearized set, and stores that set compactly as (max id, holes below it).
// Nothing in the hot loop allocates.
import type { CompiledModel } from "./models.ts";

export interface SearchInput {
  /** call times, ops already sorted by call (op id = index) */
  call: ArrayLike<number>;
  /** return times; Infinity for ops that may take effect any time after call */
  ret: ArrayLike<number>;
  /** number of ops (default call.length): lets callers pass reused, larger arrays */
  n?: number;
  model: CompiledModel;
  /** Date.now() value after which the search gives up (unknown) */
  deadline: number;
  signal?: AbortSignal;
}

/** Work done: linearization attempts that passed the model, and distinct (set, state) pairs cached. */
export interface SearchStats {
  steps: number;
  cached: number;
}

export type SearchOutcome = (
  | { result: "ok"; linearization: number[] }
  | {
      result: "illegal";
      /** the longest partial linearization found (op ids in order) */
      longest: number[];
      /** the op whose return came before it could be placed after `longest` */
      stuckOp: number;
      /** model state id after `longest` */
      stuckState: number;
    }
  | { result: "unknown"; reason: "budget" | "aborted" }
) & { stats?: SearchStats };

/** Checks (no allocation per step) every this many steps whether time is up. */
const CLOCK_EVERY = 4096;

/** Working memory reused by every search: searches are synchronous and never nest. */
class Scratch {
  capacity = -1;
  byRet = new Int32Array(0);
  nodeOp = new Int32Array(0);
  isCall = new Uint8Array(0);
  retNode = new Int32Array(0);
  next = new Int32Array(0);
  prev = new Int32Array(0);
  stackNode = new Int32Array(0);
  stackState = new Int32Array(0);
  stackMax = new Int32Array(0);
  stackHash = new Int32Array(0);
  holes = new Int32Array(0);
  best = new Int32Array(0);
  forced = new Uint8Array(0);

  /** Room for `n` ops; memory taken for a huge key is given back afterwards (see release). */
  ensure(n: number): this {
    if (n <= this.capacity) return this;
    const cap = Math.max(n, 2 * this.capacity, 256);
    const nodes = 2 * cap + 1;
    this.capacity = cap;
    this.byRet = new Int32Array(cap);
    this.nodeOp = new Int32Array(nodes);
    this.isCall = new Uint8Array(nodes);
    this.retNode = new Int32Array(cap);
    this.next = new Int32Array(nodes);
    this.prev = new Int32Array(nodes);
    this.stackNode = new Int32Array(cap);
    this.stackState = new Int32Array(cap);
    this.stackMax = new Int32Array(cap);
    this.stackHash = new Int32Array(cap);
    this.holes = new Int32Array(cap);
    this.best = new Int32Array(cap);
    this.forced = new Uint8Array(cap);
    return this;
  }

  release(): void {
    if (this.capacity <= 1 << 20) return;
    this.capacity = -1;
    this.ensure(0);
  }
}
const scratch = new Scratch();

/**
 * Entry order: by time; at equal times calls before returns (equal timestamps
 * overlap, the permissive reading); calls keep op id order. Fills the scratch
 * node arrays: node 0 is the head sentinel, nodes 1..2n the entries.
 */
function buildEntries(n: number, call: ArrayLike<number>, ret: ArrayLike<number>): void {
  // Returns sorted by time (ties by id); calls are already in id order: merge.
  const { nodeOp, isCall, retNode, next, prev } = scratch;
  const byRet = sortByReturn(n, ret);
  const size = 2 * n + 1;
  let c = 0;
  let r = 0;
  for (let node = 1; node < size; node++) {
    if (c < n && call[c] <= ret[byRet[r]]) {
      nodeOp[node] = c;
      isCall[node] = 1;
      c++;
    } else {
      const op = byRet[r++];
      nodeOp[node] = op;
      isCall[node] = 0;
      retNode[op] = node;
    }
  }
  isCall[0] = 0;
  for (let node = 0; node < size; node++) {
    next[node] = node + 1;
    prev[node] = node - 1;
  }
  next[size - 1] = -1;
}

/**
 * Op ids ordered by return time, ties by id. Returns come almost in call order
 * (an op overlaps only the few ops in flight with it), so insertion sort is near
 * linear; it gives up for a general sort if the input is far from sorted.
 * Ops that never return (Infinity) go last.
 */
function sortByReturn(n: number, ret: ArrayLike<number>): Int32Array {
  const byRet = scratch.byRet;
  let finite = 0;
  for (let i = 0; i < n; i++) if (ret[i] !== Infinity) byRet[finite++] = i;
  let tail = finite;
  for (let i = 0; i < n; i++) if (ret[i] === Infinity) byRet[tail++] = i;
  let moves = 0;
  const budget = 16 * n + 64;
  for (let i = 1; i < finite; i++) {
    const op = byRet[i];
    const r = ret[op];
    let j = i - 1;
    // ids in byRet[0..i) are < op, so equal returns keep id order without a tie check
    while (j >= 0 && ret[byRet[j]] > r) {
      byRet[j + 1] = byRet[j];
      j--;
    }
    byRet[j + 1] = op;
    moves += i - 1 - j;
    if (moves > budget) {
      byRet.subarray(0, finite).sort((x, y) => ret[x] - ret[y] || x - y); // stable enough: ties by id
      break;
    }
  }
  return byRet;
}

/**
 * Per-op random 32-bit words; the XOR of those in a set is its hash, updated in
 * O(1). One table serves every key (op ids restart at 0 per key).
 */
let zobristTable = new Int32Array(0);
function zobrist(n: number): Int32Array {
  if (zobristTable.length >= n) return zobristTable;
  const z = new Int32Array(Math.max(n, 2 * zobristTable.length, 1024));
  let x = 0x9e3779b9 | 0;
  for (let i = 0; i < z.length; i++) {
    // xorshift32
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    z[i] = x;
  }
  zobristTable = z;
  return z;
}

function mixState(s: number): number {
  let h = Math.imul(s ^ 0x5bd1e995, 0x27d4eb2d);
  h ^= h >>> 15;
  return Math.imul(h, 0x165667b1);
}

/**
 * Memo cache of visited (linearized set, state) pairs. The set of linearized ops is
 * stored as its largest id M plus the "holes" (unlinearized ids below M). Any hole
 * was still in flight when M was called (else the search could not have linearized
 * M), so there are at most as many holes as concurrent ops — a few words per entry
 * instead of a bitset over the whole key history.
 * Arena layout per entry: [next, hash, state, M, holeCount, ...holes].
 */
class StateCache {
  private heads = new Int32Array(1024);
  private mask = 1023;
  private arena = new Int32Array(1 << 14);
  private used = 1; // offset 0 means "none"
  size = 0;

  /** Empties the cache for the next key, keeping its memory unless it grew large. */
  reset(): void {
    if (this.heads.length > 1 << 12) {
      this.heads = new Int32Array(1024);
      this.mask = 1023;
    } else this.heads.fill(0);
    if (this.arena.length > 1 << 22) this.arena = new Int32Array(1 << 14);
    this.used = 1;
    this.size = 0;
  }

  /** Inserts the entry unless present; returns false when it was already there. */
  insert(hash: number, state: number, max: number, holes: Int32Array, holeCount: number): boolean {
    const arena = this.arena;
    for (let e = this.heads[hash & this.mask]; e !== 0; e = arena[e]) {
      if (arena[e + 1] !== hash || arena[e + 2] !== state || arena[e + 3] !== max || arena[e + 4] !== holeCount) continue;
      let same = true;
      for (let k = 0; k < holeCount; k++) {
        if (arena[e + 5 + k] !== holes[k]) {
          same = false;
          break;
        }
      }
      if (same) return false;
    }
    const need = 5 + holeCount;
    if (this.used + need > this.arena.length) this.growArena(need);
    const e = this.used;
    const a = this.arena;
    const bucket = hash & this.mask;
    a[e] = this.heads[bucket];
    a[e + 1] = hash;
    a[e + 2] = state;
    a[e + 3] = max;
    a[e + 4] = holeCount;
    for (let k = 0; k < holeCount; k++) a[e + 5 + k] = holes[k];
    this.heads[bucket] = e;
    this.used += need;
    if (++this.size > this.heads.length) this.rehash();
    return true;
  }

  private growArena(need: number): void {
    const bigger = new Int32Array(Math.max(this.arena.length * 2, this.used + need));
    bigger.set(this.arena.subarray(0, this.used));
    this.arena = bigger;
  }

  private rehash(): void {
    const heads = new Int32Array(this.heads.length * 2);
    const mask = heads.length - 1;
    const a = this.arena;
    for (let e = 1; e < this.used; e += 5 + a[e + 4]) {
      const b = a[e + 1] & mask;
      a[e] = heads[b];
      heads[b] = e;
    }
    this.heads = heads;
    this.mask = mask;
  }
}

const sharedCache = new StateCache();

/** Searches for a linearization of one key's operations. */
export function searchLinearization(input: SearchInput): SearchOutcome {
  try {
    return search(input);
  } finally {
    scratch.release();
  }
}

function search(input: SearchInput): SearchOutcome {
  const { call, ret, model, deadline, signal } = input;
  const n = input.n ?? call.length;
  if (n === 0) return { result: "ok", linearization: [] };
  scratch.ensure(n);
  buildEntries(n, call, ret);
  const { nodeOp, isCall, retNode, next, prev } = scratch;
  const { stackNode, stackState, stackMax, stackHash, holes, best, forced } = scratch;
  const zob = zobrist(n);
  // Searches never nest or interleave (they are synchronous), so one cache serves all.
  const cache = sharedCache;
  cache.reset();
  const step = model.step;

  // The stack (stackNode…stackHash) holds the linearized ops and what to restore when one is undone.
  let depth = 0;

  // The deepest dead end, for the report. `best` is kept in sync lazily: stack
  // slots below `lowWater` have not changed since the last copy.
  let bestDepth = -1;
  let bestStuck = -1;
  let bestState = model.init;
  let lowWater = 0;

  const readOnly = model.readOnly;
  // forced[k]: stack frame k linearized a read-only op without branching
  let fresh = true; // a config not scanned yet: first look for a read-only op to force

  let state = model.init;
  let hash = 0;
  let max = -1;
  let node = next[0];
  let steps = 0;
  let totalSteps = 0;

  search: while (next[0] !== -1) {
    if (++steps === CLOCK_EVERY) {
      totalSteps += steps;
      steps = 0;
      if (signal?.aborted) return { result: "unknown", reason: "aborted", stats: { steps: totalSteps, cached: cache.size } };
      if (Date.now() > deadline) return { result: "unknown", reason: "budget", stats: { steps: totalSteps, cached: cache.size } };
    }
    let cand = -1;
    let after = -1;
    let isForced = 0;
    if (fresh) {
      fresh = false;
      // The candidates are the call entries before the first return entry.
      for (let x = next[0]; isCall[x] === 1; x = next[x]) {
        const op = nodeOp[x];
        if (readOnly[op] === 1) {
          const a = step(state, op);
          if (a >= 0) {
            cand = x;
            after = a;
            isForced = 1;
            break;
          }
        }
      }
    }
    let backtrack = false;
    if (cand < 0) {
      if (isCall[node] === 1) {
        after = step(state, nodeOp[node]);
        if (after < 0) {
          node = next[node];
          continue;
        }
        cand = node;
      } else {
        // A return entry: its op was not linearized before it returned. Dead end.
        if (depth > bestDepth) {
          for (let k = lowWater; k < depth; k++) best[k] = nodeOp[stackNode[k]];
          bestDepth = depth;
          lowWater = depth;
          bestStuck = nodeOp[node];
          bestState = state;
        }
        backtrack = true;
      }
    }
    if (!backtrack) {
      const op = nodeOp[cand];
      const newHash = hash ^ zob[op];
      const newMax = op > max ? op : max;
      // Holes: unlinearized ids below newMax. They are the first call entries in the list.
      const holeCount = newMax - depth; // (newMax + 1) ids, (depth + 1) linearized
      let found = 0;
      for (let x = next[0]; found < holeCount; x = next[x]) {
        if (isCall[x] === 1 && x !== cand) holes[found++] = nodeOp[x];
      }
      if (cache.insert(newHash ^ mixState(after), after, newMax, holes, holeCount)) {
        stackNode[depth] = cand;
        stackState[depth] = state;
        stackMax[depth] = max;
        stackHash[depth] = hash;
        forced[depth] = isForced;
        depth++;
        state = after;
        hash = newHash;
        max = newMax;
        // lift: unlink the call and its return
        next[prev[cand]] = next[cand];
        prev[next[cand]] = prev[cand];
        const r = retNode[op];
        next[prev[r]] = next[r];
        if (next[r] !== -1) prev[next[r]] = prev[r];
        node = next[0];
        fresh = true;
        continue;
      }
      // Seen before (and failed). A forced op's config has no other branch worth trying.
      if (isForced === 0) {
        node = next[cand];
        continue;
      }
    }
    // Undo the last step; undoing a forced step means its config failed too.
    let wasForced: number;
    do {
      if (depth === 0) break search;
      depth--;
      if (depth < lowWater) lowWater = depth;
      node = stackNode[depth];
      state = stackState[depth];
      max = stackMax[depth];
      hash = stackHash[depth];
      wasForced = forced[depth];
      // unlift: relink the return, then the call
      const r = retNode[nodeOp[node]];
      next[prev[r]] = r;
      if (next[r] !== -1) prev[next[r]] = r;
      next[prev[node]] = node;
      prev[next[node]] = node;
    } while (wasForced === 1);
    node = next[node];
  }

  const stats = { steps: totalSteps + steps, cached: cache.size };
  if (next[0] === -1) {
    const linearization = new Array<number>(depth);
    for (let k = 0; k < depth; k++) linearization[k] = nodeOp[stackNode[k]];
    return { result: "ok", linearization, stats };
  }
  return { result: "illegal", longest: Array.from(best.subarray(0, bestDepth)), stuckOp: bestStuck, stuckState: bestState, stats };
}
