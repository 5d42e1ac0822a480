/**
 * A wake-up that is not lost when it comes early: `notify` before `wait`
 * makes the next `wait` return at once. Callers `reset` before looking at
 * the state they wait on, so a change after the look always wakes them.
 */
export class WakeSignal {
  private notified = false;
  private waiters: Array<(woken: boolean) => void> = [];

  notify(): void {
    this.notified = true;
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake(true);
  }

  /** Whether a notify is waiting to be taken by `wait`. */
  get pending(): boolean {
    return this.notified;
  }

  reset(): void {
    this.notified = false;
  }

  /** True when notified, false when `timeoutMs` passed first. */
  wait(timeoutMs?: number): Promise<boolean> {
    if (this.notified) {
      this.notified = false;
      return Promise.resolve(true);
    }
    return new Promise<boolean>((resolve) => {
      const timer = timeoutMs === undefined ? undefined : setTimeout(() => finish(false), timeoutMs);
      const finish = (woken: boolean) => {
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== finish);
        if (woken) this.notified = false;
        resolve(woken);
      };
      this.waiters.push(finish);
    });
  }
}
