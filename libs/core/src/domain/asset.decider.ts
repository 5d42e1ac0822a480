import { create, equals, type MessageInitShape } from '@bufbuild/protobuf';
import { timestampDate, timestampFromDate } from '@bufbuild/protobuf/wkt';
import {
  AssetDeletedSchema,
  AssetMissingSchema,
  AssetProbedSchema,
  AssetProbeFailedSchema,
  AssetRegisteredSchema,
  AssetReturnedSchema,
  AssetUpdatedSchema,
  type MediaProbe,
  MediaProbeSchema,
} from '@mpr/contracts/asset_pb';
import { AssetStatus } from '@mpr/contracts/common_pb';
import type { AggregateType, DomainEvent } from '../events/event.types';
import { deciderOf, evolverOf } from './decider';
import { IllegalTransition, NotFound, ValidationError } from '../errors/domain.errors';

const AGGREGATE: AggregateType = 'asset';

export const MAX_COMMENTS_LENGTH = 10_000;
const MAX_UINT64 = 2n ** 64n - 1n;

/** "in": MEDIA_IN, sources. "out": MEDIA_OUT, jobs' outputs. */
export type AssetRoot = 'in' | 'out';
const ROOTS: readonly string[] = ['in', 'out'] satisfies AssetRoot[];

export type AssetCommand =
  | {
      type: 'RegisterAsset';
      assetId: string;
      /** Relative to its root. */
      filePath: string;
      filename: string;
      fileSize: bigint;
      root: AssetRoot;
      /** The job that produced it, for outputs. */
      sourceJobId?: string;
      /** Unknown for outputs. */
      fileModifiedAt?: Date;
    }
  | { type: 'RecordProbe'; assetId: string; probe: MessageInitShape<typeof MediaProbeSchema> }
  | { type: 'RecordProbeFailure'; assetId: string; errorMessage: string }
  | { type: 'UpdateAsset'; assetId: string; comments: string }
  | { type: 'DeleteAsset'; assetId: string }
  /** A scan did not find the file. */
  | { type: 'MarkAssetMissing'; assetId: string }
  /** A scan found the file again, with this size and modification time. */
  | { type: 'RecordAssetReturned'; assetId: string; fileSize: bigint; fileModifiedAt: Date };

export type AssetEvent = Extract<
  DomainEvent,
  { case: 'assetRegistered' | 'assetProbed' | 'assetProbeFailed' | 'assetUpdated' | 'assetDeleted' | 'assetMissing' | 'assetReturned' }
>;

/**
 * NONE: never registered. PENDING: registered, not probed yet. READY / ERROR:
 * the last probe succeeded / failed. MISSING: the file was gone at the last
 * scan. DELETED: may be registered again.
 */
export type AssetStatusName = 'NONE' | 'PENDING' | 'READY' | 'ERROR' | 'MISSING' | 'DELETED';

/** What a file that comes back can be again. */
type PresentStatusName = 'PENDING' | 'READY' | 'ERROR';
const PRESENT_STATUSES: Record<PresentStatusName, AssetStatus> = {
  PENDING: AssetStatus.PENDING,
  READY: AssetStatus.READY,
  ERROR: AssetStatus.ERROR,
};

export interface AssetState {
  readonly status: AssetStatusName;
  readonly assetId: string;
  readonly filePath: string;
  readonly filename: string;
  readonly fileSize: bigint;
  /** Milliseconds since the epoch; undefined when not known. */
  readonly fileModifiedMs: number | undefined;
  readonly root: AssetRoot;
  readonly sourceJobId: string;
  /** The last successful probe; undefined before the first one. */
  readonly probe: MediaProbe | undefined;
  /** Why the last probe failed; '' unless ERROR. */
  readonly errorMessage: string;
  readonly comments: string;
  /** While MISSING: the status the asset had before, which an unchanged file gets back. */
  readonly statusBeforeMissing: PresentStatusName;
}

export const initialAssetState: AssetState = {
  status: 'NONE',
  assetId: '',
  filePath: '',
  filename: '',
  fileSize: 0n,
  fileModifiedMs: undefined,
  root: 'in',
  sourceJobId: '',
  probe: undefined,
  errorMessage: '',
  comments: '',
  statusBeforeMissing: 'PENDING',
};

