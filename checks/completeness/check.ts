// Completeness: is every acknowledged write still there, where clients can reach it, once?
//
// Per key, the value its slot's owner holds is judged against the history (expectations.ts);
// then where copies live: a copy on a primary that does not own the slot is an `orphan`
// (invisible to clients), or a `duplicate` when that primary also believes it owns the slot
// (two primaries serve the key); a replica that disagrees with its primary is
// `replica-divergent`. Each key gets one class, the most severe that applies; the per-slot
// key count on each owner must also fall inside what the preload and history imply.
import { UsageError } from "../../harness/errors.ts";
import type { HistoryEvent, HistoryModel } from "../../workloads/history-types.ts";
import { keySlot } from "../../workloads/slots.ts";
import { pairHistory } from "../linearizability/operations.ts";
import type { CheckInput, ClusterSnapshot } from "../types.ts";
import { describeFound, existence, judgeKey, short, type Found, type KeyHistory, type ValueClass } from "./expectations.ts";

export const CLASSES = ["ok", "recovered", "untracked", "unknown", "lost", "unexpected", "duplicate", "orphan", "replica-divergent"] as const;
export type KeyClass = (typeof CLASSES)[number];
/** classes that make the check fail */
export const INVALID: readonly KeyClass[] = ["lost", "unexpected", "duplicate", "orphan", "replica-divergent"];
/** when several apply to one key, the first in this list wins */
const SEVERITY: readonly KeyClass[] = ["unexpected", "lost", "duplicate", "orphan", "replica-divergent", "unknown", "recovered", "untracked", "ok"];

export interface CompletenessOptions {
  /** examples kept per class (default 10) */
  maxExamples?: number;
  /**
   * keys found that neither the history nor the preload mention: "ignore" counts them as
   * `untracked` (default: untracked load may write them), "unexpected" fails the check
   */
  untrackedKeys?: "ignore" | "unexpected";
}

export interface Example {
  kind: KeyClass | "slot-count";
  key: string;
  slot: number;
  /** node name where it was found (or should have been) */
  node?: string;
  expected?: string;
  actual?: string;
  note?: string;
}

export interface CompletenessResult {
  valid: true | false | "unknown";
  summary: string;
  /** keys per class; every key examined counts once */
  counts: Record<KeyClass, number>;
  /** keys the preload or history mention (those judged against expectations) */
  keysTracked: number;
  /** distinct keys examined (tracked + found) */
  keysExamined: number;
  slots: { checked: number; mismatched: number };
  examples: Example[];
  replicas: Array<{ node: string; caughtUp?: boolean; lagBytes?: number; divergentKeys: number }>;
  [figure: string]: unknown;
}

type SnapNode = ClusterSnapshot["nodes"][number];

export interface CompletenessInput {
  history: HistoryEvent[];
  model: HistoryModel;
  snapshot: ClusterSnapshot;
  preload?: CheckInput["preload"];
}

