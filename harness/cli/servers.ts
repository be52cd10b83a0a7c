// `slotproof servers install|list`
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import type { Command } from "commander";
import { HarnessError } from "../errors.ts";
import { KNOWN_SERVERS, cachedServer, installServer, serversOnPath, userServer } from "../servers/install.ts";
import { printData, say, sayErr } from "./signals.ts";

export function registerServerCommands(program: Command): void {
  const servers = program.command("servers").description("install and list server binaries (Valkey, Redis)");

  servers
    .command("install")
    .description(`build or fetch servers into the cache (default: all of ${Object.keys(KNOWN_SERVERS).join(", ")}); a second install is instant`)
    .argument("[name...]", "server names")
    .option("--force", "rebuild even when the cache is complete")
    .option("--json", "print the installs as JSON")
    .action(async (names: string[], opts: { force?: boolean; json?: boolean }) => {
      const wanted = names.length ? names : Object.keys(KNOWN_SERVERS);
      const out = [];
      for (const name of wanted) {
        const s = await installServer(name, { force: opts.force, log: (l) => sayErr(`servers: ${l}`) });
        out.push(s);
        if (!opts.json) say(`${name}: ${s.flavor} ${s.version} at ${s.serverPath}`);
      }
      if (opts.json) printData(out);
    });

  servers
    .command("list")
    .description("list known servers, what is in the cache, and servers found on PATH or given with --server-bin")
    .option("--server-bin <path>", "also report this server binary")
    .option("--json", "print as JSON")
    .action(async (opts: { serverBin?: string; json?: boolean }) => {
      const rows: Array<{ name: string; installed: boolean; version?: string; path?: string; note: string }> = [];
      for (const [name, k] of Object.entries(KNOWN_SERVERS)) {
        const c = await cachedServer(name);
        rows.push({ name, installed: !!c, version: c?.version, path: c?.serverPath, note: k.describe });
      }
      for (const s of await serversOnPath()) rows.push({ name: `PATH:${s.flavor}`, installed: true, version: s.version, path: s.serverPath, note: "found on PATH (use with --server-bin)" });
      if (opts.serverBin) {
        const s = await userServer(opts.serverBin);
        rows.push({ name: "custom", installed: true, version: s.version, path: s.serverPath, note: `${s.flavor} binary given with --server-bin` });
      }
      if (opts.json) return printData(rows);
      for (const r of rows) say(`${r.name.padEnd(14)} ${(r.installed ? r.version ?? "" : "not installed").padEnd(14)} ${r.path ?? r.note}`);
    });
}

/** Installs what the test suite needs: every registry server and, for the browser tests, Debian's chromium. */
export function registerSetupCommand(program: Command): void {
  program
    .command("setup")
    .description("install everything slotproof needs on this machine: servers into the cache and, with --browser, Debian's chromium for report tests")
    .option("--browser", "also install Debian's chromium (needs root and apt) when it is missing")
    .action(async (opts: { browser?: boolean }) => {
      for (const name of Object.keys(KNOWN_SERVERS)) {
        const s = await installServer(name, { log: (l) => sayErr(`setup: ${l}`) });
        say(`setup: ${name} ${s.version} ready`);
      }
      if (opts.browser) say(`setup: ${await ensureChromium((l) => sayErr(`setup: ${l}`))}`);
    });
}

export const CHROMIUM = "/usr/bin/chromium";

async function ensureChromium(log: (l: string) => void): Promise<string> {
  if (existsSync(CHROMIUM)) return `chromium ready at ${CHROMIUM}`;
  if (process.getuid?.() !== 0) {
    throw new HarnessError(`chromium is missing at ${CHROMIUM}: install Debian's chromium package (apt-get install chromium) or run setup as root`);
  }
  const run = (cmd: string, args: string[]) =>
    new Promise<void>((resolve, reject) =>
      execFile(cmd, args, { env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" }, maxBuffer: 64 << 20, timeout: 900_000 }, (e, _o, err) =>
        e ? reject(new Error(`${cmd} ${args.join(" ")} failed: ${String(err).trim().split("\n").slice(-2).join(" | ")}`)) : resolve(),
      ),
    );
  log("installing Debian's chromium (apt-get)");
  await run("apt-get", ["update", "-qq"]);
  await run("apt-get", ["install", "-y", "-qq", "--no-install-recommends", "chromium"]);
  return `chromium installed at ${CHROMIUM}`;
}
