// Errors that the CLI turns into one clear line and an exit code (DESIGN "Fixed points").

export const EXIT = {
  pass: 0,
  checkFailed: 1,
  unknown: 2,
  gateFailed: 3,
  harnessError: 4,
  usage: 64,
} as const;

/** Bad input from the user: a scenario, a flag, a name. Exit 64. */
export class UsageError extends Error {
  override readonly name = "UsageError";
  readonly exitCode = EXIT.usage;
}

/** The harness could not do its job (missing binary, cluster did not form, timeout). Exit 4. */
export class HarnessError extends Error {
  override readonly name = "HarnessError";
  readonly exitCode = EXIT.harnessError;
}

/** Bounded wait helper: polls `probe` until it returns a non-undefined value. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  opts: { timeoutMs: number; intervalMs?: number; signal?: AbortSignal },
): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  let lastError: unknown;
  for (;;) {
    opts.signal?.throwIfAborted();
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() >= deadline) {
      const why = lastError instanceof Error ? ` (last error: ${lastError.message})` : "";
      throw new HarnessError(`timed out after ${opts.timeoutMs} ms waiting for ${what}${why}`);
    }
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 100));
  }
}