export function checkCompleteness(input: CompletenessInput, options: CompletenessOptions = {}): CompletenessResult {
  const maxExamples = options.maxExamples ?? 10;
  if (!(Number.isInteger(maxExamples) && maxExamples >= 0)) throw new UsageError(`completeness param maxExamples: ${JSON.stringify(maxExamples)} is not allowed: use a whole number >= 0`);
  const untrackedMode = options.untrackedKeys ?? "ignore";
  if (untrackedMode !== "ignore" && untrackedMode !== "unexpected") throw new UsageError(`completeness param untrackedKeys: ${JSON.stringify(untrackedMode)} is not allowed: use "ignore" or "unexpected"`);
  const { snapshot, model } = input;
  const inFilter = keyFilter(snapshot.keyFilter);

  // Per key: its ops and its preloaded value.
  const tracked = new Map<string, KeyHistory>();
  const { ops, failed } = pairHistory(input.history);
  const entry = (k: string): KeyHistory => {
    let h = tracked.get(k);
    if (!h) tracked.set(k, (h = { ops: [] }));
    return h;
  };
  for (const op of ops) if (inFilter(op.key)) entry(op.key).ops.push(op);
  for (const op of failed) if (inFilter(op.key)) entry(op.key); // certainly not executed: the key may stay absent
  const overwritable = input.preload?.overwritable;
  const rewritten = overwritable === true ? () => true : ((set) => (k: string) => set.has(k))(new Set(overwritable ?? []));
  for (const [k, v] of Object.entries(input.preload?.keys ?? {})) {
    if (!inFilter(k)) continue;
    const e = entry(k);
    e.initial = v;
    if (rewritten(k)) e.presenceOnly = true;
  }

  const byId = new Map(snapshot.nodes.map((n) => [n.id, n]));
  const primaries = snapshot.nodes.filter((n) => n.role === "primary");
  const ownSlots = new Map(primaries.map((n) => [n.id, slotSet(n.ownSlots)]));

  // Every key some primary holds, beside the tracked ones.
  const keys = new Set<string>(tracked.keys());
  for (const n of primaries) for (const k of nodeKeys(n)) keys.add(k);

  const divergent = replicaDivergence(snapshot, byId);

  const counts = Object.fromEntries(CLASSES.map((c) => [c, 0])) as Record<KeyClass, number>;
  const examples: Example[] = [];
  const exampleCount = new Map<string, number>();
  const addExample = (e: Example) => {
    const n = exampleCount.get(e.kind) ?? 0;
    if (n < maxExamples) examples.push(e);
    exampleCount.set(e.kind, n + 1);
  };
  // Per slot: [must, may] tracked keys, and keys found on the owner.
  const slotExpect = new Map<number, { must: number; may: number; untracked: number; read: number }>();
  const slotEntry = (s: number) => {
    let e = slotExpect.get(s);
    if (!e) slotExpect.set(s, (e = { must: 0, may: 0, untracked: 0, read: 0 }));
    return e;
  };

  for (const key of keys) {
    const slot = keySlot(key);
    const ownerId = snapshot.slotOwners[slot];
    const owner = ownerId ? byId.get(ownerId) : undefined;
    const found: Found = owner ? foundOn(owner, key) : { kind: "missing" };
    const h = tracked.get(key);
    const candidates: Array<{ cls: KeyClass; ex: Example }> = [];
    const ex = (cls: KeyClass, extra: Partial<Example>): void => void candidates.push({ cls, ex: { kind: cls, key, slot, node: owner?.name, ...extra } });

    if (owner?.error) ex("unknown", { note: `owner ${owner.name} could not be read: ${owner.error}` });
    else if (ownerId && !owner) ex("unknown", { node: ownerId.slice(0, 8), note: `owner ${ownerId.slice(0, 8)} of slot ${slot} was not read (down or removed)` });
    else if (h) {
      const j = judgeKey(model, h, found);
      const note = !owner ? `slot ${slot} has no owner` : j.note;
      ex(j.cls as ValueClass, { expected: j.expected, actual: describeFound(found), note });
      const ex2 = existence(model, h);
      if (owner) {
        const se = slotEntry(slot);
        if (ex2.must) se.must++;
        if (ex2.may) se.may++;
      }
    } else if (found.kind !== "missing") {
      if (untrackedMode === "unexpected") ex("unexpected", { expected: "missing (no operation wrote this key)", actual: describeFound(found) });
      else ex("untracked", { actual: describeFound(found) });
      slotEntry(slot).untracked++;
    }

    // Copies on primaries other than the owner.
    for (const n of primaries) {
      if (n.id === ownerId || n.error || !holds(n, key)) continue;
      const serves = ownSlots.get(n.id)?.has(slot) ?? false;
      const value = n.keys[key] ?? n.unreadable?.[key] ?? "";
      ex(serves ? "duplicate" : "orphan", {
        node: n.name,
        expected: owner ? `only on ${owner.name}` : "nowhere",
        actual: short(value),
        note: serves ? `${n.name} also believes it owns slot ${slot}` : `${n.name} does not own slot ${slot}: clients never see this copy`,
      });
    }
    const d = divergent.get(key);
    if (d) ex("replica-divergent", d);

    let worst = candidates[0];
    for (const c of candidates) if (SEVERITY.indexOf(c.cls) < SEVERITY.indexOf(worst.cls)) worst = c;
    if (!worst) continue; // defensive: every examined key yields at least one candidate
    counts[worst.cls]++;
    if (worst.cls !== "ok" && worst.cls !== "untracked") {
      const others = candidates.filter((c) => c !== worst && c.cls !== "ok").map((c) => c.cls);
      if (others.length) worst.ex.note = `${worst.ex.note ? worst.ex.note + "; " : ""}also ${[...new Set(others)].join(", ")}`;
      addExample(worst.ex);
    }
  }
  // Per-slot key counts on the owner: the server's count when every key was read, else what was read.
  const useServerCounts = snapshot.slotKeyCounts !== undefined && !snapshot.keyFilter;
  for (const n of primaries) {
    if (n.error) continue;
    for (const k of nodeKeys(n)) {
      const s = keySlot(k);
      if (snapshot.slotOwners[s] === n.id) slotEntry(s).read++;
    }
  }
  if (useServerCounts) for (const s of Object.keys(snapshot.slotKeyCounts!)) slotEntry(Number(s));
  let slotsChecked = 0, slotsMismatched = 0;
  for (const [slot, e] of [...slotExpect].sort((a, b) => a[0] - b[0])) {
    const ownerId = snapshot.slotOwners[slot];
    const owner = ownerId ? byId.get(ownerId) : undefined;
    if (!owner || owner.error) continue;
    slotsChecked++;
    const actual = useServerCounts ? snapshot.slotKeyCounts![String(slot)] ?? 0 : e.read;
    const lo = e.must + e.untracked, hi = e.may + e.untracked;
    if (actual < lo || actual > hi) {
      slotsMismatched++;
      addExample({
        kind: "slot-count",
        key: `(slot ${slot})`,
        slot,
        node: owner.name,
        expected: lo === hi ? `${lo} keys` : `${lo}..${hi} keys`,
        actual: `${actual} keys${useServerCounts && actual !== e.read ? ` (${e.read} read by the snapshot)` : ""}`,
      });
    }
  }

  const replicas = snapshot.nodes.filter((n) => n.role === "replica").map((n) => ({
    node: n.name,
    caughtUp: n.replication?.caughtUp,
    lagBytes: n.replication ? Math.max(0, n.replication.primaryOffset - n.replication.offset) : undefined,
    divergentKeys: [...divergent.values()].filter((d) => d.node === n.name).length,
  }));

  const bad = INVALID.filter((c) => counts[c] > 0);
  const valid = bad.length || slotsMismatched ? false : counts.unknown > 0 ? "unknown" : true;
  const figures = CLASSES.filter((c) => counts[c] > 0).map((c) => `${c}=${counts[c]}`).join(", ") || "no keys";
  const summary =
    valid === true
      ? `${tracked.size} tracked keys complete (${figures})`
      : valid === "unknown"
        ? `${counts.unknown} keys could not be judged: their owner was not read (${figures})`
        : `${[...bad.map((c) => `${counts[c]} ${c}`), ...(slotsMismatched ? [`${slotsMismatched} slots with wrong key counts`] : [])].join(", ")} (${figures})`;
  return { valid, summary, counts, keysTracked: tracked.size, keysExamined: keys.size, slots: { checked: slotsChecked, mismatched: slotsMismatched }, examples, replicas };
}

