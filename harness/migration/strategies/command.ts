// `command`: runs the user's own migration tool (a shell command) once the plan's nodes
// are added. Its exit ends the migration: 0 = success, anything else = a failed
// migration (a finding, not a harness error). The tool learns the plan from
// environment variables and `{placeholders}` in the command string:
//
//   SLOTPROOF_SEED / {seed}            host:port of a primary
//   SLOTPROOF_PLAN / {plan}            JSON file: [{ source: {id,host,port}, target: {...}, slots: [[a,b], ...] }]
//   SLOTPROOF_SOURCE / {source}        host:port of the first move's source   (…_ID / {sourceId})
//   SLOTPROOF_TARGET / {target}        host:port of the first move's target   (…_ID / {targetId})
//   SLOTPROOF_SLOTS / {slots}          the first move's slots, "0-1000 2000-2000"
//   SLOTPROOF_CLI / {cli}              the matching valkey-cli / redis-cli
//
// stdout/stderr go to command.stdout.log / command.stderr.log in the run directory.
// A timeout or an abort kills the whole process group (SIGTERM, then SIGKILL).
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, openSync, closeSync, readFileSync, writeFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { UsageError } from "../../errors.ts";
import type { StartedCluster } from "../../providers/types.ts";
import { eventsFrom } from "../channel.ts";
import { checkKeys, optNumber, optString, type Params } from "../params.ts";
import { formatRangesFull } from "../ranges.ts";
import type { MigrationEvent, MigrationPlan, MigrationStrategy, StrategyContext } from "../types.ts";

export interface CommandParams {
  command: string;
  /** kill the tool after this long, ms (the driver's migration timeout applies too) */
  timeoutMs?: number;
  /** grace between SIGTERM and SIGKILL, ms */
  killGraceMs: number;
}

export function parseCommandParams(params: Params): CommandParams {
  checkKeys(params, ["command", "killGraceMs"], "command");
  const command = optString(params, "command");
  if (!command)
    throw new UsageError(`migration.command: missing: strategy command runs your migration tool; give it as migration.command, e.g. "{cli} --cluster rebalance {seed} --cluster-use-empty-masters --cluster-yes"`);
  return {
    command,
    timeoutMs: optNumber(params, "timeoutMs", { min: 1, integer: true, unit: "ms" }),
    killGraceMs: optNumber(params, "killGraceMs", { min: 0, max: 60_000, integer: true, unit: "ms" }) ?? 2000,
  };
}

