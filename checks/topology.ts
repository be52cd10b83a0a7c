// The "topology" checker: the cluster the run leaves behind is whole, and how long it took
// to get there after each migration step and fault.
//
// After the run (from the snapshot's HealthReport, as `--cluster check` would say): every
// node agrees on the slot map, all 16384 slots are covered, no slot is open (migrating /
// importing), no atomic slot migration job is still running, every primary has its
// replicas, every node says cluster_state:ok, every node answered.
// During the run (from the run driver's TopologySample list): for every migration step
// (`move-finished`, `finished`) and every fault (at its heal, or its start when it has no
// heal), the time from the event to the first sample that was healthy. Resolution is the
// sampling interval. Convergence times are figures; `maxConvergenceSeconds` makes them a limit.
import { UsageError } from "../harness/errors.ts";
import type { HealthReport } from "../harness/topology.ts";
import { formatRanges } from "../harness/topology.ts";
import type { Checker, CheckInput, CheckResult, ClusterSnapshot, TopologySample } from "./types.ts";
import type { RunRecordForChecks } from "../results/model.ts";

export interface TopologyFinding {
  severity: "error" | "warn" | "info";
  message: string;
  node?: string;
  slot?: string;
  /** atomic slot migration job name (CLUSTER GETSLOTMIGRATIONS), for job findings */
  job?: string;
}

export interface Convergence {
  /** what happened: `move 2/3 finished`, `kill primary:1 healed` */
  event: string;
  atMs: number;
  /** first healthy sample at or after the event; null when none came */
  convergedAtMs: number | null;
  /** seconds from event to that sample; null when it never converged while sampled */
  seconds: number | null;
}

export interface TopologyParams {
  /** a convergence slower than this fails the check (default: no limit, figures only) */
  maxConvergenceSeconds?: number;
}

const PARAMS = ["maxConvergenceSeconds"] as const;

function paramsFrom(params: Record<string, unknown> | undefined): TopologyParams {
  for (const [k, v] of Object.entries(params ?? {})) {
    if (!(PARAMS as readonly string[]).includes(k)) throw new UsageError(`topology param ${JSON.stringify(k)} is unknown; allowed: ${PARAMS.join(", ")}`);
    if (typeof v !== "number" || !(v >= 0)) throw new UsageError(`topology param ${k}: ${JSON.stringify(v)} is not allowed: use a number of seconds >= 0`);
  }
  return (params ?? {}) as TopologyParams;
}

/** Findings about the final topology, with node names instead of ids where the snapshot knows them. */
export function finalFindings(h: HealthReport, snapshot?: ClusterSnapshot): TopologyFinding[] {
  const nameOf = (id: string) => snapshot?.nodes.find((n) => n.id === id)?.name ?? id.slice(0, 8);
  const out: TopologyFinding[] = [];
  for (const u of h.unreachable) out.push({ severity: "error", message: `node ${u} did not answer`, node: u });
  if (!h.agreement) {
    for (const p of h.problems.filter((p) => /disagree/.test(p))) out.push({ severity: "error", message: p });
  }
  if (h.uncoveredSlots.length) {
    const r = formatRanges(h.uncoveredSlots);
    out.push({ severity: "error", message: `${16384 - h.slotsCovered} slots are not covered: ${r.slice(0, 200)}`, slot: r.slice(0, 200) });
  }
  for (const o of h.openSlots) {
    const dir = o.state === "migrating" ? "to" : "from";
    out.push({ severity: "error", message: `slot ${o.slot} is left open: ${o.state} on ${nameOf(o.nodeId)} ${dir} ${nameOf(o.peerId)}`, node: nameOf(o.nodeId), slot: String(o.slot) });
  }
  out.push(...migrationFindings(h.activeMigrations, nameOf));
  if (!h.clusterStateOk) for (const p of h.problems.filter((p) => /cluster_state/.test(p))) out.push({ severity: "error", message: p });
  if (!h.replicasAttached) for (const p of h.problems.filter((p) => /replicas, expected/.test(p))) out.push({ severity: "error", message: p.replace(/primary ([0-9a-f]{8})/, (_, id) => `primary ${nameOf(snapshot?.nodes.find((n) => n.id.startsWith(id))?.id ?? id)}`) });
  for (const p of h.problems.filter((p) => /is flagged/.test(p))) out.push({ severity: "error", message: p });
  // Anything HealthReport found that the structured fields above do not cover.
  const covered = /disagree|not covered|is open|atomic slot migration|cluster_state|replicas, expected|is flagged|unreachable|more open slots/;
  for (const p of h.problems) if (!covered.test(p)) out.push({ severity: "error", message: p });
  for (const n of snapshot?.nodes ?? []) {
    if (n.replication && !n.replication.caughtUp) {
      out.push({ severity: "warn", message: `replica ${n.name} was ${Math.max(0, n.replication.primaryOffset - n.replication.offset)} bytes behind its primary at the final read`, node: n.name });
    }
  }
  return out;
}

/**
 * One finding per atomic slot migration job (CLUSTER GETSLOTMIGRATIONS) not yet finished.
 * Valkey lists a job on both ends under one name (EXPORT on the source, IMPORT on the
 * target, each with its own state), so the two entries become one finding that names the
 * job, its slots, source and target, and where it is in which state.
 */