function slotSet(ranges: Array<[number, number]> | undefined): Set<number> {
  const s = new Set<number>();
  for (const [a, b] of ranges ?? []) for (let i = a; i <= b; i++) s.add(i);
  return s;
}

function* nodeKeys(n: SnapNode): Iterable<string> {
  yield* Object.keys(n.keys);
  for (const k of Object.keys(n.unreadable ?? {})) if (!(k in n.keys)) yield k;
}

function holds(n: SnapNode, key: string): boolean {
  return Object.hasOwn(n.keys, key) || (n.unreadable !== undefined && Object.hasOwn(n.unreadable, key));
}

function foundOn(n: SnapNode, key: string): Found {
  const lst = n.lists?.[key];
  if (lst) return { kind: "list", elements: lst };
  if (Object.hasOwn(n.keys, key)) {
    const v = n.keys[key];
    return /^type:[a-z]+:/.test(v) ? { kind: "other", text: v } : { kind: "string", value: v };
  }
  if (n.unreadable && Object.hasOwn(n.unreadable, key)) return { kind: "other", text: `unreadable on its owner (${n.unreadable[key]})` };
  return { kind: "missing" };
}

/** key -> first replica that disagrees with its primary about it. */
function replicaDivergence(snapshot: ClusterSnapshot, byId: Map<string, SnapNode>): Map<string, Partial<Example> & { node: string }> {
  const out = new Map<string, Partial<Example> & { node: string }>();
  const valueOf = (n: SnapNode, k: string): string | undefined =>
    n.lists?.[k] ? JSON.stringify(n.lists[k]) : Object.hasOwn(n.keys, k) ? n.keys[k] : n.unreadable && Object.hasOwn(n.unreadable, k) ? n.unreadable[k] : undefined;
  for (const r of snapshot.nodes) {
    if (r.role !== "replica" || r.error || !r.primaryId) continue;
    const p = byId.get(r.primaryId);
    if (!p || p.error || r.sameAsPrimary) continue; // sameAsPrimary: whole-dataset digests matched
    const lag = r.replication && !r.replication.caughtUp ? `; ${r.name} had not caught up (${Math.max(0, r.replication.primaryOffset - r.replication.offset)} bytes behind)` : "";
    const keys = new Set<string>([...nodeKeys(p), ...nodeKeys(r)]);
    for (const k of keys) {
      const pv = valueOf(p, k), rv = valueOf(r, k);
      if (pv === rv || out.has(k)) continue;
      out.set(k, {
        node: r.name,
        expected: pv === undefined ? "missing (as on its primary)" : short(pv),
        actual: rv === undefined ? "missing" : short(rv),
        note: `replica ${r.name} disagrees with primary ${p.name}${lag}`,
      });
    }
  }
  return out;
}

