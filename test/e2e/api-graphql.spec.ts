import assert from 'node:assert/strict';
import { mkdir, rename, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Executor } from '@mpr/contracts/common_pb';
import { handleCommand, jobDecider } from '@mpr/core';
import { AUDIO_FIXTURE_TYPES, makeAudio, makePlaylistTrap, makeVideo, VIDEO_FIXTURE_TYPES } from '@mpr/core/testing/media-fixtures';
import { waitFor } from '@mpr/core/testing/wait-for';
import { type ApiHarness, startApi } from './api-harness';

/** A builtin preset (ids are fixed from the first boot), so no test needs another to have looked it up. */
const H264_720P = 'builtin-h264-720p';
const SCAN = 'mutation { scanMediaFolder { found registered skipped } }';

interface ScanCounts {
  found: number;
  registered: number;
  skipped: number;
}

/** Scans the media folder (registering what is new) and answers the assets by their path under MEDIA_IN. */
async function scanAndList(h: ApiHarness): Promise<{ scan: ScanCounts; assetId: (filePath: string) => string }> {
  const { data, errors } = await h.graphql<{ scanMediaFolder: ScanCounts }>(SCAN);
  assert.equal(errors, undefined, JSON.stringify(errors));
  const assets = await h.graphql<{ assets: Array<{ id: string; filePath: string }> }>('query { assets { id filePath } }');
  const ids = new Map(assets.data!.assets.map((a) => [a.filePath, a.id]));
  const assetId = (filePath: string) => ids.get(filePath) ?? assert.fail(`no asset for ${filePath} in ${JSON.stringify([...ids.keys()])}`);
  return { scan: data!.scanMediaFolder, assetId };
}

