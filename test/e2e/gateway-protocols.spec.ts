import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { WatchChunkPipelineResponse, WatchEventsResponse, WatchJobResponse, WatchWorkersResponse } from '@mpr/contracts/gateway_pb';
import { collect, GatewayWorld, PROTOCOLS } from './gateway-harness';

const kinds = (items: Array<{ kind: { case?: string } }>) => items.map((i) => i.kind.case);

describe('gateway: every RPC over Connect (JSON, binary), gRPC-Web and gRPC', () => {
  let world: GatewayWorld;
  let jobId: string;
  let created: number;

  before(async () => {
    world = await GatewayWorld.start();
    ({ jobId, sequence: created } = await world.createJob(undefined, true));
    await world.publishProgress({ jobId, attempt: 1, percent: 12.5, fps: 30, speed: 2, etaSeconds: 4 });
    await world.publishChunkStep(jobId, 'planned', { attempt: 1, segments: [{ index: 0 }, { index: 1 }] });
    await world.publishChunkStep(jobId, 'segment.1.started', { attempt: 1, index: 1, workerId: 'w-1', replicaId: 'r-1' });
    await world.publishPresence({ workerId: 'host.a-1-0', jobId, speed: 1.5 });
  });

  after(() => world.stop());

  for (const [n, protocol] of PROTOCOLS.entries()) {
    describe(protocol, () => {
      it('WatchEvents: the log from a sequence, then a live event', async () => {
        const client = world.client(protocol);
        let live = 0;
        const items = await collect<WatchEventsResponse>(
          (signal) => client.watchEvents({ fromSequence: BigInt(created) }, { signal }),
          (all) => all.some((i) => i.kind.case === 'event' && Number(i.kind.value.sequence) === live),
          {
            onItem: async (item, all) => {
              if (all.length === 1 && item.kind.case === 'event') live = await world.progressed(jobId, 10);
            },
          },
        );
        const events = items.flatMap((i) => (i.kind.case === 'event' ? [i.kind.value] : []));
        assert.equal(Number(events[0].sequence), created);
        assert.equal(events[0].event?.data.case, 'jobCreated');
        assert.equal(events[0].event?.aggregateId, jobId);
        assert.equal(events.at(-1)?.event?.data.case, 'jobProgressed');
      });

      it('WatchJob: the job’s events, its latest progress, then live progress', async () => {
        const client = world.client(protocol);
        const items = await collect<WatchJobResponse>(
          (signal) => client.watchJob({ jobId }, { signal }),
          (all) => all.some((i) => i.kind.case === 'progress' && i.kind.value.percent === 50),
          {
            onItem: async (item) => {
              if (item.kind.case === 'progress' && item.kind.value.percent !== 50)
                await world.publishProgress({ jobId, attempt: 1, percent: 50, fps: 30, speed: 2 });
            },
          },
        );
        const first = items[0];
        assert.equal(first.kind.case, 'event');
        assert.equal(first.kind.case === 'event' && first.kind.value.event?.data.case, 'jobCreated');
        assert.ok(items.every((i) => i.kind.case !== 'event' || i.kind.value.event?.aggregateId === jobId));
        assert.ok(kinds(items).includes('progress'));
      });

      it('WatchChunkPipeline: the steps so far, then a live step', async () => {
        const client = world.client(protocol);
        // A segment of this protocol's own: the steps of the protocols before it are in the replay too.
        const index = n + 2;
        const before = ['planned', 'segment.1.started', ...PROTOCOLS.slice(0, n).map((_, i) => `segment.${i + 2}.done`)];
        const items = await collect<WatchChunkPipelineResponse>(
          (signal) => client.watchChunkPipeline({ jobId }, { signal }),
          (all) => all.some((i) => i.kind.case === 'step' && i.kind.value.step === `segment.${index}.done`),
          {
            onItem: async (item, all) => {
              if (all.filter((i) => i.kind.case === 'step').length === before.length && item.kind.case === 'step')
                await world.publishChunkStep(jobId, `segment.${index}.done`, { attempt: 1, index, workerId: 'w-1', replicaId: 'r-1' });
            },
          },
        );
        const steps = items.flatMap((i) => (i.kind.case === 'step' ? [i.kind.value] : []));
        assert.deepEqual(
          steps.map((s) => s.step),
          [...before, `segment.${index}.done`],
        );
        const done = steps.at(-1);
        assert.equal(done?.segmentIndex, index);
        assert.equal(done?.workerId, 'w-1');
        assert.equal(done?.replicaId, 'r-1');
        assert.equal(steps[0].details?.segments instanceof Array ? steps[0].details.segments.length : -1, 2);
      });

      it('WatchChunkPipeline: each running segment’s progress with its percent, live from the workers’ reports', async () => {
        const client = world.client(protocol);
        const index = 10 + n;
        const items = await collect<WatchChunkPipelineResponse>(
          (signal) => client.watchChunkPipeline({ jobId }, { signal }),
          (all) => all.some((i) => i.kind.case === 'segmentProgress' && i.kind.value.done),
          {
            // Live: once the replay is through (the first heartbeat), a worker reports 3 s of a 4 s segment, then the end.
            onItem: async (item, all) => {
              if (item.kind.case === 'heartbeat' && !all.some((i) => i.kind.case === 'segmentProgress')) {
                world.publishSegmentReport(jobId, 2, { index, outTimeSeconds: 3, durationSeconds: 4 });
                world.publishSegmentReport(jobId, 2, { index, outTimeSeconds: 4, durationSeconds: 4, done: true });
              }
            },
          },
        );
        const reports = items.flatMap((i) => (i.kind.case === 'segmentProgress' ? [i.kind.value] : []));
        assert.deepEqual(
          reports.map(({ jobId: job, attempt, segmentIndex, audio, encodedSeconds, durationSeconds, percent, done }) => ({
            job,
            attempt,
            segmentIndex,
            audio,
            encodedSeconds,
            durationSeconds,
            percent,
            done,
          })),
          [
            { job: jobId, attempt: 2, segmentIndex: index, audio: false, encodedSeconds: 3, durationSeconds: 4, percent: 75, done: false },
            { job: jobId, attempt: 2, segmentIndex: index, audio: false, encodedSeconds: 4, durationSeconds: 4, percent: 100, done: true },
          ],
        );
      });

      it('WatchWorkers: every worker alive, then a change', async () => {
        const client = world.client(protocol);
        const workerId = `live-${protocol}`;
        const items = await collect<WatchWorkersResponse>(
          (signal) => client.watchWorkers({}, { signal }),
          (all) => all.some((i) => i.kind.case === 'gone' && i.kind.value.workerId === workerId),
          {
            onItem: async (item) => {
              if (item.kind.case === 'worker' && item.kind.value.workerId === 'host.a-1-0') await world.publishPresence({ workerId });
              if (item.kind.case === 'worker' && item.kind.value.workerId === workerId) await world.publishPresence({ workerId, leaving: true });
            },
          },
        );
        const first = items.find((i) => i.kind.case === 'worker');
        assert.equal(first?.kind.case === 'worker' && first.kind.value.jobId, jobId);
        assert.equal(first?.kind.case === 'worker' && first.kind.value.speed, 1.5);
      });
    });
  }

  it('WatchEvents with_progress: the log, the latest progress of every job, a caught-up heartbeat, then live progress', async () => {
    const client = world.client('connect-binary');
    const items = await collect<WatchEventsResponse>(
      (signal) => client.watchEvents({ fromSequence: BigInt(created), aggregateTypes: ['job'], withProgress: true }, { signal }),
      (all) => all.some((i) => i.kind.case === 'progress' && i.kind.value.percent === 77),
      {
        onItem: async (item) => {
          if (item.kind.case === 'heartbeat') await world.publishProgress({ jobId, attempt: 1, percent: 77, fps: 25, speed: 1.5 });
        },
      },
    );
    const at = (test: (i: WatchEventsResponse) => boolean) => items.findIndex(test);
    const created_ = at((i) => i.kind.case === 'event' && i.kind.value.event?.data.case === 'jobCreated');
    const latest = at((i) => i.kind.case === 'progress' && i.kind.value.jobId === jobId);
    const caughtUp = at((i) => i.kind.case === 'heartbeat');
    const live = at((i) => i.kind.case === 'progress' && i.kind.value.percent === 77);
    assert.ok(created_ >= 0 && created_ < latest && latest < caughtUp && caughtUp < live, JSON.stringify(kinds(items)));
    const progress = items[live].kind.value;
    assert.ok(progress && 'fps' in progress && progress.fps === 25 && progress.jobId === jobId);
  });

  it('every stream with nothing to say sends heartbeats', async () => {
    const client = world.client('connect-json');
    const items = await collect<WatchEventsResponse>(
      (signal) => client.watchEvents({ fromSequence: 1_000_000n }, { signal }),
      (all) => all.length >= 2,
    );
    assert.deepEqual(kinds(items), ['heartbeat', 'heartbeat']);
  });

  it('grpc-js (an independent gRPC implementation) calls each RPC', async () => {
    const client = world.grpcJsClient();
    try {
      const first = (method: string, request: object) =>
        new Promise<Record<string, unknown>>((resolve, reject) => {
          const call = client[method](request);
          call.once('data', (data: Record<string, unknown>) => {
            resolve(data);
            call.cancel();
          });
          call.once('error', (err: Error & { code?: number }) => {
            if (err.code !== 1) reject(err); // 1 = CANCELLED, by us
          });
        });
      const event = await first('watchEvents', { fromSequence: String(created) });
      assert.equal((event.event as { sequence: string }).sequence, String(created));
      const job = await first('watchJob', { jobId });
      assert.equal(job.kind, 'event');
      const step = await first('watchChunkPipeline', { jobId });
      assert.equal((step.step as { step: string }).step, 'planned');
      const worker = await first('watchWorkers', {});
      assert.equal((worker.worker as { workerId: string }).workerId, 'host.a-1-0');
    } finally {
      client.close();
    }
  });
});
