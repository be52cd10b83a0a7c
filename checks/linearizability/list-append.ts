// List-append keys are checked Elle-style, without search: with unique appended
// elements every read reveals the order of all appends before it, so the reads
// themselves must agree on one total order and on real time. Each rule below is
// a necessary condition of linearizability; each anomaly names the ops involved.
import { UsageError } from "../../harness/errors.ts";
import type { Operation } from "../../workloads/history-types.ts";
import { describeOp } from "./key-check.ts";
import { normValue } from "./models.ts";
import type { Violation, ViolationKind, ViolationOp } from "./types.ts";

/** At most this many anomalies of one kind are described per key (all are counted). */
const MAX_PER_KIND = 3;

interface Read {
  op: Operation;
  list: (string | null)[];
}

export interface ListAppendKeyResult {
  /** anomalies found, at most MAX_PER_KIND per kind */
  violations: Violation[];
  /** all anomalies found per kind */
  counts: Partial<Record<ViolationKind, number>>;
}

export function validateListAppendOp(op: Operation, index: number): void {
  if (op.f !== "read" && op.f !== "append") {
    throw new UsageError(`ops[${index}].f is ${JSON.stringify(op.f)} on key ${JSON.stringify(op.key)}; the list-append model allows: read, append`);
  }
  if (op.f === "read" && op.status === "ok" && !Array.isArray(op.output) && op.output !== null) {
    throw new UsageError(`ops[${index}].output of read on key ${JSON.stringify(op.key)} is ${JSON.stringify(op.output)}; allowed: a list of elements (or null for a missing key)`);
  }
}

