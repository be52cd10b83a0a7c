// The Wing & Gong search with Lowe's memoisation, as Porcupine runs it: walk the
// history's call/return entries in time order, linearize the first call whose
// step is legal, backtrack at a return entry that was not linearized in time,
// and never revisit a (set of linearized ops, model state) pair.
//
// Beyond Porcupine:
// - Read-only ops (reads, failed cas) are linearized as soon as they are legal,
//   without branching: moving a state-preserving op earlier never breaks a
//   linearization, so the alternatives are dominated.
// - Info ops (unknown outcome, ret = Infinity) are optional: they stay out of the
//   entry list and are tried only after the ok candidates. A configuration is
//   pruned when one with the same ok ops and state but a subset of its info ops
//   was seen: the one with fewer info ops can do everything it can. Info ops with the
//   same effect are used earliest-called first (they are interchangeable), info ops
//   leading to a dominated state are not tried, and where the model allows, an info
//   op is tried only right before a read it explains (see CompiledModel).
// - A step into the state UNOBSERVED is refused when some op that cannot run there
//   (a read) must return before any op that could leave it (a write) is even called.
// - Lazy writes (ok writes of values nobody reads) never branch: a write absorbs the
//   lazy writes in flight (placed right before it, to no effect); one not absorbed
//   by its return takes effect there, after every other choice was tried.
// - The memo cache is an arena (see StateCache) keyed by an incrementally kept
//   Zobrist hash; it stores the linearized ok ops compactly as (max rank, holes).
// - The entry list is a doubly linked list in reused Int32Arrays: nothing in the
//   hot loop allocates.
import { BLIND, LAZY, READ_ONLY, UNOBSERVED, type CompiledModel } from "./model-common.ts";
import { mixState, scratch, sharedCache, zobrist } from "./search-memory.ts";

export interface SearchInput {
  /** call times, ops already sorted by call (op id = index) */
  call: ArrayLike<number>;
  /** return times; Infinity for ops that may take effect any time after call, or never */
  ret: ArrayLike<number>;
  /** number of ops (default call.length): lets callers pass reused, larger arrays */
  n?: number;
  model: CompiledModel;
  /** Date.now() value after which the search gives up (unknown) */
  deadline: number;
  signal?: AbortSignal;
}

/** Work done: linearization attempts that passed the model, and distinct configurations cached. */
export interface SearchStats {
  steps: number;
  cached: number;
}

