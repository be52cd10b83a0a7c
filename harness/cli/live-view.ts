// The run's terminal view: a redrawn block on a TTY (log-update), plain timestamped
// lines otherwise (CI logs). Fed by RunEvents; holds no run logic.
import logUpdate from "log-update";
import type { RunEvent } from "../run.ts";

const BAR = 24;

function bar(fraction: number): string {
  const full = Math.max(0, Math.min(BAR, Math.round(fraction * BAR)));
  return "█".repeat(full) + "░".repeat(BAR - full);
}

function ms(us: number | undefined): string {
  return us === undefined ? "-" : us >= 1000 ? `${(us / 1000).toFixed(1)}ms` : `${Math.round(us)}µs`;
}

export class LiveView {
  private phase = "";
  private phaseStart = 0;
  private phaseBound?: number;
  private lastWindow?: Extract<RunEvent, { kind: "window" }>;
  private progress?: Extract<RunEvent, { kind: "progress" }>["point"];
  private migrationStartMs?: number;
  private faults: string[] = [];
  private lines: string[] = [];
  private readonly tty: boolean;
  private timer?: NodeJS.Timeout;
  private lastPlainWindowAt = 0;

  constructor(private readonly stream: NodeJS.WriteStream = process.stdout) {
    this.tty = !!stream.isTTY && process.env.CI !== "true";
    if (this.tty) this.timer = setInterval(() => this.render(), 250);
  }

  on = (e: RunEvent): void => {
    switch (e.kind) {
      case "stage":
        this.log(`${e.stage}${e.detail ? `: ${e.detail}` : ""}`);
        break;
      case "phase":
        this.phase = e.name;
        this.phaseStart = Date.now();
        this.phaseBound = e.durationMs ?? e.timeoutMs;
        this.log(`phase ${e.index + 1}/${e.of} ${e.name}${e.durationMs ? ` (${(e.durationMs / 1000).toFixed(0)} s)` : e.timeoutMs ? ` (until done, at most ${(e.timeoutMs / 1000).toFixed(0)} s)` : ""}`);
        break;
      case "window":
        this.lastWindow = e;
        // In plain mode, one line per ~5 s keeps CI logs readable.
        if (!this.tty && Date.now() - this.lastPlainWindowAt >= 5000) {
          this.lastPlainWindowAt = Date.now();
          this.log(this.windowLine());
        }
        break;
      case "progress":
        this.progress = e.point;
        break;
      case "migration":
        if (e.event.kind === "started") this.migrationStartMs = e.event.atMs;
        if (["started", "finished", "error", "node-added", "node-removed"].includes(e.event.kind)) {
          const detail = e.event.kind === "finished" ? ` ${String(e.event.outcome ?? "")}` : e.event.kind === "error" ? ` ${String(e.event.error ?? "")}` : "";
          this.log(`migration ${e.event.kind}${detail}`);
        }
        break;
      case "fault":
        this.faults = e.active;
        this.log(`fault ${e.event.kind} ${e.event.target ?? ""}${e.event.endMs !== undefined ? " healed" : ""}`);
        break;
      case "log":
        this.log(e.line);
        break;
    }
  };

  private windowLine(): string {
    const w = this.lastWindow?.window;
    if (!w) return "no load window yet";
    const rate = (w.ops * 1000) / Math.max(1, w.durationMs);
    const base = this.lastWindow?.baselineP99Us;
    const ratio = base ? ` (${(w.latency.p99 / base).toFixed(1)}x baseline)` : "";
    const errors = Object.entries(w.errors).filter(([, n]) => n).map(([k, n]) => `${k}=${n}`).join(" ") || "none";
    return `${Math.round(rate)} ops/s  p99 ${ms(w.latency.p99)}${ratio}  max ${ms(w.latency.max)}  errors ${errors}  redirects MOVED=${w.redirects.MOVED} ASK=${w.redirects.ASK}`;
  }

  private log(line: string): void {
    const stamped = `${new Date().toISOString().slice(11, 19)} ${line}`;
    if (this.tty) {
      this.lines.push(stamped);
      logUpdate.clear();
      this.stream.write(stamped + "\n");
      this.render();
    } else {
      this.stream.write(stamped + "\n");
    }
  }

  private render(): void {
    if (!this.tty) return;
    const elapsed = (Date.now() - this.phaseStart) / 1000;
    const bound = this.phaseBound ? ` / ${(this.phaseBound / 1000).toFixed(0)} s` : "";
    const rows = [`phase ${this.phase || "-"}  ${elapsed.toFixed(0)} s${bound}`, this.windowLine()];
    if (this.progress && this.progress.slotsPlanned > 0) {
      const f = this.progress.slotsMoved / this.progress.slotsPlanned;
      let eta = "";
      if (this.migrationStartMs !== undefined && f > 0.02 && f < 1) {
        const spent = this.progress.atMs - this.migrationStartMs;
        eta = `  ETA ${((spent / f - spent) / 1000).toFixed(0)} s`;
      }
      rows.push(`migration ${bar(f)} ${(f * 100).toFixed(0)}%  slots ${this.progress.slotsMoved}/${this.progress.slotsPlanned}  keys ${this.progress.keysMoved}/${this.progress.keysPlanned}${eta}`);
    }
    if (this.faults.length) rows.push(`active faults: ${this.faults.join(", ")}`);
    logUpdate(rows.join("\n"));
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.tty) logUpdate.done();
  }
}
