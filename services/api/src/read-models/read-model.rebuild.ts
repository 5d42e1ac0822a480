import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { DataSource } from 'typeorm';
import { type AppConfig, connectNats, EventStore, StreamNames } from '@mpr/core';
import { READ_MODELS_LOCK, ReadModelWriter } from '../projections/read-model.writer';
import { READ_MODEL_ENTITIES } from './read-models';

export interface RebuildReport {
  events: number;
  lastSequence: number;
  millis: number;
}

/**
 * Drops the read-model tables, recreates them and replays MPR_EVENTS up to
 * its last sequence at the time of the call. Holds the read-model lock
 * exclusively meanwhile, so live projectors wait and then carry on from the
 * rebuilt checkpoint.
 */
export async function rebuildReadModels(config: AppConfig): Promise<RebuildReport> {
  const started = performance.now();
  const dataSource = new DataSource({ type: 'postgres', url: config.DATABASE_URL, entities: READ_MODEL_ENTITIES });
  await dataSource.initialize();
  const nc = await connectNats(config.NATS_URL, 'mpr-rebuild-read-models');
  const lock = dataSource.createQueryRunner();
  try {
    const names = new StreamNames(config.MPR_STREAM_PREFIX);
    const lastSequence = (await (await jetstreamManager(nc)).streams.info(names.events)).state.last_seq;
    await lock.connect();
    await lock.query('SELECT pg_advisory_lock($1)', [READ_MODELS_LOCK]);
    for (const entity of READ_MODEL_ENTITIES) {
      await dataSource.query(`DROP TABLE IF EXISTS "${dataSource.getMetadata(entity).tableName}" CASCADE`);
    }
    await dataSource.synchronize();
    const writer = new ReadModelWriter(dataSource);
    await writer.ensureCheckpoint();
    let events = 0;
    if (lastSequence > 0) {
      const subscription = await new EventStore(jetstream(nc), names).subscribe(1);
      for await (const stored of subscription) {
        if (stored.sequence > lastSequence) break;
        await writer.apply(stored, { shareLock: false });
        events++;
        if (stored.sequence >= lastSequence) break;
      }
      await subscription.stop();
    }
    return { events, lastSequence, millis: Math.round(performance.now() - started) };
  } finally {
    await lock.query('SELECT pg_advisory_unlock($1)', [READ_MODELS_LOCK]).catch(() => undefined);
    await lock.release();
    await dataSource.destroy();
    await nc.drain();
  }
}
