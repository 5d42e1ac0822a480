import { makeKeyframedSource } from '@mpr/core/testing/media-fixtures';
import { createTestDatabase, createTestMediaRoots, createTestStreams, type TestDatabase, type TestStreams, testServiceEnv } from '@mpr/core/testing/test-infra';

/** `--name value` from the command line, or the fallback. */
export function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? Number(process.argv[index + 1]) : fallback;
}

/** `--name a,b,c` from the command line, or the fallback. */
export function options(name: string, fallback: string[]): string[] {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? process.argv[index + 1].split(',').filter(Boolean) : fallback;
}

/** The middle value (the mean of the two middle ones for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** What a benchmark runs against: its own stream prefix, database and media folders. */
export interface BenchWorld {
  readonly streams: TestStreams;
  readonly db: TestDatabase;
  readonly dir: string;
  readonly mediaIn: string;
  readonly mediaOut: string;
  /** The services' environment for this world; every port 0 (any free one). */
  readonly env: Record<string, string>;
  cleanup(): Promise<void>;
}

export async function benchWorld(): Promise<BenchWorld> {
  const media = await createTestMediaRoots('mpr-bench-');
  const streams = await createTestStreams();
  const db = await createTestDatabase();
  const { mediaIn, mediaOut } = media;
  const env = testServiceEnv(
    { streams, databaseUrl: db.url, media },
    { MPR_API_PORT: '0', MPR_SCHEDULER_PORT: '0', MPR_TRANSCODER_PORT: '0', MPR_CHUNKER_PORT: '0' },
  );
  return {
    streams,
    db,
    dir: media.path,
    mediaIn,
    mediaOut,
    env,
    async cleanup() {
      await streams.cleanup();
      await db.drop();
      await media.remove();
    },
  };
}

/** A 1080p30 test source with sound and a keyframe every second (the chunker splits on keyframes). */
export async function makeSource(path: string, seconds: number): Promise<void> {
  await makeKeyframedSource(path, { seconds, fps: 30, size: '1920x1080', output: ['-crf', '18'] });
}

export async function graphql(url: string, query: string): Promise<any> {
  const response = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
  const body = (await response.json()) as { data?: any; errors?: unknown[] };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

const TERMINAL = ['JobCompleted', 'JobFailed', 'JobCancelled'];

/** Resolves with the type of the job's terminal event. */
export async function waitForEnd(streams: TestStreams, jobId: string): Promise<string> {
  const subscription = streams.nc.subscribe(`${streams.names.subjectRoot}.events.job.${jobId}`);
  const { events } = await streams.store.load({ type: 'job', id: jobId });
  const ended = events.find((e) => TERMINAL.includes(e.type));
  if (ended) {
    subscription.unsubscribe();
    return ended.type;
  }
  for await (const msg of subscription) {
    const type = msg.headers?.get('Mpr-Event-Type') ?? '';
    if (TERMINAL.includes(type)) {
      subscription.unsubscribe();
      return type;
    }
  }
  throw new Error('subscription closed');
}
