// Checkers by name. Adding one = one file exporting a Checker + one line in CHECKERS.
// runCheckers composes them: a checker that throws or runs out of time yields
// `{ valid: "unknown", summary: "checker X failed: ..." }`; the others still run.
import { closestName } from "../harness/scenario/suggest.ts";
import { UsageError } from "../harness/errors.ts";
import { completeness } from "./completeness/index.ts";
import { latency } from "./latency/index.ts";
import { linearizable } from "./linearizability/index.ts";
import { topology } from "./topology.ts";
import type { Checker, CheckInput, CheckResult } from "./types.ts";

export const CHECKERS: Record<string, Checker> = {
  linearizable,
  completeness,
  topology,
  latency,
};

export function checkerNames(): string[] {
  return Object.keys(CHECKERS);
}

export function getChecker(name: string): Checker {
  const c = Object.hasOwn(CHECKERS, name) ? CHECKERS[name] : undefined;
  if (!c) {
    const near = closestName(name, checkerNames());
    throw new UsageError(`unknown checker ${JSON.stringify(name)}; known checkers: ${checkerNames().join(", ")}${near ? ` — did you mean "${near}"?` : ""}`);
  }
  return c;
}

/** Which checkers to run: names, name → params, or a list of { name, params }. */
export type CheckerSelection = string[] | Record<string, Record<string, unknown> | undefined> | Array<{ name: string; params?: Record<string, unknown> }>;

export interface RunCheckersOptions {
  /**
   * per-checker bound, ms (default 10 min); a checker that takes longer is unknown. The bound
   * bites when the checker yields to the event loop (linearizable also has its own budgets).
   */
  timeoutMs?: number;
}

function normalise(sel: CheckerSelection): Array<{ name: string; params: Record<string, unknown> }> {
  if (Array.isArray(sel)) return sel.map((s) => (typeof s === "string" ? { name: s, params: {} } : { name: s.name, params: s.params ?? {} }));
  return Object.entries(sel).map(([name, params]) => ({ name, params: params ?? {} }));
}

/**
 * Runs the selected checkers one after another (they share the CPU; the linearizability
 * search uses its own workers) and returns name → result. Never throws for a checker's
 * failure; throws UsageError only for an unknown checker name.
 */
export async function runCheckers(selection: CheckerSelection, input: Omit<CheckInput, "params">, opts: RunCheckersOptions = {}): Promise<Record<string, CheckResult>> {
  const chosen = normalise(selection);
  for (const { name } of chosen) getChecker(name); // all names first: a typo fails before work starts
  const timeoutMs = opts.timeoutMs ?? 600_000;
  const out: Record<string, CheckResult> = {};
  for (const { name, params } of chosen) {
    input.signal?.throwIfAborted();
    out[name] = await runOne(getChecker(name), { ...input, params }, timeoutMs);
  }
  return out;
}

async function runOne(checker: Checker, input: CheckInput, timeoutMs: number): Promise<CheckResult> {
  const started = Date.now();
  const own = new AbortController();
  const signal = input.signal ? AbortSignal.any([input.signal, own.signal]) : own.signal;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      // Settle the race first: a checker that answers its abort must not win it.
      reject(new Error(`timed out after ${timeoutMs} ms`));
      own.abort(new Error(`timed out after ${timeoutMs} ms`));
    }, timeoutMs);
  });
  try {
    const result = await Promise.race([checker.check({ ...input, signal }), timeout]);
    if (!result || typeof result !== "object" || !("valid" in result)) throw new Error(`returned ${JSON.stringify(result)?.slice(0, 80)} instead of a check result`);
    return { ...result, elapsedMs: result.elapsedMs ?? Date.now() - started };
  } catch (e) {
    input.signal?.throwIfAborted(); // the whole run was cancelled: not the checker's failure
    const why = e instanceof Error ? e.message : String(e);
    return { valid: "unknown", summary: `checker ${checker.name} failed: ${why}`, error: why, elapsedMs: Date.now() - started };
  } finally {
    clearTimeout(timer);
  }
}