export type SearchOutcome = (
  | {
      result: "ok";
      /** every op once, in a legal order (info ops that need not happen come last) */
      linearization: number[];
    }
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

/**
 * Splits ops into ok ops (ranked 0..nOk-1 in call order) and info ops, and builds
 * the entry list of the ok ops: by time, at equal times calls before returns
 * (equal timestamps overlap, the permissive reading). Node 0 is the head sentinel.
 * Returns [nOk, nInfo].
 */
function buildEntries(n: number, call: ArrayLike<number>, ret: ArrayLike<number>): [number, number] {
  const { rank, nodeOp, nodeTime, isCall, retNode, callNode, next, prev, infoOp, infoCall, infoLin } = scratch;
  let nOk = 0;
  let nInfo = 0;
  for (let i = 0; i < n; i++) {
    if (ret[i] === Infinity) {
      rank[i] = -1;
      infoOp[nInfo] = i;
      infoCall[nInfo] = call[i];
      infoLin[nInfo] = 0;
      nInfo++;
    } else rank[i] = nOk++;
  }
  const byRet = sortByReturn(n, ret, nOk);
  const size = 2 * nOk + 1;
  let c = 0; // next op id to consider for a call entry
  let r = 0;
  for (let node = 1; node < size; node++) {
    while (c < n && rank[c] < 0) c++;
    if (c < n && call[c] <= ret[byRet[r]]) {
      nodeOp[node] = c;
      nodeTime[node] = call[c];
      isCall[node] = 1;
      callNode[rank[c]] = node;
      c++;
    } else {
      const op = byRet[r++];
      nodeOp[node] = op;
      nodeTime[node] = ret[op];
      isCall[node] = 0;
      retNode[rank[op]] = node;
    }
  }
  isCall[0] = 0;
  for (let node = 0; node < size; node++) {
    next[node] = node + 1;
    prev[node] = node - 1;
  }
  next[size - 1] = -1;
  return [nOk, nInfo];
}

/**
 * The ok op ids ordered by return time, ties by id. Returns come almost in call
 * order (an op overlaps only the few ops in flight with it), so insertion sort is
 * near linear; it gives up for a general sort if the input is far from sorted.
 */
function sortByReturn(n: number, ret: ArrayLike<number>, nOk: number): Int32Array {
  const byRet = scratch.byRet;
  let k = 0;
  for (let i = 0; i < n; i++) if (ret[i] !== Infinity) byRet[k++] = i;
  let moves = 0;
  const budget = 16 * nOk + 64;
  for (let i = 1; i < nOk; i++) {
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
      byRet.subarray(0, nOk).sort((x, y) => ret[x] - ret[y] || x - y);
      break;
    }
  }
  return byRet;
}


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
  const [nOk, nInfo] = buildEntries(n, call, ret);
  const { rank, nodeOp, nodeTime, isCall, retNode, next, prev, infoOp, infoCall, infoLin, curInfo } = scratch;
  const { infoCls, classPos, linCount } = scratch;
  // Info ops of one effect class are used in call order: k is usable iff classPos[k] === linCount[class].
  if (nInfo > 0) {
    const classes = new Map<string, number>();
    for (let k = 0; k < nInfo; k++) {
      const key = model.effectKey(infoOp[k]);
      let c = classes.get(key);
      if (c === undefined) {
        c = classes.size;
        classes.set(key, c);
        linCount[c] = 0;
      }
      infoCls[k] = c;
      classPos[k] = linCount[c]++;
    }
    linCount.fill(0, 0, classes.size);
  }
  const unobservedDominated = model.unobservedDominated;
  const hasUnobserved = model.hasUnobserved;
  const infoJustInTime = model.infoJustInTime;
  const { stackNode, stackCursor, stackState, stackMax, stackHash, forced, holes, callNode } = scratch;
  const { absorbStack, absorbCount, absorbStart, bestNode, bestAbsorbCount, bestAbsorb } = scratch;
  const flags = model.flags;
  const zob = zobrist(nOk);
  const cache = sharedCache;
  cache.reset();

  // The stack: frame k linearized main-list node stackNode[k] (>= 0) or info op
  // -(stackNode[k] + 1), and holds what to restore when undone. forced[k]: an op
  // linearized without branching. stackCursor[k]: for an info frame, the return
  // node that blocked the ok ops (the info pass resumes there).
  let depth = 0;
  let okDepth = 0;
  let infoCount = 0; // curInfo[0..infoCount): linearized info ops, sorted
  // Lazy writes absorbed by frame k (placed right before its op, to no effect) are
  // absorbStack[absorbStart[k] .. + absorbCount[k]).
  let absorbTop = 0;

  // The deepest dead end, for the report (bestNode, bestAbsorb…). Kept in sync
  // lazily: stack slots below `lowWater` have not changed since the last copy.
  let bestDepth = -1;
  let bestStuck = -1;
  let bestState = model.init;
  let lowWater = 0;

  let state = model.init;
  let hash = 0;
  let max = -1; // largest linearized ok rank
  let node = next[0]; // cursor in the main (ok) list
  let infoK = -1; // cursor in the info list; -1 while ok candidates are being tried
  let blockNode = 0; // the return node that ended the ok candidates
  let fresh = true; // a configuration not scanned yet: first look for a read-only op to force
  let steps = 0;
  let totalSteps = 0;

  search: while (next[0] !== -1) {
    if (++steps === CLOCK_EVERY) {
      totalSteps += steps;
      steps = 0;
      if (signal?.aborted) return { result: "unknown", reason: "aborted", stats: { steps: totalSteps, cached: cache.size } };
      if (Date.now() > deadline) return { result: "unknown", reason: "budget", stats: { steps: totalSteps, cached: cache.size } };
    }
    let cand = -1; // main-list node to linearize
    let candInfo = -1; // or info op index
    let after = -1;
    let isForced = 0;
    let deadEnd = false;
    if (fresh) {
      fresh = false;
      // The ok candidates are the call entries before the first return entry.
      for (let x = next[0]; isCall[x] === 1; x = next[x]) {
        const op = nodeOp[x];
        if ((flags[op] & READ_ONLY) !== 0) {
          const a = model.step(state, op);
          if (a >= 0) {
            cand = x;
            after = a;
            isForced = 1;
            break;
          }
        }
      }
    }
    if (cand < 0) {
      if (infoK < 0) {
        if (isCall[node] === 1) {
          const op = nodeOp[node];
          if ((flags[op] & LAZY) !== 0) {
            node = next[node]; // a lazy write waits for a write to absorb it, or its deadline
            continue;
          }
          after = model.step(state, op);
          if (after < 0 || (after === UNOBSERVED && hasUnobserved && stuckInUnobserved(node, nInfo, model))) {
            node = next[node];
            continue;
          }
          cand = node;
        } else {
          // No ok candidate left before this return: try the info ops called by then.
          blockNode = node;
          infoK = 0;
          continue;
        }
      } else {
        while (infoK < nInfo && (infoLin[infoK] === 1 || classPos[infoK] !== linCount[infoCls[infoK]])) infoK++;
        if (infoK >= nInfo || infoCall[infoK] > nodeTime[blockNode]) {
          const op = nodeOp[blockNode];
          if ((flags[op] & LAZY) !== 0) {
            // A lazy write at its deadline: it takes effect now, after everything else tried here.
            const c = callNode[rank[op]];
            after = model.step(state, op);
            if (after >= 0 && !(after === UNOBSERVED && hasUnobserved && stuckInUnobserved(c, nInfo, model))) {
              cand = c;
              isForced = 1;
            } else deadEnd = true;
          } else deadEnd = true;
        } else {
          after = model.step(state, infoOp[infoK]);
          let useful = after >= 0 && !(after === UNOBSERVED && (unobservedDominated || (hasUnobserved && stuckInUnobserved(-1, nInfo, model))));
          if (useful && infoJustInTime) {
            // only if it makes a pending read legal
            useful = false;
            for (let x = next[0]; isCall[x] === 1; x = next[x]) {
              const op = nodeOp[x];
              if ((flags[op] & READ_ONLY) !== 0 && model.step(after, op) >= 0 && model.step(state, op) < 0) {
                useful = true;
                break;
              }
            }
          }
          if (!useful) {
            infoK++;
            continue;
          }
          candInfo = infoK;
        }
      }
    }

    if (!deadEnd) {
      let newHash = hash;
      let newMax = max;
      let okAfter = okDepth;
      let absorbed = 0;
      if (cand >= 0) {
        const r = rank[nodeOp[cand]];
        newHash ^= zob[r];
        if (r > max) newMax = r;
        okAfter++;
      }
      if ((flags[cand >= 0 ? nodeOp[cand] : infoOp[candInfo]] & BLIND) !== 0) {
        // A write (ok or info): absorb every lazy write now in the window, placed right
        // before it to no effect. (Lazy writes are no candidates: this is how they get
        // placed before a write.)
        for (let x = next[0]; x !== -1 && isCall[x] === 1; ) {
          const nx = next[x];
          if (x !== cand && (flags[nodeOp[x]] & LAZY) !== 0) {
            const rx = rank[nodeOp[x]];
            liftNode(x, retNode[rx]);
            absorbStack[absorbTop + absorbed++] = x;
            newHash ^= zob[rx];
            if (rx > newMax) newMax = rx;
            okAfter++;
          }
          x = nx;
        }
      }
      if (cand < 0) {
        // insert candInfo into the sorted list of linearized info ops
        let k = infoCount++;
        while (k > 0 && curInfo[k - 1] > candInfo) {
          curInfo[k] = curInfo[k - 1];
          k--;
        }
        curInfo[k] = candInfo;
      }
      // Holes: unlinearized ok ranks below newMax, the first call entries in the list.
      const holeCount = newMax + 1 - okAfter;
      let found = 0;
      for (let x = next[0]; found < holeCount; x = next[x]) {
        if (isCall[x] === 1 && x !== cand) holes[found++] = rank[nodeOp[x]];
      }
      if (cache.insert(newHash ^ mixState(after), after, newMax, holes, holeCount, curInfo, infoCount)) {
        stackState[depth] = state;
        stackMax[depth] = max;
        stackHash[depth] = hash;
        forced[depth] = isForced;
        absorbStart[depth] = absorbTop;
        absorbCount[depth] = absorbed;
        absorbTop += absorbed;
        okDepth = okAfter;
        if (cand >= 0) {
          stackNode[depth] = cand;
          liftNode(cand, retNode[rank[nodeOp[cand]]]);
        } else {
          stackNode[depth] = -(candInfo + 1);
          stackCursor[depth] = blockNode;
          infoLin[candInfo] = 1;
          linCount[infoCls[candInfo]]++;
        }
        depth++;
        state = after;
        hash = newHash;
        max = newMax;
        node = next[0];
        infoK = -1;
        fresh = true;
        continue;
      }
      // Seen before (or something that can do more), and it failed.
      for (let j = absorbTop + absorbed - 1; j >= absorbTop; j--) unliftNode(absorbStack[j]);
      if (cand < 0) removeInfo(curInfo, infoCount--, candInfo);
      if (isForced === 0) {
        if (cand < 0) infoK = candInfo + 1;
        else node = next[cand];
        continue;
      }
      // A forced op's configuration has no other branch worth trying: it failed too.
    } else {
      // A return entry whose op could not be linearized before it returned.
      if (depth > bestDepth) {
        for (let k = lowWater; k < depth; k++) {
          bestNode[k] = stackNode[k];
          bestAbsorbCount[k] = absorbCount[k];
        }
        for (let j = lowWater < depth ? absorbStart[lowWater] : absorbTop; j < absorbTop; j++) bestAbsorb[j] = absorbStack[j];
        bestDepth = depth;
        lowWater = depth;
        bestStuck = nodeOp[infoK < 0 ? node : blockNode];
        bestState = state;
      }
    }

    // Undo the last step; undoing a forced step means its configuration failed too.
    let wasForced: number;
    do {
      if (depth === 0) break search;
      depth--;
      if (depth < lowWater) lowWater = depth;
      state = stackState[depth];
      max = stackMax[depth];
      hash = stackHash[depth];
      wasForced = forced[depth];
      const f = stackNode[depth];
      // relink in the reverse order of lifting: the op, then what it absorbed
      if (f >= 0) unliftNode(f);
      for (let j = absorbStart[depth] + absorbCount[depth] - 1; j >= absorbStart[depth]; j--) unliftNode(absorbStack[j]);
      okDepth -= (f >= 0 ? 1 : 0) + absorbCount[depth];
      absorbTop = absorbStart[depth];
      if (f >= 0) {
        node = next[f];
        infoK = -1;
      } else {
        const k = -f - 1;
        infoLin[k] = 0;
        linCount[infoCls[k]]--;
        removeInfo(curInfo, infoCount--, k);
        blockNode = stackCursor[depth];
        node = blockNode;
        infoK = k + 1;
      }
    } while (wasForced === 1);
  }

  const stats = { steps: totalSteps + steps, cached: cache.size };
  if (next[0] === -1) {
    const linearization = expandFrames(stackNode, absorbCount, absorbStack, depth);
    for (let k = 0; k < nInfo; k++) if (infoLin[k] === 0) linearization.push(infoOp[k]);
    return { result: "ok", linearization, stats };
  }
  const longest = expandFrames(bestNode, bestAbsorbCount, bestAbsorb, bestDepth);
  return { result: "illegal", longest, stuckOp: bestStuck, stuckState: bestState, stats };
}