/** Checks one key's ops (sorted by call); `failed` are its appends that certainly did not happen. */
export function checkListAppendKey(key: string, ops: readonly Operation[], failed: readonly Operation[] = []): ListAppendKeyResult {
  const counts: Partial<Record<ViolationKind, number>> = {};
  const violations: Violation[] = [];
  const report = (kind: ViolationKind, message: string, involved: Operation[], failedOps: Operation[] = []) => {
    counts[kind] = (counts[kind] ?? 0) + 1;
    if (counts[kind]! > MAX_PER_KIND) return;
    const all = [...involved.map((op) => ({ op, status: op.status })), ...failedOps.map((op) => ({ op, status: "fail" as const }))];
    all.sort((a, b) => a.op.call - b.op.call);
    const shown: ViolationOp[] = all.map(({ op, status }, id) => ({
      id, p: op.p, f: op.f, input: op.input, output: op.output, status, call: op.call, ret: Number.isFinite(op.ret) ? op.ret : null,
    }));
    violations.push({ key, model: "list-append", kind, message: `key ${JSON.stringify(key)}: ${message}`, ops: shown, keyOps: ops.length });
  };

  const appendOf = new Map<string | null, Operation>();
  const reads: Read[] = [];
  for (const op of ops) {
    if (op.f === "append") {
      const e = normValue(op.input);
      if (appendOf.has(e)) {
        throw new UsageError(`key ${JSON.stringify(key)}: element ${JSON.stringify(e)} is appended twice; the list-append model needs unique elements per key`);
      }
      appendOf.set(e, op);
    } else if (op.status === "ok") {
      reads.push({ op, list: Array.isArray(op.output) ? op.output.map(normValue) : [] });
    }
  }
  const failedOf = new Map<string | null, Operation>();
  for (const op of failed) if (op.f === "append") failedOf.set(normValue(op.input), op);

  // Each read on its own: no duplicates, no unknown elements, nothing from the future.
  for (const r of reads) {
    const seen = new Set<string | null>();
    for (const e of r.list) {
      const append = appendOf.get(e);
      if (seen.has(e)) {
        report("duplicate-element", `${describeOp(r.op)} holds ${JSON.stringify(e)} more than once`, append ? [r.op, append] : [r.op]);
      }
      seen.add(e);
      if (append === undefined) {
        const failedAppend = failedOf.get(e);
        if (failedAppend) report("aborted-read", `${describeOp(r.op)} holds ${JSON.stringify(e)}, whose append failed`, [r.op], [failedAppend]);
        else report("phantom-element", `${describeOp(r.op)} holds ${JSON.stringify(e)}, which no op appended`, [r.op]);
      } else if (append.call > r.op.ret) {
        report("future-read", `${describeOp(r.op)} holds ${JSON.stringify(e)}, appended only after the read returned`, [r.op, append]);
      }
    }
  }

  // One total order: every read is a prefix of the longest read.
  let longest: Read | undefined;
  for (const r of reads) if (longest === undefined || r.list.length > longest.list.length) longest = r;
  const order = longest?.list ?? [];
  const position = new Map<string | null, number>();
  order.forEach((e, i) => { if (!position.has(e)) position.set(e, i); });
  for (const r of reads) {
    const at = r.list.findIndex((e, i) => e !== order[i]);
    if (at >= 0 && longest) {
      report(
        "incompatible-order",
        `${describeOp(r.op)} and ${describeOp(longest.op)} disagree at position ${at} (${JSON.stringify(r.list[at])} vs ${JSON.stringify(order[at])}); no single order of appends explains both`,
        [r.op, longest.op],
      );
    }
  }

  // Real time. Walk reads by call; `before` holds the ops that returned before it.
  const appendsByRet = [...appendOf.values()].filter((op) => op.status === "ok").sort((a, b) => a.ret - b.ret);
  const readsByRet = [...reads].sort((a, b) => a.op.ret - b.op.ret);
  let ai = 0;
  let ri = 0;
  let longestEarlier: Read | undefined; // the longest read that returned before the current read began
  const appendedBefore: Operation[] = []; // acknowledged appends that returned before the current read began
  for (const r of reads) {
    while (ai < appendsByRet.length && appendsByRet[ai].ret < r.op.call) appendedBefore.push(appendsByRet[ai++]);
    while (ri < readsByRet.length && readsByRet[ri].op.ret < r.op.call) {
      const earlier = readsByRet[ri++];
      if (longestEarlier === undefined || earlier.list.length > longestEarlier.list.length) longestEarlier = earlier;
    }
    if (longestEarlier && longestEarlier.list.length > r.list.length) {
      report(
        "stale-read",
        `${describeOp(r.op)} sees ${r.list.length} elements, fewer than the ${longestEarlier.list.length} seen by ${describeOp(longestEarlier.op)}, which returned before it began`,
        [longestEarlier.op, r.op],
      );
    }
    const has = new Set(r.list);
    for (const a of appendedBefore) {
      const e = normValue(a.input);
      if (!has.has(e)) {
        report("lost-append", `${describeOp(r.op)} misses ${JSON.stringify(e)}, whose append was acknowledged before the read began`, [a, r.op]);
        break; // one per read is enough
      }
    }
  }

  // Appends acknowledged before another append began must come first in the order.
  const appendsByCall = [...appendOf.values()].sort((a, b) => a.call - b.call);
  let bi = 0;
  let latest: { op: Operation; pos: number } | undefined; // latest-positioned append acknowledged so far
  for (const a of appendsByCall) {
    while (bi < appendsByRet.length && appendsByRet[bi].ret < a.call) {
      const done = appendsByRet[bi++];
      const pos = position.get(normValue(done.input));
      if (pos !== undefined && (latest === undefined || pos > latest.pos)) latest = { op: done, pos };
    }
    const pos = position.get(normValue(a.input));
    if (pos !== undefined && latest !== undefined && pos < latest.pos) {
      report(
        "append-order",
        `${describeOp(a)} is ordered before ${describeOp(latest.op)}, which was acknowledged before it began`,
        [latest.op, a],
      );
    }
  }
  return { violations, counts };
}
