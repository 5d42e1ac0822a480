/**
 * Wall time for what counts up on the page (a running job's elapsed time):
 * a local tick, no request. Readers re-render once a second.
 */
export class Clock {
  #now = $state(Date.now());

  constructor(tickMs = 1_000) {
    setInterval(() => (this.#now = Date.now()), tickMs);
  }

  get now(): number {
    return this.#now;
  }
}
