import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import {
  AssetDeletedSchema,
  AssetMissingSchema,
  AssetProbedSchema,
  AssetProbeFailedSchema,
  AssetRegisteredSchema,
  AssetReturnedSchema,
  AssetUpdatedSchema,
  MediaProbeSchema,
} from '@mpr/contracts/asset_pb';
import { AssetStatus } from '@mpr/contracts/common_pb';
import { type AssetCommand, assetDecider, type AssetEvent, type AssetStatusName, MAX_COMMENTS_LENGTH } from './asset.decider';
import { fold } from './decider';
import { given, lifecycleSuite, type LifecycleRow } from './decider.testing';
import { IllegalTransition, ValidationError } from '../errors/domain.errors';

const ASSET = 'asset-1';
const MODIFIED = new Date('2026-11-30T10:00:00.123Z');
const LATER = new Date('2026-12-01T08:30:00.456Z');
type ProbeInit = MessageInitShape<typeof MediaProbeSchema>;
type RegisterCommand = Extract<AssetCommand, { type: 'RegisterAsset' }>;

const PROBE: ProbeInit = {
  duration: 12.5,
  container: 'mov,mp4,m4a,3gp,3g2,mj2',
  videoCodec: 'h264',
  audioCodec: 'aac',
  width: 1920,
  height: 1080,
  framerate: 25,
  bitrate: 4_000_000,
  audioChannels: 2,
  audioSampleRate: 48000,
};

// Events.
const registered = ({ fileModifiedAt, ...init }: Partial<Omit<RegisterCommand, 'type'>> = {}): AssetEvent => ({
  case: 'assetRegistered',
  value: create(AssetRegisteredSchema, {
    assetId: ASSET,
    filePath: 'holidays/clip.mov',
    filename: 'clip.mov',
    fileSize: 1234n,
    root: 'in',
    fileModifiedAt: fileModifiedAt ? timestampFromDate(fileModifiedAt) : undefined,
    ...init,
  }),
});
const probed = (probe: ProbeInit = PROBE): AssetEvent => ({
  case: 'assetProbed',
  value: create(AssetProbedSchema, { assetId: ASSET, probe: create(MediaProbeSchema, probe) }),
});
const probeFailed = (errorMessage = 'moov atom not found'): AssetEvent => ({
  case: 'assetProbeFailed',
  value: create(AssetProbeFailedSchema, { assetId: ASSET, errorMessage }),
});
const updated = (comments: string): AssetEvent => ({
  case: 'assetUpdated',
  value: create(AssetUpdatedSchema, { assetId: ASSET, comments }),
});
const deleted = (): AssetEvent => ({ case: 'assetDeleted', value: create(AssetDeletedSchema, { assetId: ASSET }) });
const missing = (): AssetEvent => ({ case: 'assetMissing', value: create(AssetMissingSchema, { assetId: ASSET }) });
const returned = (status: AssetStatus, fileSize = 1234n, fileModifiedAt = MODIFIED): AssetEvent => ({
  case: 'assetReturned',
  value: create(AssetReturnedSchema, { assetId: ASSET, fileSize, fileModifiedAt: timestampFromDate(fileModifiedAt), status }),
});

// Commands.
const register = (init: Partial<Omit<RegisterCommand, 'type'>> = {}): AssetCommand => ({
  type: 'RegisterAsset',
  assetId: ASSET,
  filePath: 'holidays/clip.mov',
  filename: 'clip.mov',
  fileSize: 1234n,
  root: 'in',
  ...init,
});
const recordProbe = (probe: ProbeInit = PROBE): AssetCommand => ({ type: 'RecordProbe', assetId: ASSET, probe });
const recordProbeFailure = (errorMessage = 'moov atom not found'): AssetCommand => ({
  type: 'RecordProbeFailure',
  assetId: ASSET,
  errorMessage,
});
const update = (comments: string): AssetCommand => ({ type: 'UpdateAsset', assetId: ASSET, comments });
const remove = (): AssetCommand => ({ type: 'DeleteAsset', assetId: ASSET });
const markMissing = (): AssetCommand => ({ type: 'MarkAssetMissing', assetId: ASSET });
const recordReturned = (fileSize = 1234n, fileModifiedAt = MODIFIED): AssetCommand => ({
  type: 'RecordAssetReturned',
  assetId: ASSET,
  fileSize,
  fileModifiedAt,
});

