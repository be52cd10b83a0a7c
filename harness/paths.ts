// Where slotproof keeps its caches and its registry of live runs.
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The package root (the folder holding package.json). */
export const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** Cache for server builds and apt downloads: `$SLOTPROOF_CACHE` or `<package>/.cache`. */
export function cacheDir(): string {
  return process.env.SLOTPROOF_CACHE ? path.resolve(process.env.SLOTPROOF_CACHE) : path.join(packageRoot, ".cache");
}

/** Live-run registry (pid files, working dirs) swept by `slotproof clean`. */
export function registryDir(): string {
  return process.env.SLOTPROOF_STATE ? path.resolve(process.env.SLOTPROOF_STATE) : path.join(cacheDir(), "runs");
}