function migrationFindings(active: HealthReport["activeMigrations"], nameOf: (id: string) => string): TopologyFinding[] {
  const text = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : typeof v === "number" ? String(v) : undefined);
  const jobs = new Map<string, HealthReport["activeMigrations"]>();
  active.forEach((m, i) => {
    const key = text(m.name) ?? `#${i}`; // unnamed (older or synthetic) entries stay apart
    (jobs.get(key) ?? jobs.set(key, []).get(key)!).push(m);
  });
  const out: TopologyFinding[] = [];
  for (const [key, entries] of jobs) {
    const pick = (f: string) => entries.map((m) => text(m[f])).find((v) => v !== undefined);
    const slots = pick("slot_ranges") ?? pick("slots");
    const source = pick("source_node"), target = pick("target_node");
    const route = source && target ? ` from ${nameOf(source)} to ${nameOf(target)}` : "";
    const where = entries.map((m) => `${text(m.operation)?.toLowerCase() ?? "job"} on ${nameOf(text(m.observer) ?? "?")}: ${text(m.state) ?? "running"}`).join("; ");
    const id = key.startsWith("#") ? "" : ` ${key.slice(0, 8)}`;
    out.push({
      severity: "error",
      message: `atomic slot migration job${id} still running${slots ? `: slots ${slots}` : ""}${route} (${where})`,
      node: nameOf(source ?? text(entries[0].observer) ?? "?"),
      ...(slots ? { slot: slots } : {}),
      ...(id ? { job: key } : {}),
    });
  }
  return out;
}

/** Events after which the cluster must converge again. */
export function convergenceEvents(run: Pick<RunRecordForChecks, "migrationEvents" | "faults" | "migration">): Array<{ event: string; atMs: number }> {
  const out: Array<{ event: string; atMs: number }> = [];
  const moves = run.migrationEvents.filter((e) => e.kind === "move-finished");
  moves.forEach((e, i) => out.push({ event: `move ${i + 1}/${moves.length} finished${e.slots ? ` (slots ${String(e.slots)})` : ""}`, atMs: e.atMs }));
  const fin = run.migrationEvents.find((e) => e.kind === "finished");
  const finAt = fin?.atMs ?? run.migration.finishedAtMs;
  if (finAt !== undefined) out.push({ event: `migration finished (${run.migration.outcome})`, atMs: finAt });
  for (const f of run.faults) {
    const what = `${f.kind}${f.target ? ` ${f.target}` : ""}`;
    if (f.endMs !== undefined) out.push({ event: `${what} healed`, atMs: f.endMs });
    else out.push({ event: `${what} injected`, atMs: f.startMs });
  }
  return out.sort((a, b) => a.atMs - b.atMs);
}

/** Time from each event to the first healthy sample at or after it. */
export function convergenceTimes(events: Array<{ event: string; atMs: number }>, samples: TopologySample[]): Convergence[] {
  const sorted = [...samples].sort((a, b) => a.atMs - b.atMs);
  return events.map(({ event, atMs }) => {
    const s = sorted.find((x) => x.atMs >= atMs && x.ok);
    return { event, atMs, convergedAtMs: s ? s.atMs : null, seconds: s ? (s.atMs - atMs) / 1000 : null };
  });
}

const median = (xs: number[]): number | undefined => {
  if (!xs.length) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
};

export async function checkTopology(input: CheckInput): Promise<CheckResult> {
  const params = paramsFrom(input.params);
  const h = input.snapshot?.health as HealthReport | undefined;
  const findings: TopologyFinding[] = h ? finalFindings(h, input.snapshot) : [];

  const samples = input.run?.topologySamples ?? [];
  let convergence: Convergence[] = [];
  let maxConvergenceSeconds: number | undefined;
  let sampleIntervalMs: number | undefined;
  if (input.run && samples.length) {
    convergence = convergenceTimes(convergenceEvents(input.run), samples);
    const secs = convergence.map((c) => c.seconds).filter((s): s is number => s !== null);
    if (secs.length) maxConvergenceSeconds = Math.max(...secs);
    const sorted = samples.map((s) => s.atMs).sort((a, b) => a - b);
    sampleIntervalMs = median(sorted.slice(1).map((t, i) => t - sorted[i]));
    for (const c of convergence) {
      if (c.seconds === null) findings.push({ severity: "warn", message: `no healthy sample after ${c.event} at ${(c.atMs / 1000).toFixed(1)} s` });
      else if (params.maxConvergenceSeconds !== undefined && c.seconds > params.maxConvergenceSeconds) {
        findings.push({ severity: "error", message: `${c.event}: converged after ${c.seconds.toFixed(1)} s, limit ${params.maxConvergenceSeconds} s` });
      }
    }
    const unhealthy = samples.filter((s) => !s.ok);
    if (unhealthy.length) findings.push({ severity: "info", message: `${unhealthy.length} of ${samples.length} health samples during the run were not ok; first: ${unhealthy[0].problems[0] ?? "?"}` });
  }

  const errors = findings.filter((f) => f.severity === "error");
  const valid = !h ? (errors.length ? false : "unknown") : errors.length ? false : true;
  const conv = maxConvergenceSeconds !== undefined ? `; slowest convergence ${maxConvergenceSeconds.toFixed(1)} s over ${convergence.length} events` : "";
  const summary = !h
    ? `no final health report: the final topology was not checked${conv}`
    : errors.length
      ? `${errors.length} topology problems: ${errors.slice(0, 3).map((f) => f.message).join("; ")}${errors.length > 3 ? "; …" : ""}`
      : `topology healthy: ${h.slotsCovered} slots covered, one slot map, no open slots${conv}`;
  return {
    valid,
    summary,
    findings,
    problems: errors.length,
    openSlots: h?.openSlots.length,
    uncoveredSlots: h ? 16384 - h.slotsCovered : undefined,
    convergence,
    maxConvergenceSeconds,
    sampleIntervalMs,
  };
}

export const topology: Checker = { name: "topology", check: checkTopology };
export default topology;
