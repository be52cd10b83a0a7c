// What a key may hold at the end, from its history and its preloaded value — per model.
//
// Jepsen semantics: an `ok` op certainly happened, an `info` op may have happened any time
// after its invoke (ret = Infinity), a `fail` op certainly did not happen.
//
//   register     the final value is one that could be last: the value of a write/cas that no
//                ok write follows in real time (w.ret >= the latest ok write's call), or the
//                preloaded value (or absence) when no write is acknowledged.
//   kv-append    the final string is a possible last base (as for register; "" or the preload
//                when no write is acknowledged) followed by appended tokens; every ok append
//                that certainly followed that base must be in it.
//   counter      preload (or 0) + every ok delta + any subset of the info deltas.
//   list-append  every ok append's element is in the list; every element comes from an append.
//
// Classes: ok; lost (an acknowledged effect is missing, or the value is older than any value
// that could be last); unexpected (a value no op wrote); recovered (only an info op explains
// the value: it landed); unknown (cannot be judged from the snapshot, e.g. an unread long list).
import type { HistoryModel, Operation } from "../../workloads/history-types.ts";

export type ValueClass = "ok" | "lost" | "unexpected" | "recovered" | "unknown";

/** What the owner holds for the key, as the snapshot read it. */
export type Found =
  | { kind: "missing" }
  | { kind: "string"; value: string }
  | { kind: "list"; elements: string[] }
  /** a non-string value without elements (`type:hash:3`), or a digest */
  | { kind: "other"; text: string };

export interface KeyHistory {
  /** ok and info operations on the key, by call time */
  ops: Operation[];
  /** the preloaded value, when the key was preloaded */
  initial?: string;
  /** untracked load may have rewritten the key: only whether it exists can be judged */
  presenceOnly?: boolean;
}

export interface Judgement {
  cls: ValueClass;
  /** what could have been there, for examples (short) */
  expected: string;
  note?: string;
}

/** Values as the server stores them: strings; numbers as their decimal text. */
export function asText(v: unknown): string {
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean" || typeof v === "bigint") return String(v);
  return JSON.stringify(v) ?? "";
}

/** A value shortened for examples: long values keep their head and their size. */
export function short(v: string, max = 60): string {
  return v.length <= max ? v : `${v.slice(0, max)}…(${v.length} chars)`;
}

const list = (vs: string[], max = 3): string => {
  const uniq = [...new Set(vs)];
  const shown = uniq.slice(0, max).map((v) => JSON.stringify(short(v, 40)));
  return uniq.length > max ? `${shown.join(" | ")} | … (${uniq.length} values)` : shown.join(" | ");
};

export function judgeKey(model: HistoryModel, h: KeyHistory, found: Found): Judgement {
  if (h.presenceOnly) {
    const must = existence(model, h).must;
    if (found.kind === "missing") return must ? { cls: "lost", expected: "present", note: "a preloaded key is missing" } : { cls: "ok", expected: "any" };
    return { cls: "ok", expected: "present (its value may have been rewritten by load without history)" };
  }
  if (h.ops.length === 0) return judgeExact(h.initial, found);
  switch (model) {
    case "register": return judgeRegister(h, found);
    case "kv-append": return judgeKvAppend(h, found);
    case "counter": return judgeCounter(h, found);
    case "list-append": return judgeListAppend(h, found);
  }
}

/** Whether the key must exist / may exist at the end (for per-slot key counts). */
export function existence(model: HistoryModel, h: KeyHistory): { must: boolean; may: boolean } {
  const effects = h.ops.filter((o) => o.f !== "read" && !(model === "register" && o.f === "cas" && o.status === "ok" && o.output === false));
  const must = h.initial !== undefined || effects.some((o) => o.status === "ok");
  return { must, may: must || effects.length > 0 };
}

function describe(found: Found): string {
  switch (found.kind) {
    case "missing": return "missing";
    case "string": return short(found.value);
    case "list": return short(JSON.stringify(found.elements));
    case "other": return found.text;
  }
}
export { describe as describeFound };

/** Preloaded keys nothing wrote again: exactly the preloaded value (or absent when never preloaded). */
function judgeExact(initial: string | undefined, found: Found): Judgement {
  const expected = initial === undefined ? "missing" : JSON.stringify(short(initial));
  if (found.kind === "missing") return initial === undefined ? { cls: "ok", expected } : { cls: "lost", expected };
  // Big preloaded keys are recorded in the snapshot's digest form, `type:<type>:<elements>`.
  const text = found.kind === "string" ? found.value : found.kind === "other" ? found.text : `type:list:${found.elements.length}`;
  if (initial !== undefined && text === initial) return { cls: "ok", expected };
  return { cls: "unexpected", expected };
}

// ---- register ----

interface Write { value: string; ok: boolean; call: number; ret: number }

