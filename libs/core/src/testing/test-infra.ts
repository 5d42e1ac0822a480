import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { Client } from 'pg';
import { EventStore } from '../events/event-store';
import { ensureStreams, StreamNames } from '../events/streams';
import { tempDir } from './media-fixtures';

/**
 * Test infrastructure. `npm test` starts a private nats-server and PostgreSQL
 * and exports their URLs; a developer running one spec by hand falls back to
 * the servers on the standard ports. Every test gets its own streams and
 * database, so runs and files never see each other's data.
 */
export const TEST_NATS_URL = process.env.MPR_TEST_NATS_URL ?? 'nats://127.0.0.1:4222';
export const TEST_DATABASE_URL = process.env.MPR_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export function uniqueSuffix(): string {
  return randomBytes(5).toString('hex');
}

export interface TestStreams {
  nc: NatsConnection;
  names: StreamNames;
  store: EventStore;
  /** Deletes the streams and closes the connection. */
  cleanup(): Promise<void>;
}

/** Streams on the test server, or on `url` (a test's own server, which may be stopped and started again: the connection reconnects). */
export async function createTestStreams(url = TEST_NATS_URL): Promise<TestStreams> {
  const nc = await connect({ servers: url, name: 'mpr-test', maxReconnectAttempts: -1, reconnectTimeWait: 250 });
  const names = new StreamNames(`T${uniqueSuffix().toUpperCase()}`);
  const jsm = await jetstreamManager(nc);
  await ensureStreams(jsm, names);
  return {
    nc,
    names,
    store: new EventStore(jetstream(nc), names),
    async cleanup() {
      for (const stream of [names.events, names.work, names.telemetry]) await jsm.streams.delete(stream).catch(() => undefined);
      await nc.drain();
    },
  };
}

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `mpr_test_${uniqueSuffix()}`;
  const admin = new Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    async drop() {
      const client = new Client({ connectionString: TEST_DATABASE_URL });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

/** A world's own media folders: `<path>/in` and `<path>/out`, removed with `remove()`. */
export interface TestMediaRoots {
  readonly path: string;
  readonly mediaIn: string;
  readonly mediaOut: string;
  remove(): Promise<void>;
}

export async function createTestMediaRoots(prefix: string): Promise<TestMediaRoots> {
  const dir = await tempDir(prefix);
  const mediaIn = join(dir.path, 'in');
  const mediaOut = join(dir.path, 'out');
  await mkdir(mediaIn, { recursive: true });
  await mkdir(mediaOut, { recursive: true });
  return { path: dir.path, mediaIn, mediaOut, remove: dir.remove };
}

/**
 * The environment every service of a test world shares: the test servers,
 * its stream prefix and media folders, quiet logs. Ports and the rest are
 * the caller's `extra`.
 */
export function testServiceEnv(
  world: { streams: TestStreams; databaseUrl?: string; media: TestMediaRoots },
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    NATS_URL: TEST_NATS_URL,
    DATABASE_URL: world.databaseUrl ?? TEST_DATABASE_URL,
    MPR_STREAM_PREFIX: world.streams.names.prefix,
    MEDIA_IN: world.media.mediaIn,
    MEDIA_OUT: world.media.mediaOut,
    // Derived media (the preview cache) beside the media folders, removed with them.
    MPR_DATA_DIR: join(world.media.path, 'data'),
    MPR_LOG_LEVEL: 'warn',
    ...extra,
  };
}
