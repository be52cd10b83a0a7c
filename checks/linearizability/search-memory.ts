// Memory of the search (search.ts): reused working arrays, the Zobrist table and
// the memo cache of visited configurations. All typed arrays, reused across keys.

/** Working memory reused by every search: searches are synchronous and never nest. */
export class Scratch {
  capacity = -1;
  rank = new Int32Array(0);
  byRet = new Int32Array(0);
  nodeOp = new Int32Array(0);
  nodeTime = new Float64Array(0);
  isCall = new Uint8Array(0);
  retNode = new Int32Array(0);
  next = new Int32Array(0);
  prev = new Int32Array(0);
  infoOp = new Int32Array(0);
  infoCall = new Float64Array(0);
  infoLin = new Uint8Array(0);
  infoCls = new Int32Array(0);
  classPos = new Int32Array(0);
  linCount = new Int32Array(0);
  curInfo = new Int32Array(0);
  stackNode = new Int32Array(0);
  stackCursor = new Int32Array(0);
  stackState = new Int32Array(0);
  stackMax = new Int32Array(0);
  stackHash = new Int32Array(0);
  forced = new Uint8Array(0);
  holes = new Int32Array(0);
  callNode = new Int32Array(0);
  absorbStack = new Int32Array(0);
  absorbCount = new Int32Array(0);
  absorbStart = new Int32Array(0);
  bestNode = new Int32Array(0);
  bestAbsorbCount = new Int32Array(0);
  bestAbsorb = new Int32Array(0);

  /** Room for `n` ops; memory taken for a huge key is given back afterwards (see release). */
  ensure(n: number): void {
    if (n <= this.capacity) return;
    const cap = Math.max(n, 2 * this.capacity, 256);
    const nodes = 2 * cap + 1;
    this.capacity = cap;
    this.rank = new Int32Array(cap);
    this.byRet = new Int32Array(cap);
    this.nodeOp = new Int32Array(nodes);
    this.nodeTime = new Float64Array(nodes);
    this.isCall = new Uint8Array(nodes);
    this.retNode = new Int32Array(cap);
    this.next = new Int32Array(nodes);
    this.prev = new Int32Array(nodes);
    this.infoOp = new Int32Array(cap);
    this.infoCall = new Float64Array(cap);
    this.infoLin = new Uint8Array(cap);
    this.infoCls = new Int32Array(cap);
    this.classPos = new Int32Array(cap);
    this.linCount = new Int32Array(cap);
    this.curInfo = new Int32Array(cap);
    this.stackNode = new Int32Array(cap);
    this.stackCursor = new Int32Array(cap);
    this.stackState = new Int32Array(cap);
    this.stackMax = new Int32Array(cap);
    this.stackHash = new Int32Array(cap);
    this.forced = new Uint8Array(cap);
    this.holes = new Int32Array(cap);
    this.callNode = new Int32Array(cap);
    this.absorbStack = new Int32Array(cap);
    this.absorbCount = new Int32Array(cap);
    this.absorbStart = new Int32Array(cap);
    this.bestNode = new Int32Array(cap);
    this.bestAbsorbCount = new Int32Array(cap);
    this.bestAbsorb = new Int32Array(cap);
  }

  release(): void {
    if (this.capacity <= 1 << 20) return;
    this.capacity = -1;
    this.ensure(0);
  }
}
export const scratch = new Scratch();

/**
 * Per-op random 32-bit words; the XOR of those in a set is its hash, updated in
 * O(1). One table serves every key (ranks restart at 0 per key).
 */
let zobristTable = new Int32Array(0);
export function zobrist(n: number): Int32Array {
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

export function mixState(s: number): number {
  let h = Math.imul(s ^ 0x5bd1e995, 0x27d4eb2d);
  h ^= h >>> 15;
  return Math.imul(h, 0x165667b1);
}


/**
 * Memo cache of visited configurations: (linearized ok ops, state, linearized info ops).
 * The set of linearized ok ops is stored as its largest rank M plus the "holes"
 * (unlinearized ranks below M). Any hole was still in flight when M was called (else
 * the search could not have linearized M), so there are at most as many holes as
 * concurrent ops — a few words per entry instead of a bitset over the key history.
 * Info ops are kept as a sorted list, compared by inclusion (see the file comment).
 * Arena layout per entry: [next, hash, state, M, holeCount, infoCount, ...holes, ...infos].
 */
export class StateCache {
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

  /**
   * Inserts the configuration unless it, or one with the same ok part and a subset of
   * its info ops, is there; returns false in that case (nothing new to explore).
   */
  insert(hash: number, state: number, max: number, holes: Int32Array, holeCount: number, infos: Int32Array, infoCount: number): boolean {
    const arena = this.arena;
    for (let e = this.heads[hash & this.mask]; e !== 0; e = arena[e]) {
      if (arena[e + 1] !== hash || arena[e + 2] !== state || arena[e + 3] !== max || arena[e + 4] !== holeCount) continue;
      const storedInfos = arena[e + 5];
      if (storedInfos > infoCount) continue;
      let k = 0;
      const h = e + 6;
      while (k < holeCount && arena[h + k] === holes[k]) k++;
      if (k < holeCount) continue;
      // stored info list ⊆ ours? (both sorted)
      let i = 0;
      let j = 0;
      const s = h + holeCount;
      while (i < storedInfos && j < infoCount) {
        const a = arena[s + i];
        const b = infos[j];
        if (a === b) i++, j++;
        else if (a > b) j++;
        else break;
      }
      if (i === storedInfos) return false;
    }
    const need = 6 + holeCount + infoCount;
    if (this.used + need > this.arena.length) this.growArena(need);
    const e = this.used;
    const a = this.arena;
    const bucket = hash & this.mask;
    a[e] = this.heads[bucket];
    a[e + 1] = hash;
    a[e + 2] = state;
    a[e + 3] = max;
    a[e + 4] = holeCount;
    a[e + 5] = infoCount;
    for (let k = 0; k < holeCount; k++) a[e + 6 + k] = holes[k];
    for (let k = 0; k < infoCount; k++) a[e + 6 + holeCount + k] = infos[k];
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
    for (let e = 1; e < this.used; e += 6 + a[e + 4] + a[e + 5]) {
      const b = a[e + 1] & mask;
      a[e] = heads[b];
      heads[b] = e;
    }
    this.heads = heads;
    this.mask = mask;
  }
}

export const sharedCache = new StateCache();