export const evolveAsset = evolverOf<AssetEvent, AssetState>({
  assetRegistered: (_state, e) => ({
    ...initialAssetState,
    status: 'PENDING',
    assetId: e.assetId,
    filePath: e.filePath,
    filename: e.filename,
    fileSize: e.fileSize,
    fileModifiedMs: e.fileModifiedAt ? timestampDate(e.fileModifiedAt).getTime() : undefined,
    root: e.root === 'out' ? 'out' : 'in',
    sourceJobId: e.sourceJobId,
  }),
  assetProbed: (state, value) => ({ ...state, status: 'READY', probe: value.probe, errorMessage: '' }),
  assetProbeFailed: (state, value) => ({ ...state, status: 'ERROR', errorMessage: value.errorMessage }),
  assetUpdated: (state, value) => ({ ...state, comments: value.comments }),
  assetDeleted: (state) => ({ ...state, status: 'DELETED' }),
  assetMissing: (state) => ({ ...state, status: 'MISSING', statusBeforeMissing: presentStatus(state.status) }),
  assetReturned: (state, e) => ({
    ...state,
    status: presentStatusOf(e.status),
    fileSize: e.fileSize,
    fileModifiedMs: e.fileModifiedAt ? timestampDate(e.fileModifiedAt).getTime() : undefined,
  }),
});

export const assetDecider = deciderOf<AssetCommand, AssetEvent, AssetState>(initialAssetState, evolveAsset, {
  RegisterAsset: registerAsset,
  RecordProbe: recordProbe,
  RecordProbeFailure: recordProbeFailure,
  UpdateAsset: updateAsset,
  DeleteAsset: deleteAsset,
  MarkAssetMissing: markMissing,
  RecordAssetReturned: recordReturned,
});

/**
 * A path stored relative to a storage root must stay inside it: not empty,
 * not absolute (POSIX, Windows drive or UNC), no ".." segment, no NUL.
 */
export function validateRelativePath(path: string, field: string): void {
  const refuse = (why: string) => {
    throw new ValidationError(`${field} ${JSON.stringify(path)} ${why}`, field);
  };
  if (path === '') refuse('must not be empty');
  if (path.includes('\0')) refuse('must not contain a NUL character');
  if (path.startsWith('/') || path.startsWith('\\')) refuse('must be relative to its root');
  if (/^[A-Za-z]:/.test(path)) refuse('must not name a drive');
  if (path.split(/[/\\]/).includes('..')) refuse('must not contain a ".." segment');
}

type CommandOf<T extends AssetCommand['type']> = Extract<AssetCommand, { type: T }>;

/** From NONE, or from DELETED: a file added again after its asset was deleted. */
function registerAsset(command: CommandOf<'RegisterAsset'>, state: AssetState): AssetEvent[] {
  if (state.status !== 'NONE' && state.status !== 'DELETED') {
    throw illegal(command, state, 'register', 'it is already registered');
  }
  if (command.assetId.trim() === '') throw new ValidationError('assetId must not be empty', 'assetId');
  validateRelativePath(command.filePath, 'filePath');
  if (command.filename.trim() === '') throw new ValidationError('filename must not be empty', 'filename');
  if (command.fileSize < 0n || command.fileSize > MAX_UINT64) {
    throw new ValidationError('fileSize must fit an unsigned 64-bit integer', 'fileSize');
  }
  if (!ROOTS.includes(command.root)) throw new ValidationError(`root must be one of ${ROOTS.join(', ')}`, 'root');
  return [
    {
      case: 'assetRegistered',
      value: create(AssetRegisteredSchema, {
        assetId: command.assetId,
        filePath: command.filePath,
        filename: command.filename,
        fileSize: command.fileSize,
        root: command.root,
        sourceJobId: command.sourceJobId ?? '',
        fileModifiedAt: command.fileModifiedAt ? timestampFromDate(command.fileModifiedAt) : undefined,
      }),
    },
  ];
}

/** A re-probe is allowed (READY, ERROR); one that finds nothing new changes nothing. */
function recordProbe(command: CommandOf<'RecordProbe'>, state: AssetState): AssetEvent[] {
  requirePresent(command, state, 'record a probe of');
  const probe = create(MediaProbeSchema, command.probe);
  if (state.status === 'READY' && state.probe && equals(MediaProbeSchema, state.probe, probe)) return [];
  return [{ case: 'assetProbed', value: create(AssetProbedSchema, { assetId: state.assetId, probe }) }];
}

