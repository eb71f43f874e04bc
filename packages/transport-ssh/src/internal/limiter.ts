/** A counting semaphore: at most `limit` tasks run at once, the rest wait in order. */
export class Limiter {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  /** `limit` must be at least 1. */
  constructor(private readonly limit: number) {
    if (!(limit >= 1)) throw new RangeError(`limit must be >= 1, got ${limit}`);
  }

  /** Runs `task` when a slot is free; the slot is released when it settles. */
  async run<A>(task: () => Promise<A>): Promise<A> {
    if (this.running >= this.limit) await new Promise<void>((wake) => this.waiting.push(wake));
    this.running++;
    try {
      return await task();
    } finally {
      this.running--;
      this.waiting.shift()?.();
    }
  }
}