function registerWrites(ops: Operation[]): Write[] {
  const out: Write[] = [];
  for (const o of ops) {
    if (o.f === "write") out.push({ value: asText(o.input), ok: o.status === "ok", call: o.call, ret: o.ret });
    else if (o.f === "cas" && Array.isArray(o.input) && o.input.length === 2) {
      if (o.status === "ok" && o.output === false) continue; // a cas that reported "not swapped" wrote nothing
      out.push({ value: asText(o.input[1]), ok: o.status === "ok", call: o.call, ret: o.ret });
    }
  }
  return out;
}

/** Writes that could be the last one: no acknowledged write started after they returned. */
function lastCandidates(writes: Write[]): { candidates: Write[]; anyOk: boolean } {
  let latestOkCall = -Infinity;
  for (const w of writes) if (w.ok && w.call > latestOkCall) latestOkCall = w.call;
  return { candidates: writes.filter((w) => w.ret >= latestOkCall), anyOk: latestOkCall > -Infinity };
}

function judgeRegister(h: KeyHistory, found: Found): Judgement {
  const writes = registerWrites(h.ops);
  const { candidates, anyOk } = lastCandidates(writes);
  const initialPossible = !anyOk;
  const okValues = new Set(candidates.filter((w) => w.ok).map((w) => w.value));
  const infoValues = new Set(candidates.filter((w) => !w.ok).map((w) => w.value));
  const expectedList = [...okValues, ...infoValues];
  if (initialPossible) expectedList.push(h.initial ?? "(missing)");
  const expected = list(expectedList);
  if (found.kind === "missing") {
    if (initialPossible && h.initial === undefined) return { cls: "ok", expected };
    return { cls: "lost", expected, note: "an acknowledged write's key is missing" };
  }
  if (found.kind !== "string") return { cls: "unexpected", expected, note: "not a string value" };
  const v = found.value;
  if (okValues.has(v) || (initialPossible && v === h.initial)) return { cls: "ok", expected };
  if (infoValues.has(v)) return { cls: "recovered", expected, note: "an info write landed" };
  if (writes.some((w) => w.value === v) || v === h.initial) return { cls: "lost", expected, note: "holds a value older than any value that could be last" };
  return { cls: "unexpected", expected, note: "no operation wrote this value" };
}

// ---- kv-append ----

interface Token { text: string; ok: boolean; call: number; ret: number }

/**
 * Splits `rest` into append tokens (each op used at most once), depth-first with a step budget.
 * Returns how many times each token text was used, or undefined when `rest` cannot be explained.
 */
function parseTokens(rest: string, tokens: Token[], budget = { steps: 20_000 }): Map<string, number> | undefined {
  const avail = new Map<string, number>();
  for (const t of tokens) if (t.text !== "") avail.set(t.text, (avail.get(t.text) ?? 0) + 1);
  const texts = [...avail.keys()].sort((a, b) => b.length - a.length);
  const used = new Map<string, number>();
  const go = (i: number): boolean => {
    if (i === rest.length) return true;
    if (--budget.steps < 0) return false;
    for (const t of texts) {
      const left = (avail.get(t) ?? 0) - (used.get(t) ?? 0);
      if (left > 0 && rest.startsWith(t, i)) {
        used.set(t, (used.get(t) ?? 0) + 1);
        if (go(i + t.length)) return true;
        used.set(t, used.get(t)! - 1);
      }
    }
    return false;
  };
  return go(0) ? used : undefined;
}

function judgeKvAppend(h: KeyHistory, found: Found): Judgement {
  const writes = registerWrites(h.ops);
  const appends: Token[] = h.ops.filter((o) => o.f === "append").map((o) => ({ text: asText(o.input), ok: o.status === "ok", call: o.call, ret: o.ret }));
  const { candidates, anyOk } = lastCandidates(writes);
  // Each possible last base, with the appends that may follow it and those that must.
  const bases: Array<{ base: string; ok: boolean; allowed: Token[]; required: Token[] }> = candidates.map((w) => ({
    base: w.value,
    ok: w.ok,
    allowed: appends.filter((a) => a.ret > w.call),
    required: appends.filter((a) => a.ok && a.call > w.ret),
  }));
  if (!anyOk) bases.push({ base: h.initial ?? "", ok: true, allowed: appends, required: appends.filter((a) => a.ok) });
  const okAppends = appends.filter((a) => a.ok).length;
  const expected = `${list(bases.map((b) => b.base || "(empty)"))} + ${okAppends} acknowledged appends`;
  const mustExist = h.initial !== undefined || writes.some((w) => w.ok) || okAppends > 0;
  if (found.kind === "missing") return mustExist ? { cls: "lost", expected, note: "an acknowledged write's key is missing" } : { cls: "ok", expected };
  if (found.kind !== "string") return { cls: "unexpected", expected, note: "not a string value" };
  const v = found.value;
  let stale = false;
  for (const b of bases) {
    if (!v.startsWith(b.base)) continue;
    const used = parseTokens(v.slice(b.base.length), b.allowed);
    if (!used) continue;
    const need = new Map<string, number>();
    for (const r of b.required) need.set(r.text, (need.get(r.text) ?? 0) + 1);
    const missing = [...need].filter(([t, n]) => (used.get(t) ?? 0) < n).map(([t]) => t);
    if (missing.length) {
      stale = true;
      continue;
    }
    // An info op is needed when a token is used more often than ok ops of that text allow.
    const okCount = new Map<string, number>();
    for (const a of b.allowed) if (a.ok) okCount.set(a.text, (okCount.get(a.text) ?? 0) + 1);
    const needsInfo = !b.ok || [...used].some(([t, n]) => n > (okCount.get(t) ?? 0));
    return needsInfo ? { cls: "recovered", expected, note: "an info write or append landed" } : { cls: "ok", expected };
  }
  if (stale) return { cls: "lost", expected, note: "acknowledged appends are missing" };
  // Explainable from an older write? Then acknowledged effects after it were lost.
  const older = [...writes.map((w) => w.value), h.initial ?? ""].some((base) => v.startsWith(base) && parseTokens(v.slice(base.length), appends) !== undefined);
  return older ? { cls: "lost", expected, note: "holds an older state" } : { cls: "unexpected", expected, note: "no sequence of writes and appends produces this value" };
}

