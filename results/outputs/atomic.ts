// Atomic file writes: a reader (CI, a browser, `slotproof report`) never sees a half-written file.
import { randomBytes } from "node:crypto";
import { open, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/**
 * Writes `data` to `file` by writing a temp file in the same directory, fsyncing it,
 * renaming it over `file` and fsyncing the directory. On any failure the temp file is
 * removed and the previous `file` (if any) is left untouched.
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const dir = dirname(file);
  const tmp = join(dir, `.${basename(file)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
  let renamed = false;
  try {
    const fh = await open(tmp, "wx", 0o644);
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
    renamed = true;
    await syncDir(dir);
  } finally {
    if (!renamed) await rm(tmp, { force: true });
  }
}

/** fsync a directory so the rename itself survives a crash; not supported everywhere, so best effort. */
async function syncDir(dir: string): Promise<void> {
  let fh;
  try {
    fh = await open(dir, "r");
    await fh.sync();
  } catch {
    // some filesystems (and Windows) refuse fsync on directories; the data file itself is synced
  } finally {
    await fh?.close();
  }
}
