import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeRotatedVideo, makeVideo } from '@mpr/core/testing/media-fixtures';
import { type ApiHarness, startApi } from './api-harness';

const REMUX = 'builtin-remux';

/**
 * [M5] A phone clip shot upright: its probe records the display matrix's
 * rotation, the API shows it beside the coded size, and the remux, whose
 * Matroska would lose the matrix, writes MOV — named so by default, and a
 * name asked for that says otherwise is refused before a job exists.
 */
describe('API: a rotated phone clip', { timeout: 120_000 }, () => {
  let h: ApiHarness;
  const ids = new Map<string, string>();

  const createJob = (assetId: string, presetId: string, outputFilename?: string) =>
    h.graphql<{ createJob: { id: string; outputFilename: string } }>(`mutation ($input: CreateJobInput!) { createJob(input: $input) { id outputFilename } }`, {
      variables: { input: { sourceAssetId: assetId, presetId, ...(outputFilename ? { outputFilename } : {}) } },
    });

  before(async () => {
    h = await startApi();
    await makeRotatedVideo(join(h.mediaIn, 'portrait.mov'), 90, { seconds: 0.5, width: 160, height: 90 });
    await makeVideo(join(h.mediaIn, 'landscape.mov'), { seconds: 0.5, width: 160, height: 90 });
    const scan = await h.graphql('mutation { scanMediaFolder { registered } }');
    assert.equal(scan.data!.scanMediaFolder.registered, 2, JSON.stringify(scan.errors));
    const { data } = await h.graphql<{ assets: Array<{ id: string; filePath: string }> }>('query { assets { id filePath } }');
    for (const a of data!.assets) ids.set(a.filePath, a.id);
  });
  after(() => h?.stop());

  it('shows the rotation beside the coded width and height', async () => {
    const { data, errors } = await h.graphql<{ assets: Array<{ filePath: string; width: number; height: number; rotation: number | null; status: string }> }>(
      'query { assets { filePath status width height rotation } }',
    );
    assert.equal(errors, undefined, JSON.stringify(errors));
    const byPath = new Map(data!.assets.map((a) => [a.filePath, a]));
    assert.deepEqual(byPath.get('portrait.mov'), { filePath: 'portrait.mov', status: 'ready', width: 160, height: 90, rotation: 90 });
    assert.deepEqual(byPath.get('landscape.mov'), { filePath: 'landscape.mov', status: 'ready', width: 160, height: 90, rotation: 0 });
  });

  it('names the remux of a rotated clip .mov by default, of an upright one .mkv as its preset says', async () => {
    const rotated = await createJob(ids.get('portrait.mov')!, REMUX);
    assert.equal(rotated.errors, undefined, JSON.stringify(rotated.errors));
    assert.equal(rotated.data!.createJob.outputFilename, 'portrait_remux_stream_copy.mov');
    const upright = await createJob(ids.get('landscape.mov')!, REMUX);
    assert.equal(upright.data!.createJob.outputFilename, 'landscape_remux_stream_copy.mkv');
    // An encode is turned upright by ffmpeg: its container stays the preset's.
    const encoded = await createJob(ids.get('portrait.mov')!, 'builtin-h264-720p');
    assert.equal(encoded.data!.createJob.outputFilename, 'portrait_h264_720p.mp4');
  });

  it('refuses a name that says Matroska for the remux of a rotated clip, creating no job; takes .mov', async () => {
    const assetId = ids.get('portrait.mov')!;
    const jobsBefore = await h.graphql(`query { asset(id: "${assetId}") { jobs { id } } }`);
    const refused = await createJob(assetId, REMUX, 'phone.mkv');
    assert.equal(refused.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT', JSON.stringify(refused));
    assert.match(
      refused.errors![0].message,
      /outputFilename "phone\.mkv": the source's video is turned 90° by its display matrix.*this job writes MOV: name the output \.mov/,
    );
    const jobsAfter = await h.graphql(`query { asset(id: "${assetId}") { jobs { id } } }`);
    assert.deepEqual(jobsAfter.data!.asset.jobs, jobsBefore.data!.asset.jobs, 'no job created');
    const taken = await createJob(assetId, REMUX, 'phone.mov');
    assert.equal(taken.data?.createJob.outputFilename, 'phone.mov', JSON.stringify(taken.errors));
  });
});
