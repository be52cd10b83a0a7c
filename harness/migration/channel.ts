// A tiny push → async-iterator bridge: concurrent workers push events, a strategy's
// async generator yields them in order.

export class Channel<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private waiter?: () => void;
  private done = false;
  private error?: unknown;

  push(item: T): void {
    if (this.done) return;
    this.items.push(item);
    this.wake();
  }

  /** no more items; `error` makes the iterator throw after the pending items */
  close(error?: unknown): void {
    if (this.done) return;
    this.done = true;
    this.error = error;
    this.wake();
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      if (this.items.length > 0) {
        yield this.items.shift()!;
        continue;
      }
      if (this.done) {
        if (this.error !== undefined) throw this.error;
        return;
      }
      await new Promise<void>((r) => (this.waiter = r));
    }
  }
}

/** Resolves after `ms`, or early (without throwing) when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0 || signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

/** Adapts a worker that pushes into a channel to an async generator; the work itself stops through its own signal. */
export async function* eventsFrom<T>(work: (out: Channel<T>) => Promise<void>): AsyncGenerator<T> {
  const out = new Channel<T>();
  const done = work(out).then(
    () => out.close(),
    (e) => out.close(e),
  );
  try {
    yield* out;
  } finally {
    await done;
  }
}