const HISTORIES: Record<AssetStatusName, AssetEvent[]> = {
  NONE: [],
  PENDING: [registered()],
  READY: [registered(), probed()],
  ERROR: [registered(), probeFailed('no streams')],
  MISSING: [registered({ fileModifiedAt: MODIFIED }), probed(), missing()],
  DELETED: [registered(), probed(), deleted()],
};

const PRESENT = ['PENDING', 'READY', 'ERROR'] as const;
const REGISTERED = [...PRESENT, 'MISSING'] as const;
const inEach = (states: readonly AssetStatusName[], events: AssetEvent[]) => Object.fromEntries(states.map((s) => [s, events]));
/** Per command, what it appends in the states that allow it ([]: allowed, changes nothing); refused in all others. */
const LIFECYCLE: LifecycleRow<AssetCommand, AssetEvent, AssetStatusName>[] = [
  { command: register(), verb: 'register', legalIn: { NONE: [registered()], DELETED: [registered()] } },
  { command: recordProbe({ ...PROBE, duration: 99 }), verb: 'record a probe of', legalIn: inEach(PRESENT, [probed({ ...PROBE, duration: 99 })]) },
  { command: recordProbeFailure('truncated'), verb: 'record a probe failure of', legalIn: inEach(PRESENT, [probeFailed('truncated')]) },
  { command: update('nice'), verb: 'update', legalIn: inEach(REGISTERED, [updated('nice')]) },
  { command: remove(), verb: 'delete', legalIn: inEach(REGISTERED, [deleted()]) },
  { command: markMissing(), verb: 'mark missing', legalIn: { ...inEach(PRESENT, [missing()]), MISSING: [] } },
  { command: recordReturned(), verb: 'record the return of', legalIn: { ...inEach(PRESENT, []), MISSING: [returned(AssetStatus.READY)] } },
];

