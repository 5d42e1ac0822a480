import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Executor, Priority } from '@mpr/contracts/common_pb';
import { enqueueChunkJob, handleCommand, jobDecider } from '@mpr/core';
import { ServiceProcess } from '@mpr/core/testing/service-process';
import { ffmpegProcesses, signalPid, type TranscoderWorld, until } from './transcoder-harness';

/** A chunker replica as its own process. */
export class ChunkerProcess extends ServiceProcess {
  constructor(env: Record<string, string>) {
    super('chunker', env);
  }
}

export interface TelemetryEvent {
  subject: string;
  body: Record<string, unknown>;
}

/** The parent pid of a process, from /proc (undefined once it is gone). */
export async function parentOf(pid: number): Promise<number | undefined> {
  const text = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  // "pid (comm) state ppid …": the command name may hold spaces, so read after its closing parenthesis.
  return text === undefined ? undefined : Number(text.slice(text.lastIndexOf(')') + 2).split(' ')[1]);
}

/** `<hostname>-<pid>` (replicaId) or `<hostname>-<pid>-coordinator` (the job's workerId) → pid. */
export const pidOf = (id: unknown) => Number(/-(\d+)(?:-coordinator)?$/.exec(String(id))?.[1]);

/** The telemetry of the job's segments for one event (`queued`, `started`, `done`…). */
export const segmentEvents = (events: TelemetryEvent[], event: string) =>
  events.filter((e) => e.subject.includes('.segment.') && e.subject.endsWith(`.${event}`));

/**
 * Makes two replicas (one segment worker each) both take segments of a job, forced, not hoped for: the replica that
 * starts a segment first has its ffmpeg paused (SIGSTOP), and any it starts next, until the other has started one;
 * the queued segments can then only go to the other. The segment worker's heartbeat keeps the paused deliveries
 * acknowledged.
 */
export async function forceSegmentsOnTwoReplicas(jobId: string, telemetry: TelemetryEvent[]): Promise<void> {
  await until('a segment to start', () => segmentEvents(telemetry, 'started').length > 0, 20_000, 5);
  const firstTaker = pidOf(segmentEvents(telemetry, 'started')[0].body.replicaId);
  const paused = new Set<number>();
  try {
    await until(
      'the other replica to start a segment while the first one is paused',
      async () => {
        for (const pid of await ffmpegProcesses(jobId)) {
          if (paused.has(pid) || (await parentOf(pid)) !== firstTaker) continue;
          // An encode that ended since the listing is not paused, and needs no resuming.
          if (signalPid(pid, 'SIGSTOP')) paused.add(pid);
        }
        return segmentEvents(telemetry, 'started').some((e) => pidOf(e.body.replicaId) !== firstTaker);
      },
      20_000,
      5,
    );
  } finally {
    for (const pid of paused) signalPid(pid, 'SIGCONT');
  }
}

/**
 * Creates a chunked job (2 s segments) and queues its chunk item as the scheduler would, the job's chunker telemetry
 * collected from before the job exists (every segment event is seen); `beforeQueued` runs between the two.
 */
export async function createChunkedJob(
  world: TranscoderWorld,
  job: { sourceAssetId: string; presetId: string; outputFilename: string },
  beforeQueued?: (jobId: string) => Promise<void>,
): Promise<{ jobId: string; telemetry: TelemetryEvent[]; stop(): void }> {
  const jobId = randomUUID();
  const telemetry: TelemetryEvent[] = [];
  const sub = world.streams.nc.subscribe(world.streams.names.telemetrySubject('chunker', jobId, '>'), {
    callback: (_err, msg) => {
      telemetry.push({ subject: msg.subject, body: JSON.parse(msg.string()) as Record<string, unknown> });
    },
  });
  await world.streams.nc.flush();
  await handleCommand(world.store, { type: 'job', id: jobId }, jobDecider, {
    type: 'CreateJob',
    jobId,
    ...job,
    chunkDuration: 2,
    executor: Executor.LOCAL,
    chunked: true,
    priority: Priority.NORMAL,
  });
  await beforeQueued?.(jobId);
  await enqueueChunkJob(world.js, world.streams.names, { jobId, attempt: 1, priority: Priority.NORMAL, queuedAt: new Date() });
  return { jobId, telemetry, stop: () => sub.unsubscribe() };
}
