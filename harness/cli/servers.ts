// `slotproof servers install|list`
import type { Command } from "commander";
import { KNOWN_SERVERS, cachedServer, installServer, serversOnPath, userServer } from "../servers/install.ts";
import { say, sayErr } from "./signals.ts";

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
      if (opts.json) say(JSON.stringify(out, null, 2));
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
      if (opts.json) return say(JSON.stringify(rows, null, 2));
      for (const r of rows) say(`${r.name.padEnd(14)} ${(r.installed ? r.version ?? "" : "not installed").padEnd(14)} ${r.path ?? r.note}`);
    });
}
