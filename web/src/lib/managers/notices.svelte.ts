export interface Notice {
  id: number;
  kind: 'ok' | 'error';
  text: string;
}

/** An outcome is read at a glance; a refusal may need reading twice (each can be dismissed before). */
const SHOWN_MS = { ok: 4_000, error: 12_000 } as const;

/** Outcomes of actions (a cancel refused, a scan's counts), shown for a few seconds under the header. */
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
    setTimeout(() => this.dismiss(id), SHOWN_MS[kind]);
  }
}