/** Unlinks a call node and its return node from the entry list. */
function liftNode(c: number, r: number): void {
  const { next, prev } = scratch;
  next[prev[c]] = next[c];
  prev[next[c]] = prev[c];
  next[prev[r]] = next[r];
  if (next[r] !== -1) prev[next[r]] = prev[r];
}

/** Relinks a lifted call node and its return (the exact reverse of the latest liftNode). */
function unliftNode(c: number): void {
  const { next, prev, retNode, rank, nodeOp } = scratch;
  const r = retNode[rank[nodeOp[c]]];
  next[prev[r]] = r;
  if (next[r] !== -1) prev[next[r]] = r;
  next[prev[c]] = c;
  prev[next[c]] = c;
}

/** The op ids of frames 0..depth, each preceded by the lazy writes it absorbed. */
function expandFrames(frames: Int32Array, counts: Int32Array, absorbed: Int32Array, depth: number): number[] {
  const { nodeOp, infoOp } = scratch;
  const out: number[] = [];
  let j = 0;
  for (let k = 0; k < depth; k++) {
    for (let c = 0; c < counts[k]; c++) out.push(nodeOp[absorbed[j++]]);
    const f = frames[k];
    out.push(f >= 0 ? nodeOp[f] : infoOp[-f - 1]);
  }
  return out;
}