// ---- counter ----

function judgeCounter(h: KeyHistory, found: Found): Judgement {
  const base = h.initial !== undefined && /^-?\d+$/.test(h.initial) ? BigInt(h.initial) : 0n;
  let exact = base, lo = base, hi = base;
  let anyOk = false, anyInfo = false;
  for (const o of h.ops) {
    if (o.f !== "incr") continue;
    let d: bigint;
    try {
      d = BigInt(asText(o.input));
    } catch {
      continue;
    }
    if (o.status === "ok") {
      anyOk = true;
      exact += d; lo += d; hi += d;
    } else {
      anyInfo = true;
      if (d < 0n) lo += d;
      else hi += d;
    }
  }
  const expected = lo === hi ? String(exact) : `${lo}..${hi} (${exact} without info increments)`;
  const mustExist = h.initial !== undefined || anyOk;
  if (found.kind === "missing") return mustExist ? { cls: "lost", expected, note: "acknowledged increments' key is missing" } : { cls: "ok", expected };
  if (found.kind !== "string" || !/^-?\d+$/.test(found.value)) return { cls: "unexpected", expected, note: "not an integer" };
  const v = BigInt(found.value);
  if (v === exact) return { cls: "ok", expected };
  if (v < lo) return { cls: "lost", expected, note: "acknowledged increments are missing" };
  if (v > hi) return { cls: "unexpected", expected, note: "more than every increment could add" };
  return anyInfo ? { cls: "recovered", expected, note: "info increments landed" } : { cls: "unexpected", expected };
}

// ---- list-append ----

function judgeListAppend(h: KeyHistory, found: Found): Judgement {
  const okCount = new Map<string, number>();
  const allCount = new Map<string, number>();
  for (const o of h.ops) {
    if (o.f !== "append") continue;
    const e = asText(o.input);
    allCount.set(e, (allCount.get(e) ?? 0) + 1);
    if (o.status === "ok") okCount.set(e, (okCount.get(e) ?? 0) + 1);
  }
  const okTotal = [...okCount.values()].reduce((a, b) => a + b, 0);
  const expected = `${okTotal} acknowledged elements (+ up to ${[...allCount.values()].reduce((a, b) => a + b, 0) - okTotal} info)`;
  if (found.kind === "missing") return okTotal > 0 ? { cls: "lost", expected, note: "acknowledged appends' key is missing" } : { cls: "ok", expected };
  if (found.kind === "other") {
    return /^type:list:/.test(found.text) ? { cls: "unknown", expected, note: "list too long to read whole" } : { cls: "unexpected", expected, note: "not a list" };
  }
  if (found.kind !== "list") return { cls: "unexpected", expected, note: "not a list" };
  const seen = new Map<string, number>();
  for (const e of found.elements) seen.set(e, (seen.get(e) ?? 0) + 1);
  const extra = [...seen].filter(([e, n]) => n > (allCount.get(e) ?? 0)).map(([e]) => e);
  if (extra.length) return { cls: "unexpected", expected, note: `elements no append wrote (or wrote fewer times): ${list(extra)}` };
  const missing = [...okCount].filter(([e, n]) => (seen.get(e) ?? 0) < n).map(([e]) => e);
  if (missing.length) return { cls: "lost", expected, note: `acknowledged elements missing: ${list(missing)}` };
  const fromInfo = [...seen].some(([e, n]) => n > (okCount.get(e) ?? 0));
  return fromInfo ? { cls: "recovered", expected, note: "info appends landed" } : { cls: "ok", expected };
}
