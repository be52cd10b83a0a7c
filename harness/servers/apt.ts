// A private apt configuration: its own sources list, lists and cache dirs under the
// slotproof cache, so fetching server packages never touches the machine's apt setup
// and needs no root.
import { execFile } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { HarnessError } from "../errors.ts";

const run = promisify(execFile);

const KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg";
const MIRROR = "http://deb.debian.org/debian";

export class PrivateApt {
  constructor(readonly root: string) {}

  private options(): string[] {
    const r = this.root;
    return [
      "-o", `Dir::Etc::SourceList=${path.join(r, "sources.list")}`,
      "-o", "Dir::Etc::SourceParts=/dev/null",
      "-o", `Dir::State::Lists=${path.join(r, "lists")}`,
      "-o", `Dir::Cache=${path.join(r, "cache")}`,
      "-o", "Debug::NoLocking=1",
      "-o", "APT::Get::AllowUnauthenticated=false",
      "-q",
    ];
  }

  /** Writes the sources list (bookworm binaries, sid sources) and refreshes the lists. */
  async update(): Promise<void> {
    await requireTool("apt-get", "apt (Debian's package tool) is needed to fetch server packages");
    await mkdir(path.join(this.root, "lists", "partial"), { recursive: true });
    await mkdir(path.join(this.root, "cache", "archives", "partial"), { recursive: true });
    const signed = `[signed-by=${KEYRING}]`;
    await writeFile(
      path.join(this.root, "sources.list"),
      `deb ${signed} ${MIRROR} bookworm main\ndeb-src ${signed} ${MIRROR} sid main\n`,
    );
    await this.exec(["update"], this.root, "apt-get update (private lists)");
  }

  /** `apt-get download` of binary packages into `dir`. */
  async download(pkgs: string[], dir: string): Promise<void> {
    await mkdir(dir, { recursive: true });
    await this.exec(["download", ...pkgs], dir, `apt-get download ${pkgs.join(" ")}`);
  }

  /** `apt-get source --download-only` of a source package into `dir`. */
  async source(pkg: string, dir: string): Promise<void> {
    await mkdir(dir, { recursive: true });
    await this.exec(["source", "--download-only", pkg], dir, `apt-get source ${pkg}`);
  }

  private async exec(args: string[], cwd: string, what: string): Promise<void> {
    try {
      await run("apt-get", [...this.options(), ...args], { cwd, maxBuffer: 64 << 20, timeout: 600_000 });
    } catch (e) {
      const err = e as { stderr?: string; message: string };
      const detail = (err.stderr || err.message).trim().split("\n").slice(-3).join(" | ");
      throw new HarnessError(`${what} failed: ${detail}`);
    }
  }
}

/** Fails with a clear message when a tool the install needs is missing. */
export async function requireTool(tool: string, why: string): Promise<void> {
  try {
    await run("sh", ["-c", `command -v ${tool}`]);
  } catch {
    throw new HarnessError(`missing build dependency '${tool}': ${why} (on Debian: apt-get install ${debianPackageOf(tool)})`);
  }
}

function debianPackageOf(tool: string): string {
  const map: Record<string, string> = { cc: "gcc", gcc: "gcc", make: "make", tar: "tar", "dpkg-deb": "dpkg", "apt-get": "apt" };
  return map[tool] ?? tool;
}
