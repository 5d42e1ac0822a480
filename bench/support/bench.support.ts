import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { TestStreams } from '@mpr/core/testing/test-infra';

const run = promisify(execFile);

/** `--name value` from the command line, or the fallback. */
export function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? Number(process.argv[index + 1]) : fallback;
}

/** A 1080p30 test source with sound and a keyframe every second (the chunker splits on keyframes). */
export async function makeSource(path: string, seconds: number): Promise<void> {
  await run('ffmpeg', [
    '-v', 'error', '-y',
    '-f', 'lavfi', '-i', `testsrc2=size=1920x1080:rate=30:duration=${seconds}`,
    '-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${seconds}`,
    '-c:v', 'libx264', '-preset', 'ultrafast', '-crf', '18', '-g', '30', '-sc_threshold', '0', '-pix_fmt', 'yuv420p', '-c:a', 'aac', path,
  ]);
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
