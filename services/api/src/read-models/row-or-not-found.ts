import type { FindOptionsWhere, Repository } from 'typeorm';
import { NotFound } from '@mpr/core';

/** The read model's row for `id`, or NotFound naming the aggregate: what every `get` of a resolver answers. */
export async function rowOrNotFound<Row extends { id: string }>(rows: Repository<Row>, aggregateType: string, id: string): Promise<Row> {
  const row = await rows.findOneBy({ id } as FindOptionsWhere<Row>);
  if (!row) throw new NotFound(aggregateType, id);
  return row;
}