describe('API: the GraphQL contract of the original system', () => {
  let h: ApiHarness;
  /**
   * The library's first scan, made by whichever test needs the assets first
   * (each test must pass alone), so the scan test checks the first scan's
   * counts whatever ran before it. No test here deletes or adds media: that is
   * the next suite's, on its own API.
   */
  let library: ReturnType<typeof scanAndList> | undefined;
  const scanned = () => (library ??= scanAndList(h));

  before(async () => {
    h = await startApi();
    for (const type of VIDEO_FIXTURE_TYPES) await makeVideo(join(h.mediaIn, 'video', `clip.${type}`));
    for (const type of AUDIO_FIXTURE_TYPES) await makeAudio(join(h.mediaIn, 'audio', `tone.${type}`));
    await writeFile(join(h.mediaIn, 'corrupt.mp4'), Buffer.alloc(2048, 1));
    await writeFile(join(h.mediaIn, 'empty.mkv'), '');
    await writeFile(join(h.mediaIn, 'notes.txt'), 'not media');
    await rename(await makeVideo(join(h.mediaIn, 'real-video.mp4')), join(h.mediaIn, 'wrongly-named.txt'));
    await makePlaylistTrap(join(h.mediaIn, 'trap.avi'));
    await writeFile(join(h.mediaOut, '..', 'outside.mp4'), 'outside');
    await symlink(join(h.mediaOut, '..', 'outside.mp4'), join(h.mediaIn, 'escape.mp4'));
  });
  after(() => h.stop());

  it('presets: the builtin presets exist from the first boot', async () => {
    const { data, errors } = await h.graphql('query { presets { id name container videoCodec } }');
    assert.equal(errors, undefined);
    const names = data!.presets.map((p: { name: string }) => p.name);
    assert.ok(data!.presets.length >= 10, names.join(', '));
    const h264 = data!.presets.find((p: { videoCodec: string; name: string }) => p.videoCodec === 'libx264' && /720/.test(p.name));
    assert.ok(h264, 'an H.264 720p preset');
    assert.equal(h264.container, 'mp4');
    assert.equal(h264.id, H264_720P);
  });

  it('systemStatus', async () => {
    const { data } = await h.graphql('query { systemStatus { status version } }');
    assert.equal(data!.systemStatus.status, 'ok');
    assert.match(data!.systemStatus.version, /^\d+\.\d+\.\d+/);
  });

  it('scanMediaFolder registers every supported file once, corrupt ones with the reason', async () => {
    const { scan } = await scanned();
    const supported = VIDEO_FIXTURE_TYPES.length + AUDIO_FIXTURE_TYPES.length + 4; // + corrupt, empty, trap, escape
    assert.equal(scan.found, supported);
    assert.equal(scan.registered, supported - 1, 'all but the symlink leading out');
    assert.equal(scan.skipped, 1);

    const again = await h.graphql(SCAN);
    assert.deepEqual(again.data!.scanMediaFolder, { found: supported, registered: 0, skipped: supported });
  });

  it('assets(status: "ready") lists the probed media with codec, resolution and duration', async () => {
    await scanned();
    const { data } = await h.graphql('query { assets(status: "ready") { id filename duration } }');
    const ready = data!.assets as Array<{ id: string; filename: string; duration: number }>;
    assert.equal(ready.length, VIDEO_FIXTURE_TYPES.length + AUDIO_FIXTURE_TYPES.length);
    for (const asset of ready) assert.ok(Math.abs(asset.duration - 1) < 0.25, `${asset.filename}: ${asset.duration}`);
    const full = await h.graphql('query { assets(status: "READY") { id filePath videoCodec audioCodec width height framerate status } }');
    const mp4 = full.data!.assets.find((a: { filePath: string }) => a.filePath === 'video/clip.mp4');
    assert.deepEqual(
      { videoCodec: mp4.videoCodec, audioCodec: mp4.audioCodec, width: mp4.width, height: mp4.height, framerate: mp4.framerate, status: mp4.status },
      { videoCodec: 'h264', audioCodec: 'aac', width: 160, height: 120, framerate: 10, status: 'ready' },
    );
  });

  it('corrupt, empty and playlist-carrying files become assets in status error with the reason', async () => {
    await scanned();
    const { data } = await h.graphql('query { assets(status: "error") { filePath status errorMessage } }');
    const byPath = new Map<string, string>(data!.assets.map((a: { filePath: string; errorMessage: string }) => [a.filePath, a.errorMessage]));
    assert.deepEqual([...byPath.keys()].sort(), ['corrupt.mp4', 'empty.mkv', 'trap.avi']);
    assert.match(byPath.get('trap.avi')!, /not on whitelist/);
    assert.match(byPath.get('corrupt.mp4')!, /^in\/corrupt\.mp4: Invalid data found when processing input$/m, 'named by its media path');
    assert.doesNotMatch(JSON.stringify(data), new RegExp(h.mediaIn), 'no host paths');
    for (const reason of byPath.values()) assert.ok(reason.length > 0);
    assert.doesNotMatch(JSON.stringify(data), /root:x:0:0/);
  });

  it('takes variables, required ones too (a mutation as GraphiQL sends it)', async () => {
    const preset = await h.graphql('query ($id: ID!) { preset(id: $id) { id name } }', { variables: { id: 'builtin-h264-720p' } });
    assert.equal(preset.errors, undefined, JSON.stringify(preset.errors));
    assert.deepEqual(preset.data!.preset, { id: 'builtin-h264-720p', name: 'H.264 720p' });
    const missing = await h.graphql('query ($id: ID!) { preset(id: $id) { id } }');
    assert.equal(missing.errors![0].extensions!.code, 'GRAPHQL_VALIDATION_FAILED');
    assert.match(missing.errors![0].message, /Variable "\$id" of required type "ID!" was not provided/);
  });

  it('refuses an unknown status with BAD_USER_INPUT', async () => {
    const { errors } = await h.graphql('query { assets(status: "lost") { id } }');
    assert.equal(errors![0].extensions!.code, 'BAD_USER_INPUT');
    assert.match(errors![0].message, /pending, ready, error/);
  });

  it('createJob, then jobs(status), cancelJob, retryJob', async () => {
    const clip = (await scanned()).assetId('video/clip.mp4');
    const created = await h.graphql(`mutation { createJob(input: { sourceAssetId: "${clip}", presetId: "${H264_720P}" }) { id status } }`);
    assert.equal(created.errors, undefined, JSON.stringify(created.errors));
    const job = created.data!.createJob as { id: string; status: string };
    assert.equal(job.status, 'pending');

    const pending = await h.graphql('query { jobs(status: "pending") { id status progress } }');
    assert.deepEqual(pending.data!.jobs, [{ id: job.id, status: 'pending', progress: 0 }]);
    const processing = await h.graphql('query { jobs(status: "processing") { id status progress } }');
    assert.deepEqual(processing.data!.jobs, []);

    const cancelled = await h.graphql(`mutation { cancelJob(id: "${job.id}") { id status } }`);
    assert.deepEqual(cancelled.data!.cancelJob, { id: job.id, status: 'cancelled' });
    const retried = await h.graphql(`mutation { retryJob(id: "${job.id}") { id status attempt } }`);
    assert.deepEqual(retried.data!.retryJob, { id: job.id, status: 'pending', attempt: 2 });

    const history = await h.graphql(`query { job(id: "${job.id}") { outputFilename events { type sequence } } }`);
    assert.equal(history.data!.job.outputFilename, 'clip_h264_720p.mp4');
    assert.deepEqual(
      history.data!.job.events.map((e: { type: string }) => e.type),
      ['JobCreated', 'JobCancelled', 'JobRetried'],
    );
  });

  it('illegal transitions are ILLEGAL_TRANSITION errors naming the state', async () => {
    const clip = (await scanned()).assetId('video/clip.mp4');
    const { data } = await h.graphql(`mutation { createJob(input: { sourceAssetId: "${clip}", presetId: "${H264_720P}", priority: "high" }) { id } }`);
    const id = data!.createJob.id as string;
    const retry = await h.graphql(`mutation { retryJob(id: "${id}") { id } }`);
    assert.equal(retry.errors![0].extensions!.code, 'ILLEGAL_TRANSITION');
    assert.equal(retry.errors![0].extensions!.state, 'PENDING');

    // A worker takes the job and finishes it.
    const ref = { type: 'job' as const, id };
    await handleCommand(h.streams.store, ref, jobDecider, { type: 'StartJob', jobId: id, workerId: 'w1', executor: Executor.LOCAL });
    const processingRetry = await h.graphql(`mutation { retryJob(id: "${id}") { id } }`);
    assert.equal(processingRetry.errors![0].extensions!.state, 'PROCESSING');
    await handleCommand(h.streams.store, ref, jobDecider, { type: 'CompleteJob', jobId: id, attempt: 1, outputPath: 'x.mp4', outputAssetId: '' });

    const cancel = await waitFor('cancelJob to be refused for the completed job', () => h.graphql(`mutation { cancelJob(id: "${id}") { id status } }`), {
      done: (result) => Boolean(result.errors?.[0].message.includes('COMPLETED')),
      describe: (result) => JSON.stringify(result.errors ?? result.data),
    });
    assert.equal(cancel.errors![0].extensions!.code, 'ILLEGAL_TRANSITION');
    assert.match(cancel.errors![0].message, /cancel job .* in state COMPLETED/i);
    assert.equal(cancel.data, null);
  });

  it('NOT_FOUND for unknown ids, BAD_USER_INPUT for bad job input', async () => {
    const clip = (await scanned()).assetId('video/clip.mp4');
    const missing = await h.graphql('mutation { cancelJob(id: "nope") { id } }');
    assert.equal(missing.errors![0].extensions!.code, 'NOT_FOUND');
    const badTrim = await h.graphql(
      `mutation { createJob(input: { sourceAssetId: "${clip}", presetId: "${H264_720P}", trimStart: 0.5, trimEnd: 0.2 }) { id } }`,
    );
    assert.equal(badTrim.errors![0].extensions!.code, 'BAD_USER_INPUT');
    const badName = await h.graphql(
      `mutation { createJob(input: { sourceAssetId: "${clip}", presetId: "${H264_720P}", outputFilename: "../../etc/x.mp4" }) { id } }`,
    );
    assert.equal(badName.errors![0].extensions!.code, 'BAD_USER_INPUT');
  });

  it('mutations and queries alike need the bearer token', async () => {
    for (const document of ['mutation { scanMediaFolder { found } }', 'query { presets { id } }']) {
      const anonymous = await h.graphql(document, { token: null });
      assert.equal(anonymous.errors![0].extensions!.code, 'UNAUTHENTICATED', document);
      const wrong = await h.graphql(document, { token: 'x'.repeat(27) });
      assert.equal(wrong.errors![0].extensions!.code, 'UNAUTHENTICATED', document);
    }
    const query = await h.graphql('query { presets { id } }');
    assert.equal(query.errors, undefined);
  });

  it('malformed queries get a syntax error; deep or costly ones are refused', async () => {
    const malformed = await h.graphql('query { assets(status: "ready") { id ');
    assert.equal(malformed.status, 400);
    assert.match(malformed.errors![0].message, /Syntax Error/);
    // A body that is not JSON at all: the parser's own words and 400, not an internal error.
    const notJson = await fetch(`${h.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query": "{ jobs { id } }"' });
    assert.equal(notJson.status, 400);
    const notJsonBody = (await notJson.json()) as { errors: Array<{ message: string; extensions: { code: string } }> };
    assert.match(notJsonBody.errors[0].message, /Body is not valid JSON/);
    assert.equal(notJsonBody.errors[0].extensions.code, 'BAD_REQUEST');
    const deep = await h.graphql(
      'query { jobs { sourceAsset { jobs { sourceAsset { jobs { sourceAsset { jobs { sourceAsset { jobs { sourceAsset { id } } } } } } } } } } }',
    );
    assert.match(deep.errors![0].message, /exceeds maximum operation depth of 8/);
    const nested = await h.graphql('query { jobs { sourceAsset { filename jobs { id preset { name } } } } }');
    assert.equal(nested.errors, undefined, 'reasonable nesting passes');
    const introspection = await h.graphql('query { __schema { types { fields { type { ofType { ofType { ofType { ofType { name } } } } } } } } }');
    assert.equal(introspection.errors, undefined, "GraphiQL's introspection is not cut by the depth limit");
    const aliases = Array.from({ length: 120 }, (_, i) => `a${i}: jobs { id events { type } }`).join(' ');
    const costly = await h.graphql(`query { ${aliases} }`);
    assert.match(costly.errors![0].message, /query cost \d+ exceeds the limit/);
  });

  it('GraphiQL answers a browser at /graphql', async () => {
    const response = await fetch(`${h.url}/graphql`, { headers: { accept: 'text/html' }, redirect: 'manual' });
    assert.equal(response.status, 302);
    assert.equal(response.headers.get('location'), '/graphiql');
    const page = await fetch(`${h.url}/graphiql`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /graphiql/i);
    // Served from our node_modules, so it works without internet access.
    for (const asset of ['react.js', 'react-dom.js', 'graphiql.js', 'graphiql.css', 'start.js']) {
      const response = await fetch(`${h.url}/graphiql/assets/${asset}`);
      assert.equal(response.status, 200, asset);
      assert.ok((await response.arrayBuffer()).byteLength > 100, asset);
    }
  });
});

describe('API: a library that changes (deletes, files dropped in later)', () => {
  let h: ApiHarness;

  // Its own API and media folder: what these tests delete and add would change what the contract suite counts.
  before(async () => {
    h = await startApi();
    await makeVideo(join(h.mediaIn, 'video', 'clip.mp4'));
    await makeAudio(join(h.mediaIn, 'audio', 'tone.wav'));
    await makeAudio(join(h.mediaIn, 'audio', 'tone.mp3'));
  });
  after(() => h.stop());

  it('updateAsset and deleteAsset; an asset in use by a pending job is not deleted', async () => {
    const { assetId } = await scanAndList(h);
    const clip = assetId('video/clip.mp4');
    const created = await h.graphql(`mutation { createJob(input: { sourceAssetId: "${clip}", presetId: "${H264_720P}" }) { status } }`);
    assert.deepEqual(created.data!.createJob, { status: 'pending' }, JSON.stringify(created.errors));

    const updated = await h.graphql(`mutation { updateAsset(id: "${clip}", input: { comments: "keep" }) { id comments } }`);
    assert.deepEqual(updated.data!.updateAsset, { id: clip, comments: 'keep' });

    const inUse = await h.graphql(`mutation { deleteAsset(id: "${clip}") { ok } }`);
    assert.equal(inUse.errors![0].extensions!.code, 'ILLEGAL_TRANSITION');
    assert.match(inUse.errors![0].message, /used by pending or processing job/);

    const wav = assetId('audio/tone.wav');
    const deleted = await h.graphql(`mutation { deleteAsset(id: "${wav}") { ok } }`);
    assert.deepEqual(deleted.data!.deleteAsset, { ok: true });
    const gone = await h.graphql(`query { asset(id: "${wav}") { id } }`);
    assert.equal(gone.errors![0].extensions!.code, 'NOT_FOUND');
  });

  it('a file dropped in later shows up on the next scan', async () => {
    // Everything already there is registered first, and one asset deleted: its file stays, so the next scan registers it again.
    const { assetId } = await scanAndList(h);
    const deleted = await h.graphql(`mutation { deleteAsset(id: "${assetId('audio/tone.mp3')}") { ok } }`);
    assert.deepEqual(deleted.data!.deleteAsset, { ok: true });
    await mkdir(join(h.mediaIn, 'later'), { recursive: true });
    await makeVideo(join(h.mediaIn, 'later', 'new.webm'), { width: 320, height: 180 });
    const { data } = await h.graphql('mutation { scanMediaFolder { registered } }');
    // The new file, and tone.mp3: its asset was deleted but the file is still there.
    assert.equal(data!.scanMediaFolder.registered, 2);
    const assets = await h.graphql('query { assets { filePath videoCodec width height duration } }');
    const added = assets.data!.assets.find((a: { filePath: string }) => a.filePath === 'later/new.webm');
    assert.deepEqual(
      { ...added, duration: Math.round(added.duration) },
      { filePath: 'later/new.webm', videoCodec: 'vp8', width: 320, height: 180, duration: 1 },
    );
  });
});
