export interface Notice {
  id: number;
  kind: 'ok' | 'error';
  text: string;
}

const SHOWN_MS = 6_000;

/** Outcomes of actions (a cancel refused, a scan's counts), shown for a few seconds in a corner. */
export class Notices {
  #items = $state<Notice[]>([]);
  #next = 1;

  get items(): Notice[] {
    return this.#items;
  }

  ok(text: string): void {
    this.#push('ok', text);
  }

  error(text: string): void {
    this.#push('error', text);
  }

  dismiss(id: number): void {
    this.#items = this.#items.filter((item) => item.id !== id);
  }

  /** Runs an action and reports its failure (the API's message) instead of throwing. */
  async run(action: () => Promise<unknown>, done?: string): Promise<boolean> {
    try {
      await action();
      if (done) this.ok(done);
      return true;
    } catch (err) {
      this.error((err as Error).message);
      return false;
    }
  }

  #push(kind: Notice['kind'], text: string): void {
    const id = this.#next++;
    this.#items = [...this.#items, { id, kind, text }];
    setTimeout(() => this.dismiss(id), kind === 'error' ? SHOWN_MS * 2 : SHOWN_MS);
  }
}
