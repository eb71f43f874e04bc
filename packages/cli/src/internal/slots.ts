/**
 * A counting semaphore with two queues: the `--concurrency` bound on hosts
 * in flight. A host that comes back after waiting on something else (the
 * facts of other hosts, a download) is served before a host that has not
 * started, so the hosts already begun finish first and a started host never
 * waits behind the whole remaining fleet.
 */

/** Who asks for a slot: a host not started yet, or one resuming after a wait. */
export type SlotClaim = "start" | "resume";

/** At most `limit` slots held at once; waiters served resume-first, each queue in order. */
export class Slots {
  private held = 0;
  private readonly resuming: (() => void)[] = [];
  private readonly starting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  /** Resolves once a slot is held by the caller; give it back with release(). */
  acquire(claim: SlotClaim): Promise<void> {
    if (this.held < this.limit && this.resuming.length === 0 && this.starting.length === 0) {
      this.held++;
      return Promise.resolve();
    }
    return new Promise((resolve) => (claim === "resume" ? this.resuming : this.starting).push(resolve));
  }

  /** Gives a slot back: it goes straight to the next waiter, if any. */
  release(): void {
    const next = this.resuming.shift() ?? this.starting.shift();
    if (next) next();
    else this.held--;
  }

  /** Slots held now (for tests). */
  get inUse(): number {
    return this.held;
  }
}
