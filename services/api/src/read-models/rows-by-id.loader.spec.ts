import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Column, DataSource, Entity, type Logger, PrimaryColumn } from 'typeorm';
import { createTestDatabase, type TestDatabase } from '@mpr/core/testing/test-infra';
import { RowsByIdLoader } from './rows-by-id.loader';

@Entity('loader_rows')
class NamedRow {
  @PrimaryColumn('text') id!: string;
  @Column('text') name!: string;
}

/** Every SELECT that reaches PostgreSQL, as TypeORM sends it. */
class SelectCounter implements Logger {
  selects: unknown[][] = [];
  logQuery(query: string, parameters?: unknown[]): void {
    if (/^SELECT/i.test(query)) this.selects.push(parameters ?? []);
  }
  logQueryError(): void {}
  logQuerySlow(): void {}
  logSchemaBuild(): void {}
  logMigration(): void {}
  log(): void {}
}

describe('RowsByIdLoader (PostgreSQL)', () => {
  let db: TestDatabase;
  let source: DataSource;
  const counter = new SelectCounter();
  let loader: RowsByIdLoader<NamedRow>;

  before(async () => {
    db = await createTestDatabase();
    source = new DataSource({ type: 'postgres', url: db.url, entities: [NamedRow], synchronize: true, logging: ['query'], logger: counter });
    await source.initialize();
    await source.getRepository(NamedRow).insert(['a', 'b', 'c'].map((id) => ({ id, name: `row ${id}` })));
    loader = new RowsByIdLoader(source.getRepository(NamedRow));
  });

  after(async () => {
    await source?.destroy();
    await db?.drop();
  });

  it('reads every id one request asks in the same turn with one query, each answer its own row (null when there is none)', async () => {
    const request = {};
    counter.selects = [];
    // As a page of jobs asks: the same asset for many rows, a deleted one, and each field a few awaits apart.
    const asked = ['a', 'b', 'a', 'gone', 'c', 'b'];
    const rows = await Promise.all(asked.map(async (id, i) => (await Promise.resolve(i), loader.load(request, id))));
    assert.deepEqual(
      rows.map((row) => row?.name ?? null),
      ['row a', 'row b', 'row a', null, 'row c', 'row b'],
    );
    assert.equal(counter.selects.length, 1, `one SELECT for the batch, saw ${JSON.stringify(counter.selects)}`);
    assert.deepEqual([...counter.selects[0]].sort(), ['a', 'b', 'c', 'gone'], 'each id asked once');
  });

  it('answers a request again from what it read, and reads anew for another request', async () => {
    const first = {};
    const second = {};
    counter.selects = [];
    await loader.load(first, 'a');
    assert.equal((await loader.load(first, 'a'))?.name, 'row a');
    assert.equal(counter.selects.length, 1);
    await source.getRepository(NamedRow).update({ id: 'a' }, { name: 'renamed' });
    assert.equal((await loader.load(second, 'a'))?.name, 'renamed');
    assert.equal(counter.selects.length, 2);
  });

  it("fails every waiter of a batch whose read fails, and the next request's read works", async () => {
    const broken = new RowsByIdLoader(source.getRepository(NamedRow));
    const request = {};
    await source.query('ALTER TABLE loader_rows RENAME TO loader_rows_away');
    try {
      const answers = await Promise.allSettled([broken.load(request, 'a'), broken.load(request, 'b')]);
      assert.deepEqual(
        answers.map((a) => a.status),
        ['rejected', 'rejected'],
      );
    } finally {
      await source.query('ALTER TABLE loader_rows_away RENAME TO loader_rows');
    }
    assert.equal((await broken.load({}, 'b'))?.name, 'row b');
  });
});
