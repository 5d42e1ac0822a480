/** Runs `worker` over `items`, at most `limit` at a time, keeping result order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, worker: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await worker(items[index], index);
    }
  });
  await Promise.all(lanes);
  return results;
}

/** At most `limit` tasks run at once; the others wait their turn, in the order they came. */
export class ConcurrencyLimit {
  #running = 0;
  readonly #waiting: Array<() => void> = [];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`a concurrency limit of ${limit}: it must be a whole number, 1 or more`);
  }

  /** Tasks holding a slot now. */
  get running(): number {
    return this.#running;
  }

  /** `task` once a slot is free; `onQueued` is called when it had to wait for one. */
  async run<T>(task: () => Promise<T>, onQueued?: () => void): Promise<T> {
    if (this.#running < this.limit) this.#running++;
    else {
      onQueued?.();
      // The slot is handed over by the task that frees it (the count stays): no newcomer takes it meanwhile.
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    }
    try {
      return await task();
    } finally {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#running--;
    }
  }
}
