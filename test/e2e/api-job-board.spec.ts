import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { seedJobs, type SeededStatus } from '@mpr/core/testing/job-seed';
import { makeVideo } from '@mpr/core/testing/media-fixtures';
import { waitFor } from '@mpr/core/testing/wait-for';
import { type ApiHarness, startApi } from './api-harness';

interface Board {
  sequence: number;
  completed: number;
  entries: { id: string; status: string }[];
  jobs: { id: string; status: string }[];
}

/** jobBoard, the start of the dashboard's live jobs list: completed jobs (final) as a count, every other job as an entry. */
describe('API: jobBoard', () => {
  let h: ApiHarness;
  let ids: Record<SeededStatus, string[]>;

  before(async () => {
    // The API alone: no scheduler or worker, so the seeded jobs stay as they were seeded.
    h = await startApi();
    await makeVideo(join(h.mediaIn, 'a.mp4'));
    await h.graphql('mutation { scanMediaFolder { registered } }');
    const { data } = await h.graphql('query { assets { id } }');
    ids = await seedJobs(h.streams.store, {
      counts: { completed: 30, failed: 5, pending: 4, processing: 3 },
      sourceAssetId: data!.assets[0].id,
      presetId: 'builtin-h264-720p',
    });
  });
  after(() => h?.stop());

  const board = async (args: string) => {
    const { data, errors } = await h.graphql<{ jobBoard: Board }>(
      `query { jobBoard(${args}) { sequence completed entries { id status } jobs { id status } } }`,
    );
    assert.equal(errors, undefined, JSON.stringify(errors));
    return data!.jobBoard;
  };

  it('counts the completed jobs and lists every other job newest first, with one page of the filter', { timeout: 60_000 }, async () => {
    const read = await waitFor('the read model to hold the 42 seeded jobs', () => board('status: "completed", limit: 10'), {
      done: (b) => b.completed + b.entries.length === 42,
      timeoutMs: 30_000,
      describe: (b) => `${b.completed} completed + ${b.entries.length} entries`,
    });
    assert.equal(read.completed, 30);
    const unfinished = [...ids.failed, ...ids.pending, ...ids.processing].reverse();
    assert.deepEqual(
      read.entries.map((e) => e.id),
      unfinished,
      'every job not completed, newest first',
    );
    assert.equal(read.entries.filter((e) => e.status === 'completed').length, 0);
    assert.deepEqual(
      read.jobs.map((j) => j.id),
      ids.completed.slice(-10).reverse(),
      "the filter's first page still holds completed rows",
    );
    assert.ok(read.sequence >= 42 * 2, `the snapshot's sequence covers the seeded events (${read.sequence})`);
  });
});