function recordProbeFailure(command: CommandOf<'RecordProbeFailure'>, state: AssetState): AssetEvent[] {
  requirePresent(command, state, 'record a probe failure of');
  if (command.errorMessage.trim() === '') {
    throw new ValidationError('errorMessage must not be empty', 'errorMessage');
  }
  if (state.status === 'ERROR' && state.errorMessage === command.errorMessage) return [];
  return [
    {
      case: 'assetProbeFailed',
      value: create(AssetProbeFailedSchema, { assetId: state.assetId, errorMessage: command.errorMessage }),
    },
  ];
}

function updateAsset(command: CommandOf<'UpdateAsset'>, state: AssetState): AssetEvent[] {
  requireRegistered(command, state, 'update');
  if (command.comments.length > MAX_COMMENTS_LENGTH) {
    throw new ValidationError(`comments must be at most ${MAX_COMMENTS_LENGTH} characters`, 'comments');
  }
  if (command.comments === state.comments) return [];
  return [{ case: 'assetUpdated', value: create(AssetUpdatedSchema, { assetId: state.assetId, comments: command.comments }) }];
}

function deleteAsset(command: CommandOf<'DeleteAsset'>, state: AssetState): AssetEvent[] {
  requireRegistered(command, state, 'delete');
  return [{ case: 'assetDeleted', value: create(AssetDeletedSchema, { assetId: state.assetId }) }];
}

/** A scan that finds the file gone again changes nothing. */
function markMissing(command: CommandOf<'MarkAssetMissing'>, state: AssetState): AssetEvent[] {
  requireRegistered(command, state, 'mark missing');
  if (state.status === 'MISSING') return [];
  return [{ case: 'assetMissing', value: create(AssetMissingSchema, { assetId: state.assetId }) }];
}

/**
 * The same id again; the status it had before when the file is the one
 * recorded, PENDING (to be probed again) when its size or modification time
 * differs or was never recorded. A file that never went away changes nothing.
 */
function recordReturned(command: CommandOf<'RecordAssetReturned'>, state: AssetState): AssetEvent[] {
  requireRegistered(command, state, 'record the return of');
  if (state.status !== 'MISSING') return [];
  const unchanged = command.fileSize === state.fileSize && command.fileModifiedAt.getTime() === state.fileModifiedMs;
  const status = unchanged ? state.statusBeforeMissing : 'PENDING';
  return [
    {
      case: 'assetReturned',
      value: create(AssetReturnedSchema, {
        assetId: state.assetId,
        fileSize: command.fileSize,
        fileModifiedAt: timestampFromDate(command.fileModifiedAt),
        status: PRESENT_STATUSES[status],
      }),
    },
  ];
}

/** Every command but RegisterAsset needs a registered, not deleted asset. */
function requireRegistered(command: AssetCommand, state: AssetState, verb: string): void {
  if (state.status === 'NONE' || state.status === 'DELETED') throw illegal(command, state, verb);
}

/** A probe reads the file: it must be there. */
function requirePresent(command: AssetCommand, state: AssetState, verb: string): void {
  requireRegistered(command, state, verb);
  if (state.status === 'MISSING') throw illegal(command, state, verb, 'its file is missing');
}

function presentStatus(status: AssetStatusName): PresentStatusName {
  return status === 'READY' || status === 'ERROR' ? status : 'PENDING';
}

function presentStatusOf(status: AssetStatus): PresentStatusName {
  const found = (Object.keys(PRESENT_STATUSES) as PresentStatusName[]).find((name) => PRESENT_STATUSES[name] === status);
  return found ?? 'PENDING';
}

/** A command for an asset that was never registered is NotFound; for one in the wrong state, IllegalTransition. */
function illegal(command: AssetCommand, state: AssetState, verb: string, reason?: string): Error {
  if (state.status === 'NONE' && command.type !== 'RegisterAsset') return new NotFound(AGGREGATE, command.assetId);
  return new IllegalTransition(AGGREGATE, command.assetId, state.status, verb, reason);
}
