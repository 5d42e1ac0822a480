import assert from 'node:assert/strict';
import { mkdir, rename, rm, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeAudio, makeVideo } from '@mpr/core/testing/media-fixtures';
import { type ApiHarness, startApi } from './api-harness';
import type { AssetFields } from './graphql-rows';

type Asset = Pick<AssetFields, 'id' | 'filePath' | 'status' | 'fileSize' | 'duration'>;

const ASSET_FIELDS = 'id filePath status fileSize duration';

describe('API: files that went away', () => {
  let h: ApiHarness;
  let away: string;
  let presetId: string;
  const ids = new Map<string, string>();

  const scan = async () => {
    const { data, errors } = await h.graphql('mutation { scanMediaFolder { found registered skipped missing returned } }');
    assert.equal(errors, undefined, JSON.stringify(errors));
    return data!.scanMediaFolder as { found: number; registered: number; skipped: number; missing: number; returned: number };
  };
  const asset = async (filePath: string): Promise<Asset> => {
    const { data, errors } = await h.graphql(`query { asset(id: "${ids.get(filePath)}") { ${ASSET_FIELDS} } }`);
    assert.equal(errors, undefined, JSON.stringify(errors));
    return data!.asset as Asset;
  };
  /** The asset's event types from the log, after its registration. */
  const history = async (filePath: string): Promise<string[]> =>
    (await h.streams.store.load({ type: 'asset', id: ids.get(filePath)! })).events.map((e) => e.type);
  const takeAway = (filePath: string) => rename(join(h.mediaIn, filePath), join(away, filePath));
  const putBack = (filePath: string) => rename(join(away, filePath), join(h.mediaIn, filePath));

  before(async () => {
    h = await startApi();
    away = join(h.mediaOut, '..', 'away');
    await mkdir(away, { recursive: true });
    for (const name of ['gone.mp4', 'back.mp4', 'touched.mkv']) await makeVideo(join(h.mediaIn, name));
    await makeAudio(join(h.mediaIn, 'replaced.wav'));
    assert.equal((await scan()).registered, 4);
    const { data } = await h.graphql(`query { assets { ${ASSET_FIELDS} } }`);
    for (const a of data!.assets as Asset[]) ids.set(a.filePath, a.id);
    const presets = await h.graphql('query { presets { id videoCodec } }');
    presetId = presets.data!.presets.find((p: { videoCodec: string }) => p.videoCodec === 'libx264').id;
  });
  after(() => h.stop());

  it('a file deleted from MEDIA_IN makes its asset missing; createJob on it is refused, no job created', async () => {
    await rm(join(h.mediaIn, 'gone.mp4'));
    const result = await scan();
    assert.deepEqual({ missing: result.missing, returned: result.returned, registered: result.registered }, { missing: 1, returned: 0, registered: 0 });
    assert.equal((await asset('gone.mp4')).status, 'missing');
    const listed = await h.graphql('query { assets(status: "missing") { filePath } }');
    assert.ok(
      listed.data!.assets.some((a: { filePath: string }) => a.filePath === 'gone.mp4'),
      JSON.stringify(listed.data),
    );
    const status = await h.graphql('query { systemStatus { missingAssets } }');
    assert.ok(status.data!.systemStatus.missingAssets >= 1);

    const created = await h.graphql(`mutation { createJob(input: { sourceAssetId: "${ids.get('gone.mp4')}", presetId: "${presetId}" }) { id } }`);
    assert.equal(created.errors![0].extensions!.code, 'BAD_USER_INPUT');
    assert.match(created.errors![0].message, /is missing: its file gone\.mp4 was not under MEDIA_IN at the last scan/);
    const jobs = await h.graphql(`query { asset(id: "${ids.get('gone.mp4')}") { jobs { id } } }`);
    assert.deepEqual(jobs.data!.asset.jobs, []);

    // Still gone: the next scan changes nothing.
    assert.equal((await scan()).missing, 0);
    assert.equal((await history('gone.mp4')).filter((type) => type === 'AssetMissing').length, 1);
  });

  it('the same file put back is ready again under the same id, without a new probe', async () => {
    const before = await asset('back.mp4');
    await takeAway('back.mp4');
    assert.equal((await scan()).missing, 1);
    assert.equal((await asset('back.mp4')).status, 'missing');
    await putBack('back.mp4');
    const result = await scan();
    assert.deepEqual({ missing: result.missing, returned: result.returned }, { missing: 0, returned: 1 });
    assert.deepEqual(await asset('back.mp4'), before);
    assert.deepEqual((await history('back.mp4')).slice(-2), ['AssetMissing', 'AssetReturned']);
    const created = await h.graphql(`mutation { createJob(input: { sourceAssetId: "${before.id}", presetId: "${presetId}" }) { status } }`);
    assert.equal(created.errors, undefined, JSON.stringify(created.errors));
    assert.equal(created.data!.createJob.status, 'pending');
  });

  it('a file put back with another modification time is probed again', async () => {
    await takeAway('touched.mkv');
    assert.equal((await scan()).missing, 1);
    const later = new Date(Date.now() + 60_000);
    await utimes(join(away, 'touched.mkv'), later, later);
    await putBack('touched.mkv');
    assert.equal((await scan()).returned, 1);
    assert.equal((await asset('touched.mkv')).status, 'ready');
    assert.deepEqual((await history('touched.mkv')).slice(-3), ['AssetMissing', 'AssetReturned', 'AssetProbed']);
  });

  it('a different file put back under the name is probed again: its new size and duration', async () => {
    const before = await asset('replaced.wav');
    await rm(join(h.mediaIn, 'replaced.wav'));
    assert.equal((await scan()).missing, 1);
    await makeAudio(join(h.mediaIn, 'replaced.wav'), 3);
    assert.equal((await scan()).returned, 1);
    const after = await asset('replaced.wav');
    assert.equal(after.id, before.id);
    assert.equal(after.status, 'ready');
    assert.ok(Math.abs(after.duration! - 3) < 0.1, `duration ${after.duration}`);
    assert.ok(after.fileSize > before.fileSize * 2, `${after.fileSize} against ${before.fileSize} bytes`);
  });
});