/** How far stuckInUnobserved looks ahead in the entry list before giving up. */
const UNOBSERVED_LOOKAHEAD = 64;

/**
 * Would the state UNOBSERVED be a dead end, with `skip` (a call node about to be
 * linearized, or -1) gone? Yes if, in time order, the return of an op that cannot
 * run in UNOBSERVED comes before the call of any op (ok or info) that leaves it.
 * Looks a bounded distance ahead; "don't know" counts as no.
 */
function stuckInUnobserved(skip: number, nInfo: number, model: CompiledModel): boolean {
  const { next, nodeOp, nodeTime, isCall, retNode, rank, infoCall, infoLin, infoOp } = scratch;
  const skipRet = skip >= 0 ? retNode[rank[nodeOp[skip]]] : -1;
  let k = 0;
  let seen = 0;
  for (let x = next[0]; x !== -1 && seen < UNOBSERVED_LOOKAHEAD; x = next[x], seen++) {
    if (x === skip || x === skipRet) continue;
    const t = nodeTime[x];
    for (; k < nInfo && infoCall[k] <= t; k++) {
      if (infoLin[k] === 0 && model.step(UNOBSERVED, infoOp[k]) > UNOBSERVED) return false;
    }
    const s = model.step(UNOBSERVED, nodeOp[x]);
    if (isCall[x] === 1) {
      if (s > UNOBSERVED) return false;
    } else if (s < 0) return true;
  }
  return false;
}

/** Removes `value` from the sorted list list[0..count). */
function removeInfo(list: Int32Array, count: number, value: number): void {
  let k = 0;
  while (k < count && list[k] !== value) k++;
  for (; k + 1 < count; k++) list[k] = list[k + 1];
}