describe('asset decider', () => {
  lifecycleSuite(assetDecider, { type: 'asset', id: ASSET }, HISTORIES, LIFECYCLE);

  describe('in state NONE', () => {
    it('registers an output with the job that produced it', () =>
      given(assetDecider)
        .when(register({ root: 'out', filePath: 'clip_h264.mp4', filename: 'clip_h264.mp4', sourceJobId: 'job-1' }))
        .then([registered({ root: 'out', filePath: 'clip_h264.mp4', filename: 'clip_h264.mp4', sourceJobId: 'job-1' })]));

    it('registers a file of more than 4 GiB', () =>
      given(assetDecider)
        .when(register({ fileSize: 2n ** 40n }))
        .then([registered({ fileSize: 2n ** 40n })]));

    it('takes a name with dots that is not a ".." segment', () =>
      given(assetDecider)
        .when(register({ filePath: 'a..b/..clip.mov', filename: '..clip.mov' }))
        .then([registered({ filePath: 'a..b/..clip.mov', filename: '..clip.mov' })]));

    const badPaths: [string, string][] = [
      ['an empty path', ''],
      ['an absolute path', '/etc/passwd'],
      ['a parent segment', 'holidays/../../etc/passwd'],
      ['a leading parent segment', '../clip.mov'],
      ['a bare parent segment', '..'],
      ['a backslash parent segment', 'holidays\\..\\..\\secret'],
      ['a Windows drive', 'C:\\media\\clip.mov'],
      ['a Windows drive with a slash', 'c:/media/clip.mov'],
      ['a UNC path', '\\\\server\\share\\clip.mov'],
      ['a NUL character', 'clip.mov\0.txt'],
    ];
    for (const [what, filePath] of badPaths) {
      it(`refuses ${what}`, () =>
        given(assetDecider)
          .when(register({ filePath }))
          .thenThrows(ValidationError, /^filePath /));
    }

    const invalid: [string, Partial<Omit<RegisterCommand, 'type'>>, string][] = [
      ['an empty asset id', { assetId: '' }, 'assetId'],
      ['an empty filename', { filename: '' }, 'filename'],
      ['a negative size', { fileSize: -1n }, 'fileSize'],
      ['a size past 64 bits', { fileSize: 2n ** 64n }, 'fileSize'],
      ['an unknown root', { root: 'tmp' as 'in' }, 'root'],
    ];
    for (const [what, init, field] of invalid) {
      it(`refuses ${what}`, () => {
        assert.throws(
          () => assetDecider.decide(register(init), assetDecider.initialState),
          (err: unknown) => err instanceof ValidationError && err.field === field,
        );
      });
    }
  });

  describe('in state PENDING', () => {
    it('registering again says why not', () =>
      given(assetDecider, HISTORIES.PENDING)
        .when(register())
        .thenThrows(IllegalTransition, /^cannot register asset asset-1 in state PENDING: it is already registered$/));

    it('records a probe', () => given(assetDecider, HISTORIES.PENDING).when(recordProbe()).then([probed()]));

    it('refuses a probe failure without a message', () =>
      given(assetDecider, HISTORIES.PENDING)
        .when(recordProbeFailure(' '))
        .thenThrows(ValidationError, /errorMessage/));
  });

  describe('in state READY', () => {
    it('a re-probe that finds the same changes nothing', () => given(assetDecider, HISTORIES.READY).when(recordProbe()).then([]));

    it('a failed re-probe turns it to ERROR', () => given(assetDecider, HISTORIES.READY).when(recordProbeFailure()).then([probeFailed()]));

    it('updates comments up to the limit', () =>
      given(assetDecider, HISTORIES.READY)
        .when(update('x'.repeat(MAX_COMMENTS_LENGTH)))
        .then([updated('x'.repeat(MAX_COMMENTS_LENGTH))]));

    it('refuses comments past the limit', () =>
      given(assetDecider, HISTORIES.READY)
        .when(update('x'.repeat(MAX_COMMENTS_LENGTH + 1)))
        .thenThrows(ValidationError, /at most 10000 characters/));

    it('the same comments change nothing', () =>
      given(assetDecider, [...HISTORIES.READY, updated('nice')])
        .when(update('nice'))
        .then([]));

    it('clears comments', () =>
      given(assetDecider, [...HISTORIES.READY, updated('nice')])
        .when(update(''))
        .then([updated('')]));

    it('empty comments on an asset without any change nothing', () => given(assetDecider, HISTORIES.READY).when(update('')).then([]));
  });

  describe('in state ERROR', () => {
    it('a successful re-probe makes it READY', () => given(assetDecider, HISTORIES.ERROR).when(recordProbe()).then([probed()]));

    it('even with the probe it had before the failure', () =>
      given(assetDecider, [registered(), probed(), probeFailed()]).when(recordProbe()).then([probed()]));

    it('the same failure again changes nothing', () => given(assetDecider, HISTORIES.ERROR).when(recordProbeFailure('no streams')).then([]));

    it('another failure is recorded', () =>
      given(assetDecider, HISTORIES.ERROR)
        .when(recordProbeFailure('truncated'))
        .then([probeFailed('truncated')]));
  });

  describe('in state DELETED', () => {
    it('the file added again is registered anew', () =>
      given(assetDecider, HISTORIES.DELETED)
        .when(register({ fileSize: 99n }))
        .then([registered({ fileSize: 99n })]));

    it('cannot be deleted twice', () =>
      given(assetDecider, HISTORIES.DELETED)
        .when(remove())
        .thenThrows(IllegalTransition, /^cannot delete asset asset-1 in state DELETED$/));
  });

  describe('in state MISSING', () => {
    it('a probe says why not', () =>
      given(assetDecider, HISTORIES.MISSING)
        .when(recordProbe())
        .thenThrows(IllegalTransition, /^cannot record a probe of asset asset-1 in state MISSING: its file is missing$/));

    it('the same file back is what it was before: READY', () =>
      given(assetDecider, HISTORIES.MISSING)
        .when(recordReturned())
        .then([returned(AssetStatus.READY)]));

    it('the same file back is what it was before: ERROR, with its reason', () => {
      const history = [registered({ fileModifiedAt: MODIFIED }), probeFailed('no streams'), missing()];
      given(assetDecider, history)
        .when(recordReturned())
        .then([returned(AssetStatus.ERROR)]);
      const state = fold(assetDecider, [...history, returned(AssetStatus.ERROR)]);
      assert.deepEqual([state.status, state.errorMessage], ['ERROR', 'no streams']);
    });

    it('a file of another size back is PENDING: it is probed again', () =>
      given(assetDecider, HISTORIES.MISSING)
        .when(recordReturned(99n))
        .then([returned(AssetStatus.PENDING, 99n)]));

    it('a file modified meanwhile is PENDING', () =>
      given(assetDecider, HISTORIES.MISSING)
        .when(recordReturned(1234n, LATER))
        .then([returned(AssetStatus.PENDING, 1234n, LATER)]));

    it('a file whose modification time was never recorded is PENDING', () =>
      given(assetDecider, [registered(), probed(), missing()])
        .when(recordReturned())
        .then([returned(AssetStatus.PENDING)]));

    it('an asset that was still PENDING comes back PENDING', () =>
      given(assetDecider, [registered({ fileModifiedAt: MODIFIED }), missing()])
        .when(recordReturned())
        .then([returned(AssetStatus.PENDING)]));
  });

  describe('evolve', () => {
    it('folds a probed, commented asset', () => {
      const state = fold(assetDecider, [registered({ sourceJobId: 'job-1', root: 'out' }), probed(), updated('nice')]);
      assert.equal(state.status, 'READY');
      assert.equal(state.assetId, ASSET);
      assert.equal(state.filePath, 'holidays/clip.mov');
      assert.equal(state.filename, 'clip.mov');
      assert.equal(state.fileSize, 1234n);
      assert.equal(state.root, 'out');
      assert.equal(state.sourceJobId, 'job-1');
      assert.deepStrictEqual(state.probe, create(MediaProbeSchema, PROBE));
      assert.equal(state.comments, 'nice');
      assert.equal(state.errorMessage, '');
    });

    it('keeps the last good probe through a failure', () => {
      const state = fold(assetDecider, [registered(), probed(), probeFailed('gone')]);
      assert.equal(state.status, 'ERROR');
      assert.equal(state.errorMessage, 'gone');
      assert.deepStrictEqual(state.probe, create(MediaProbeSchema, PROBE));
    });

    it('missing, then back: the same id, probe and comments; the size and time it came back with', () => {
      const state = fold(assetDecider, [
        registered({ fileModifiedAt: MODIFIED }),
        probed(),
        updated('nice'),
        missing(),
        returned(AssetStatus.PENDING, 99n, LATER),
      ]);
      assert.equal(state.status, 'PENDING');
      assert.equal(state.assetId, ASSET);
      assert.equal(state.fileSize, 99n);
      assert.equal(state.fileModifiedMs, LATER.getTime());
      assert.deepStrictEqual(state.probe, create(MediaProbeSchema, PROBE));
      assert.equal(state.comments, 'nice');
    });

    it('a registration after deletion starts from scratch', () => {
      const state = fold(assetDecider, [registered(), probed(), updated('old'), deleted(), registered({ filename: 'new.mov' })]);
      assert.equal(state.status, 'PENDING');
      assert.equal(state.filename, 'new.mov');
      assert.equal(state.probe, undefined);
      assert.equal(state.comments, '');
    });
  });
});