/** POSIX shell single-quoting. */
export function shellQuote(value: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

export const PLACEHOLDERS = ["seed", "plan", "source", "sourceId", "target", "targetId", "slots", "cli"] as const;
export type PlaceholderValues = Record<(typeof PLACEHOLDERS)[number], string>;

/** Replaces `{name}` (not `${name}`, which stays shell syntax) with the shell-quoted value. */
export function substitute(command: string, values: PlaceholderValues): string {
  return command.replace(/(^|[^$])\{(\w+)\}/g, (whole, pre: string, name: string) =>
    (PLACEHOLDERS as readonly string[]).includes(name) ? pre + shellQuote(values[name as keyof PlaceholderValues]) : whole,
  );
}

/** The plan as the tool reads it from SLOTPROOF_PLAN. */
export function planForTool(plan: MigrationPlan): Array<{ source: { id: string; host: string; port: number }; target: { id: string; host: string; port: number }; slots: Array<[number, number]> }> {
  return plan.moves.map((m) => ({
    source: { id: m.source.id, host: m.source.host, port: m.source.port },
    target: { id: m.target.id, host: m.target.host, port: m.target.port },
    slots: m.slots.map(([a, b]) => [a, b] as [number, number]),
  }));
}

/** Debian's redis-cli needs its libraries beside it (see harness/servers). */
function libraryEnv(cluster: StartedCluster): Record<string, string> {
  const lib = path.join(path.dirname(cluster.cliPath), "..", "lib");
  if (!existsSync(lib)) return {};
  return { LD_LIBRARY_PATH: [lib, process.env.LD_LIBRARY_PATH].filter(Boolean).join(":") };
}

function lastLine(file: string): string {
  try {
    const lines = readFileSync(file, "utf8").trim().split("\n");
    return lines[lines.length - 1]?.slice(0, 300) ?? "";
  } catch {
    return "";
  }
}

async function runCommand(plan: MigrationPlan, ctx: StrategyContext, p: CommandParams, emit: (e: MigrationEvent) => void): Promise<void> {
  const ownDir = ctx.outDir ? undefined : mkdtempSync(path.join(os.tmpdir(), "slotproof-command-"));
  const dir = ctx.outDir ?? ownDir!;
  try {
    const planFile = path.join(dir, "command-plan.json");
    writeFileSync(planFile, JSON.stringify(planForTool(plan), null, 2) + "\n");
    const first = plan.moves[0];
    const values: PlaceholderValues = {
      seed: ctx.cluster.seed(),
      plan: planFile,
      source: first ? `${first.source.host}:${first.source.port}` : "",
      sourceId: first?.source.id ?? "",
      target: first ? `${first.target.host}:${first.target.port}` : "",
      targetId: first?.target.id ?? "",
      slots: first ? formatRangesFull(first.slots) : "",
      cli: ctx.cluster.cliPath,
    };
    const env: Record<string, string> = {
      ...(process.env as Record<string, string>),
      ...libraryEnv(ctx.cluster),
      SLOTPROOF_SEED: values.seed,
      SLOTPROOF_PLAN: values.plan,
      SLOTPROOF_SOURCE: values.source,
      SLOTPROOF_SOURCE_ID: values.sourceId,
      SLOTPROOF_TARGET: values.target,
      SLOTPROOF_TARGET_ID: values.targetId,
      SLOTPROOF_SLOTS: values.slots,
      SLOTPROOF_CLI: values.cli,
    };
    const shellCommand = substitute(p.command, values);
    const stdoutFile = path.join(dir, "command.stdout.log");
    const stderrFile = path.join(dir, "command.stderr.log");
    const outFd = openSync(stdoutFile, "w");
    const errFd = openSync(stderrFile, "w");
    const child = spawn("/bin/sh", ["-c", shellCommand], { env, stdio: ["ignore", outFd, errFd], detached: true, cwd: dir });
    closeSync(outFd);
    closeSync(errFd);
    const pid = child.pid;
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      child.once("exit", (code, signal) => resolve({ code, signal }));
      child.once("error", () => resolve({ code: null, signal: null }));
    });
    // If the harness itself dies, the tool's process group goes with it.
    const killGroup = (sig: NodeJS.Signals) => {
      try {
        if (pid) process.kill(-pid, sig);
      } catch {
        /* already gone */
      }
    };
    const onExit = () => killGroup("SIGKILL");
    process.once("exit", onExit);
    emit({ kind: "job-state", atMs: ctx.now(), state: "running", pid, command: shellCommand, stdout: ctx.outDir ? "command.stdout.log" : undefined, stderr: ctx.outDir ? "command.stderr.log" : undefined });

    let stopReason: "timeout" | "cancelled" | undefined;
    const stop = (reason: "timeout" | "cancelled") => {
      if (stopReason) return;
      stopReason = reason;
      killGroup("SIGTERM");
      setTimeout(() => killGroup("SIGKILL"), p.killGraceMs).unref();
    };
    const timer = p.timeoutMs ? setTimeout(() => stop("timeout"), p.timeoutMs) : undefined;
    const onAbort = () => stop(ctx.signal.reason === "timeout" ? "timeout" : "cancelled");
    if (ctx.signal.aborted) onAbort();
    else ctx.signal.addEventListener("abort", onAbort, { once: true });
    const { code, signal } = await exited;
    if (timer) clearTimeout(timer);
    ctx.signal.removeEventListener("abort", onAbort);
    // The shell is gone; make sure nothing it started lingers.
    killGroup("SIGKILL");
    process.removeListener("exit", onExit);

    const base = { exitCode: code, exitSignal: signal, pid };
    if (stopReason === "timeout") {
      emit({ kind: "finished", atMs: ctx.now(), outcome: "timeout", ...base, error: `command killed after ${p.timeoutMs ?? "the migration timeout"} ms: ${shellCommand}` });
    } else if (stopReason === "cancelled") {
      emit({ kind: "finished", atMs: ctx.now(), outcome: "cancelled", ...base, error: "migration aborted; command killed" });
    } else if (code === 0) {
      emit({ kind: "finished", atMs: ctx.now(), outcome: "success", ...base });
    } else {
      const why = lastLine(stderrFile) || lastLine(stdoutFile);
      const how = code === null ? `was killed by ${signal ?? "a signal"}` : `exited with code ${code}`;
      emit({ kind: "finished", atMs: ctx.now(), outcome: "failed", ...base, error: `command ${how}${why ? `: ${why}` : ""}` });
    }
  } finally {
    if (ownDir) rmSync(ownDir, { recursive: true, force: true });
  }
}

export const command: MigrationStrategy = {
  name: "command",
  async preflight(_cluster, params) {
    parseCommandParams(params);
  },
  run(plan, ctx) {
    const p = parseCommandParams(ctx.params);
    return eventsFrom<MigrationEvent>((out) => runCommand(plan, ctx, p, (e) => out.push(e)));
  },
};
