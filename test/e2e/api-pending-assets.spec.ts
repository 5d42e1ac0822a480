import assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { assetDecider, assetIdFor, handleCommand } from '@mpr/core';
import { makeVideo } from '@mpr/core/testing/media-fixtures';
import { type ApiHarness, startApi } from './api-harness';
import { until } from './transcoder-harness';

interface ScanCounts {
  registered: number;
  skipped: number;
  reprobed: number;
}

describe('API: an asset left pending by a probe that never finished', () => {
  let h: ApiHarness;

  const scan = async (): Promise<ScanCounts> => {
    const { data, errors } = await h.graphql('mutation { scanMediaFolder { registered skipped reprobed } }');
    assert.equal(errors, undefined, JSON.stringify(errors));
    return data!.scanMediaFolder as ScanCounts;
  };
  const status = async (id: string): Promise<string | undefined> => {
    const { data } = await h.graphql(`query { asset(id: "${id}") { status } }`);
    return data?.asset?.status as string | undefined;
  };
  const history = async (id: string): Promise<string[]> => (await h.streams.store.load({ type: 'asset', id })).events.map((e) => e.type);

  /** What a process killed between the registration and the probe leaves: only AssetRegistered in the log. */
  const leavePending = async (filePath: string): Promise<string> => {
    const path = await makeVideo(join(h.mediaIn, filePath));
    const { size, mtime } = await stat(path);
    const assetId = assetIdFor('in', filePath);
    await handleCommand(h.streams.store, { type: 'asset', id: assetId }, assetDecider, {
      type: 'RegisterAsset',
      assetId,
      filePath,
      filename: filePath,
      fileSize: BigInt(size),
      fileModifiedAt: mtime,
      root: 'in',
    });
    await until(`${filePath} pending in the read model`, async () => (await status(assetId)) === 'pending');
    return assetId;
  };

  before(async () => {
    h = await startApi();
  });
  after(() => h.stop());

  it('the next scan probes it again: it becomes ready, and a later scan leaves it alone', { timeout: 60_000 }, async () => {
    const assetId = await leavePending('stuck.mp4');
    const result = await scan();
    assert.deepEqual({ registered: result.registered, reprobed: result.reprobed }, { registered: 0, reprobed: 1 });
    assert.equal(await status(assetId), 'ready');
    const { data } = await h.graphql(`query { asset(id: "${assetId}") { videoCodec duration } }`);
    assert.equal(data!.asset.videoCodec, 'h264');
    assert.ok(Math.abs(data!.asset.duration - 1) < 0.25, `duration ${data!.asset.duration}`);
    assert.deepEqual(await history(assetId), ['AssetRegistered', 'AssetProbed']);

    const again = await scan();
    assert.equal(again.reprobed, 0);
    assert.deepEqual(await history(assetId), ['AssetRegistered', 'AssetProbed']);
  });

  it('two scans at once probe it once: one AssetProbed in the log', { timeout: 60_000 }, async () => {
    const assetId = await leavePending('overlap.mkv');
    const results = await Promise.all([scan(), scan()]);
    assert.equal(results[0].reprobed + results[1].reprobed, 1, JSON.stringify(results));
    assert.equal(await status(assetId), 'ready');
    assert.deepEqual(await history(assetId), ['AssetRegistered', 'AssetProbed']);
  });
});