/** The snapshot's key filter as a predicate (SCAN MATCH glob or literal prefixes). */
export function keyFilter(f: ClusterSnapshot["keyFilter"]): (key: string) => boolean {
  if (!f || (!f.pattern && !f.prefixes?.length)) return () => true;
  const re = f.pattern ? globToRegExp(f.pattern) : undefined;
  const prefixes = f.prefixes ?? [];
  return (k) => (re?.test(k) ?? false) || prefixes.some((p) => k.startsWith(p));
}

/** Redis glob (`*`, `?`, `[...]`, `\x`) to a RegExp. */
export function globToRegExp(glob: string): RegExp {
  let re = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === "*") re += "[\\s\\S]*";
    else if (c === "?") re += "[\\s\\S]";
    else if (c === "\\" && i + 1 < glob.length) re += escapeRe(glob[++i]);
    else if (c === "[") {
      const end = glob.indexOf("]", i + 1);
      if (end < 0) re += "\\[";
      else {
        let body = glob.slice(i + 1, end);
        if (body.startsWith("^")) body = "^" + body.slice(1).replace(/[\\\]]/g, "\\$&");
        else body = body.replace(/[\\\]]/g, "\\$&");
        re += `[${body}]`;
        i = end;
      }
    } else re += escapeRe(c);
  }
  return new RegExp(`^${re}$`);
}

const escapeRe = (c: string): string => c.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&");
