// Server binaries: the registry of known servers, the cache that holds their builds,
// and lookup of binaries the user already has.
//
// Cache layout (under cacheDir()/servers/<name>/):
//   bin/<flavor>-server, bin/<flavor>-cli, bin/<flavor>-benchmark, lib/ (shared libs)
//   manifest.json   written last: its presence marks a complete install
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { cp, mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { closest } from "fastest-levenshtein";
import { HarnessError, UsageError } from "../errors.ts";
import { cacheDir } from "../paths.ts";
import { PrivateApt, requireTool } from "./apt.ts";
import { withLock } from "./lock.ts";

const run = promisify(execFile);

export type Flavor = "valkey" | "redis";

export interface ServerInstall {
  /** registry name, or "custom" for a user binary */
  name: string;
  flavor: Flavor;
  /** e.g. "9.1.2" */
  version: string;
  serverPath: string;
  cliPath: string;
  benchmarkPath?: string;
  /** environment the binaries need (LD_LIBRARY_PATH for Debian's redis) */
  env: Record<string, string>;
  source: "cache" | "user";
}

interface KnownServer {
  flavor: Flavor;
  /** version prefix the install must report */
  versionPrefix: string;
  describe: string;
  install(dir: string, log: (line: string) => void): Promise<void>;
}

export const KNOWN_SERVERS: Record<string, KnownServer> = {
  "valkey-9.1": {
    flavor: "valkey",
    versionPrefix: "9.1.",
    describe: "Valkey 9.1.x built from Debian's source package (sid); has atomic slot migration",
    install: installValkeyFromSource,
  },
  "redis-7.0": {
    flavor: "redis",
    versionPrefix: "7.0.",
    describe: "Redis 7.0.15 from Debian bookworm (apt-get download + dpkg -x)",
    install: installRedisFromDebs,
  },
};

export function serverDir(name: string): string {
  return path.join(cacheDir(), "servers", name);
}

function checkName(name: string): KnownServer {
  const known = KNOWN_SERVERS[name];
  if (!known) {
    const names = Object.keys(KNOWN_SERVERS);
    throw new UsageError(
      `unknown server '${name}': allowed are ${names.join(", ")} (did you mean '${closest(name, names)}'?), or pass --server-bin PATH`,
    );
  }
  return known;
}

/** The cached install of `name` if it is complete and runs, else undefined. */
export async function cachedServer(name: string): Promise<ServerInstall | undefined> {
  const known = checkName(name);
  const dir = serverDir(name);
  let manifest: { version: string };
  try {
    manifest = JSON.parse(await readFile(path.join(dir, "manifest.json"), "utf8"));
  } catch {
    return undefined;
  }
  const install = layout(name, known.flavor, dir, manifest.version);
  for (const p of [install.serverPath, install.cliPath]) if (!existsSync(p)) return undefined;
  try {
    const version = await probeVersion(install.serverPath, install.env);
    if (version !== manifest.version) return undefined;
  } catch {
    return undefined;
  }
  return install;
}

/**
 * Makes sure `name` is installed in the cache and returns it. Idempotent: a complete
 * cache returns at once; a missing, partial or broken one is (re)built.
 */
export async function installServer(
  name: string,
  opts: { log?: (line: string) => void; force?: boolean } = {},
): Promise<ServerInstall> {
  const known = checkName(name);
  const log = opts.log ?? (() => {});
  if (!opts.force) {
    const hit = await cachedServer(name);
    if (hit) return hit;
  }
  const dir = serverDir(name);
  return withLock(`${dir}.lock`, `install of ${name}`, async () => {
    if (!opts.force) {
      const hit = await cachedServer(name); // another process may have finished it meanwhile
      if (hit) return hit;
    }
    log(`installing ${name}: ${known.describe}`);
    await rm(dir, { recursive: true, force: true });
    await mkdir(path.join(dir, "bin"), { recursive: true });
    await known.install(dir, log);
    const probe = layout(name, known.flavor, dir, "");
    const version = await probeVersion(probe.serverPath, probe.env);
    if (!version.startsWith(known.versionPrefix)) {
      throw new HarnessError(`${name}: the fetched server reports version ${version}, expected ${known.versionPrefix}x`);
    }
    await writeFile(path.join(dir, "manifest.json"), JSON.stringify({ name, version, installedAt: new Date().toISOString() }, null, 2));
    log(`installed ${name} ${version} in ${dir}`);
    return layout(name, known.flavor, dir, version);
  });
}

function layout(name: string, flavor: Flavor, dir: string, version: string): ServerInstall {
  const bin = path.join(dir, "bin");
  const lib = path.join(dir, "lib");
  return {
    name,
    flavor,
    version,
    serverPath: path.join(bin, `${flavor}-server`),
    cliPath: path.join(bin, `${flavor}-cli`),
    benchmarkPath: existsSync(path.join(bin, `${flavor}-benchmark`)) ? path.join(bin, `${flavor}-benchmark`) : undefined,
    env: existsSync(lib) ? { LD_LIBRARY_PATH: lib } : {},
    source: "cache",
  };
}

/** Runs `server --version` and extracts the version ("v=9.1.2"). */
export async function probeVersion(serverPath: string, env: Record<string, string> = {}): Promise<string> {
  const { stdout } = await run(serverPath, ["--version"], { env: { ...process.env, ...env }, timeout: 10_000 });
  const m = /v=(\d+\.\d+\.\d+)/.exec(stdout);
  if (!m) throw new HarnessError(`'${serverPath} --version' printed no version: ${stdout.trim()}`);
  return m[1];
}

/**
 * A server binary the user brings (--server-bin PATH), or the first `valkey-server` /
 * `redis-server` on PATH when `fromPath` is set. Its cli/benchmark are looked up beside it.
 */
export async function userServer(serverBin: string): Promise<ServerInstall> {
  const abs = path.resolve(serverBin);
  if (!existsSync(abs)) throw new UsageError(`--server-bin: '${serverBin}' does not exist`);
  let version: string;
  try {
    version = await probeVersion(abs);
  } catch (e) {
    throw new UsageError(`--server-bin: '${serverBin}' is not a runnable valkey/redis server (${(e as Error).message.split("\n")[0]})`);
  }
  const base = path.basename(abs);
  const flavor: Flavor = base.includes("redis") ? "redis" : "valkey";
  const dir = path.dirname(abs);
  const sibling = (tool: string) => [`${flavor}-${tool}`, `valkey-${tool}`, `redis-${tool}`].map((n) => path.join(dir, n)).find(existsSync);
  const cliPath = sibling("cli") ?? (await which(`${flavor}-cli`)) ?? (await which("valkey-cli")) ?? (await which("redis-cli"));
  if (!cliPath) throw new UsageError(`--server-bin: no ${flavor}-cli found beside '${serverBin}' or on PATH`);
  return { name: "custom", flavor, version, serverPath: abs, cliPath, benchmarkPath: sibling("benchmark"), env: {}, source: "user" };
}

/** Binaries on PATH, reported by `servers list`. */
export async function serversOnPath(): Promise<ServerInstall[]> {
  const out: ServerInstall[] = [];
  for (const name of ["valkey-server", "redis-server"]) {
    const p = await which(name);
    if (p) {
      try {
        out.push(await userServer(p));
      } catch {
        /* not runnable: not listed */
      }
    }
  }
  return out;
}

async function which(cmd: string): Promise<string | undefined> {
  try {
    const { stdout } = await run("sh", ["-c", `command -v ${cmd}`]);
    return stdout.trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Resolves what a cluster spec asks for: a user binary, or a registry name (installed on demand). */
export async function resolveServer(
  spec: { server: string; serverBin?: string },
  log?: (line: string) => void,
): Promise<ServerInstall> {
  if (spec.serverBin) return userServer(spec.serverBin);
  return installServer(spec.server, { log });
}

// ---- the two install recipes ----

async function installValkeyFromSource(dir: string, log: (line: string) => void): Promise<void> {
  for (const tool of ["make", "cc", "tar"]) await requireTool(tool, "building Valkey from source needs a C toolchain");
  const apt = new PrivateApt(path.join(cacheDir(), "apt"));
  log("fetching Valkey source package from Debian (sid)");
  await apt.update();
  const srcDir = path.join(cacheDir(), "src", "valkey");
  await rm(srcDir, { recursive: true, force: true });
  await apt.source("valkey", srcDir);
  const orig = (await readdir(srcDir)).find((f) => /\.orig\.tar\.(gz|xz)$/.test(f));
  if (!orig) throw new HarnessError(`apt-get source valkey left no .orig tarball in ${srcDir}`);
  const tree = path.join(srcDir, "tree");
  await mkdir(tree);
  await run("tar", ["xf", path.join(srcDir, orig), "-C", tree, "--strip-components=1"]);
  const jobs = String(Math.max(1, os.availableParallelism()));
  log(`building Valkey (make -j${jobs}, about 2 minutes)`);
  try {
    await run("make", [`-j${jobs}`, "BUILD_TLS=no"], { cwd: tree, maxBuffer: 256 << 20, timeout: 1_800_000 });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new HarnessError(`building Valkey failed: ${(err.stderr || err.message).trim().split("\n").slice(-5).join(" | ")}`);
  }
  for (const tool of ["server", "cli", "benchmark"]) {
    await cp(path.join(tree, "src", `valkey-${tool}`), path.join(dir, "bin", `valkey-${tool}`));
  }
  await rm(tree, { recursive: true, force: true }); // the build tree is large; the tarball stays cached
}

async function installRedisFromDebs(dir: string, log: (line: string) => void): Promise<void> {
  await requireTool("dpkg-deb", "unpacking Debian packages needs dpkg-deb");
  const apt = new PrivateApt(path.join(cacheDir(), "apt"));
  log("fetching Redis 7.0 packages from Debian (bookworm)");
  await apt.update();
  const debs = path.join(cacheDir(), "debs", "redis-7.0");
  await rm(debs, { recursive: true, force: true });
  await apt.download(["redis-server", "redis-tools", "liblzf1", "libjemalloc2"], debs);
  const root = path.join(debs, "root");
  for (const f of await readdir(debs)) {
    if (f.endsWith(".deb")) await run("dpkg-deb", ["-x", path.join(debs, f), root]);
  }
  const usrBin = path.join(root, "usr", "bin");
  // Debian's redis-server is a symlink to redis-check-rdb that dispatches on its name:
  // copy the real binary under the server's name.
  await cp(path.join(usrBin, "redis-check-rdb"), path.join(dir, "bin", "redis-server"));
  await cp(path.join(usrBin, "redis-cli"), path.join(dir, "bin", "redis-cli"));
  await cp(path.join(usrBin, "redis-benchmark"), path.join(dir, "bin", "redis-benchmark"));
  const libDir = path.join(root, "usr", "lib", "x86_64-linux-gnu");
  await mkdir(path.join(dir, "lib"), { recursive: true });
  for (const f of await readdir(libDir)) {
    if (/^lib(lzf|jemalloc)\.so/.test(f)) await cp(path.join(libDir, f), path.join(dir, "lib", f), { dereference: true });
  }
}
