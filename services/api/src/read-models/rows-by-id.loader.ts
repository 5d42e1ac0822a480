import { In, type FindOptionsWhere, type Repository } from 'typeorm';

interface Waiter<Row> {
  resolve: (row: Row | null) => void;
  reject: (err: unknown) => void;
}

/**
 * Rows by id, read once per GraphQL request for every id it asks in one
 * turn of the event loop (a DataLoader's batch and cache). A page of 100
 * jobs read each row's asset and preset with a query of its own: 200 round
 * trips to PostgreSQL per board. Keyed by the request's GraphQL context, so
 * a request sees no other's reads and nothing outlives it.
 */
export class RowsByIdLoader<Row extends { id: string }> {
  readonly #cached = new WeakMap<object, Map<string, Promise<Row | null>>>();
  readonly #pending = new WeakMap<object, Map<string, Waiter<Row>[]>>();

  constructor(private readonly rows: Repository<Row>) {}

  load(request: object, id: string): Promise<Row | null> {
    let cached = this.#cached.get(request);
    if (!cached) this.#cached.set(request, (cached = new Map()));
    let row = cached.get(id);
    if (!row) {
      row = new Promise<Row | null>((resolve, reject) => this.#enqueue(request, id, { resolve, reject }));
      cached.set(id, row);
    }
    return row;
  }

  #enqueue(request: object, id: string, waiter: Waiter<Row>): void {
    let batch = this.#pending.get(request);
    if (!batch) {
      const opened = new Map<string, Waiter<Row>[]>();
      this.#pending.set(request, (batch = opened));
      // setImmediate, not a microtask: Nest's resolver wrapper awaits before it calls each field, so a page's
      // fields arrive here over several microtasks; all of them have run before the next macrotask.
      setImmediate(() => {
        this.#pending.delete(request);
        void this.#read(opened);
      });
    }
    batch.set(id, [...(batch.get(id) ?? []), waiter]);
  }

  async #read(batch: Map<string, Waiter<Row>[]>): Promise<void> {
    try {
      const rows = await this.rows.findBy({ id: In([...batch.keys()]) } as FindOptionsWhere<Row>);
      const found = new Map(rows.map((row) => [row.id, row]));
      for (const [id, waiters] of batch) for (const { resolve } of waiters) resolve(found.get(id) ?? null);
    } catch (err) {
      for (const waiters of batch.values()) for (const { reject } of waiters) reject(err);
    }
  }
}
