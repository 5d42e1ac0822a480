import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { jetstreamManager } from '@nats-io/jetstream';
import { makeVideo } from '@mpr/core/testing/media-fixtures';
import { type ApiHarness, startApi } from './api-harness';

const BURSTS = 4;
const PER_BURST = 10;
/**
 * The API's read wait for this file: 30 s. The projection follows MPR_EVENTS
 * again within ~3 s of losing its consumer (a 2 s pull, two 1 s heartbeats),
 * 10× under it; nats.js left on its own sat one event behind for 45 s at a time.
 */
const READ_WAIT_SECONDS = 30;

describe('API: read-your-writes through bursts of commands while the projection loses its consumer', () => {
  let h: ApiHarness;
  let createJob: (name: string) => string;

  before(async () => {
    h = await startApi({ MPR_API_READ_WAIT_SECONDS: String(READ_WAIT_SECONDS) });
    await makeVideo(join(h.mediaIn, 'a.mp4'));
    await h.graphql('mutation { scanMediaFolder { registered } }');
    const { data } = await h.graphql('query { assets(status: "ready") { id } presets { id videoCodec } }');
    const presetId = data!.presets.find((p: { videoCodec: string }) => p.videoCodec === 'libx264').id;
    createJob = (name) =>
      `mutation { createJob(input: { sourceAssetId: "${data!.assets[0].id}", presetId: "${presetId}", outputFilename: "${name}" }) { id status } }`;
  });
  after(() => h.stop());

  /** What a slow-consumer disconnect, a lost delivery or a NATS restart leaves behind: the server's side of the projection's consumer gone. */
  async function loseTheProjectionsConsumer(): Promise<number> {
    const jsm = await jetstreamManager(h.streams.nc);
    let deleted = 0;
    for await (const consumer of await jsm.consumers.list(h.streams.names.events)) {
      const filter = consumer.config.filter_subject ?? consumer.config.filter_subjects?.[0];
      if (filter !== h.streams.names.allEvents()) continue; // a command's own read of its aggregate
      await jsm.consumers.delete(h.streams.names.events, consumer.name);
      deleted++;
    }
    return deleted;
  }

  it('every createJob answers its own job, burst after burst, the projection losing its consumer before each', async () => {
    const refused: string[] = [];
    const created = new Set<string>();
    let slowestMs = 0;
    for (let burst = 0; burst < BURSTS; burst++) {
      // At least the one it follows on (one nats.js recreated on its own and that was replaced may linger until it expires).
      if (burst > 0) assert.ok((await loseTheProjectionsConsumer()) >= 1, 'the projection follows the log on a consumer of the stream');
      await Promise.all(
        Array.from({ length: PER_BURST }, async (_, i) => {
          const started = Date.now();
          const { data, errors } = await h.graphql<{ createJob: { id: string; status: string } }>(createJob(`burst${burst}-${i}.mp4`));
          slowestMs = Math.max(slowestMs, Date.now() - started);
          if (errors) refused.push(`burst ${burst} #${i}: ${errors[0].message}`);
          else {
            assert.equal(data!.createJob.status, 'pending');
            created.add(data!.createJob.id);
          }
        }),
      );
    }
    assert.deepEqual(refused, [], `slowest answer ${slowestMs} ms`);
    const { data } = await h.graphql<{ jobs: Array<{ id: string }> }>('query { jobs { id } }');
    assert.deepEqual(new Set(data!.jobs.map((j) => j.id)), created, 'each job once in the read model');
    assert.equal(created.size, BURSTS * PER_BURST);
  });
});
