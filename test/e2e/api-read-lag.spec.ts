import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client } from 'pg';
import { makeVideo } from '@mpr/core/testing/media-fixtures';
import { waitFor } from '@mpr/core/testing/wait-for';
import { type ApiHarness, startApi } from './api-harness';

describe('API: a mutation while the read models lag', () => {
  let h: ApiHarness;
  let createJob: string;

  before(async () => {
    h = await startApi({ MPR_API_READ_WAIT_SECONDS: '1' });
    await makeVideo(join(h.mediaIn, 'a.mp4'));
    await h.graphql('mutation { scanMediaFolder { registered } }');
    const { data } = await h.graphql('query { assets(status: "ready") { id } presets { id videoCodec } }');
    const presetId = data!.presets.find((p: { videoCodec: string }) => p.videoCodec === 'libx264').id;
    createJob = `mutation { createJob(input: { sourceAssetId: "${data!.assets[0].id}", presetId: "${presetId}", outputFilename: "lag.mp4" }) { id status } }`;
  });
  after(() => h.stop());

  it('createJob answers READ_MODELS_BEHIND (retryable, with the job id) when the projection is held, and the job shows once it goes on', async () => {
    // The projection takes the checkpoint row FOR UPDATE with every event: holding that lock holds it, as a slow database would.
    const holder = new Client({ connectionString: h.db.url });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT sequence FROM projection_checkpoints FOR UPDATE');
      const { data, errors } = await h.graphql(createJob);
      assert.equal(data, null);
      assert.equal(errors?.length, 1, JSON.stringify(errors));
      const [error] = errors!;
      const jobId = error.extensions?.jobId;
      assert.equal(typeof jobId, 'string');
      assert.deepEqual(error.extensions, { code: 'READ_MODELS_BEHIND', retryable: true, jobId });
      assert.match(
        error.message,
        new RegExp(
          `^job ${jobId} is recorded \\(event (\\d+)\\), but the read models are still at event \\d+ after 1 s ` +
            `\\(its write has taken \\d+\\.\\d s, waiting for the read models' checkpoint lock \\(another projector, or a rebuild, holds it\\) for \\d+\\.\\d s\\): ` +
            `read it again shortly instead of repeating the command$`,
        ),
      );
      await holder.query('ROLLBACK');

      const jobs = await waitFor(
        'the job to show in the read model',
        async () =>
          (await h.graphql<{ jobs: Array<{ id: string; status: string; outputFilename: string }> }>('query { jobs { id status outputFilename } }')).data!.jobs,
        { done: (list) => list.some((j) => j.id === jobId), describe: (list) => JSON.stringify(list) },
      );
      assert.deepEqual(jobs, [{ id: jobId, status: 'pending', outputFilename: 'lag.mp4' }], 'the one job the command made, no second one');
    } finally {
      await holder.end();
    }
  });

  it('with the read models current, createJob answers the job', async () => {
    const { data, errors } = await h.graphql(createJob.replace('lag.mp4', 'current.mp4'));
    assert.equal(errors, undefined, JSON.stringify(errors));
    assert.equal(data!.createJob.status, 'pending');
  });
});
