// A cross-process lock made of a directory (mkdir is atomic) holding the owner's pid.
// A lock whose owner died is taken over, so a crashed install never blocks the next one.
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { HarnessError } from "../errors.ts";

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

export async function withLock<T>(lockDir: string, what: string, fn: () => Promise<T>, timeoutMs = 1_800_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  await mkdir(path.dirname(lockDir), { recursive: true });
  for (;;) {
    try {
      await mkdir(lockDir);
      await writeFile(path.join(lockDir, "pid"), String(process.pid));
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      const owner = Number(await readFile(path.join(lockDir, "pid"), "utf8").catch(() => "0"));
      if (owner && !processAlive(owner)) {
        await rm(lockDir, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) throw new HarnessError(`timed out after ${timeoutMs} ms waiting for the lock of ${what} (${lockDir}, held by pid ${owner})`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  try {
    return await fn();
  } finally {
    await rm(lockDir, { recursive: true, force: true });
  }
}
