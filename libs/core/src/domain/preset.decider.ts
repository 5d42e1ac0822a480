import { create, equals, type MessageInitShape } from '@bufbuild/protobuf';
import { PresetCreatedSchema, PresetDeletedSchema, type PresetSettings, PresetSettingsSchema, PresetUpdatedSchema } from '@mpr/contracts/preset_pb';
import type { AggregateType, DomainEvent } from '../events/event.types';
import { deciderOf, evolverOf } from './decider';
import { IllegalTransition, NotFound, ValidationError } from '../errors/domain.errors';
import {
  AUDIO_CODECS,
  AUDIO_SAMPLE_RATES,
  BITRATE_PATTERN,
  type Container,
  CONTAINER_NAMES,
  CONTAINERS,
  MAX_CRF,
  VIDEO_CODECS,
  type VideoEncoder,
  VIDEO_PRESETS,
} from '../ffmpeg/codec-support.config';

const AGGREGATE: AggregateType = 'preset';

export type PresetSettingsInit = MessageInitShape<typeof PresetSettingsSchema>;

export const MAX_NAME_LENGTH = 100;
export const MAX_DESCRIPTION_LENGTH = 1000;

export type PresetCommand =
  | { type: 'CreatePreset'; presetId: string; settings: PresetSettingsInit; builtin: boolean }
  | { type: 'UpdatePreset'; presetId: string; settings: PresetSettingsInit }
  | { type: 'DeletePreset'; presetId: string };

export type PresetEvent = Extract<DomainEvent, { case: 'presetCreated' | 'presetUpdated' | 'presetDeleted' }>;

export type PresetStatusName = 'NONE' | 'ACTIVE' | 'DELETED';

export interface PresetState {
  readonly status: PresetStatusName;
  readonly presetId: string;
  readonly settings: PresetSettings;
  /** Built-in presets ship with MPR and are read-only. */
  readonly builtin: boolean;
}

export const initialPresetState: PresetState = {
  status: 'NONE',
  presetId: '',
  settings: create(PresetSettingsSchema),
  builtin: false,
};

export const evolvePreset = evolverOf<PresetEvent, PresetState>({
  presetCreated: (_state, value) => ({
    status: 'ACTIVE',
    presetId: value.presetId,
    settings: value.settings ?? create(PresetSettingsSchema),
    builtin: value.builtin,
  }),
  presetUpdated: (state, value) => ({ ...state, settings: value.settings ?? create(PresetSettingsSchema) }),
  presetDeleted: (state) => ({ ...state, status: 'DELETED' }),
});

export const presetDecider = deciderOf<PresetCommand, PresetEvent, PresetState>(initialPresetState, evolvePreset, {
  CreatePreset: createPreset,
  UpdatePreset: updatePreset,
  DeletePreset: deletePreset,
});

/** Throws a ValidationError naming the first bad field; returns the settings as a message. */
export function validatePresetSettings(init: PresetSettingsInit): PresetSettings {
  const s = create(PresetSettingsSchema, init);
  const refuse = (field: string, message: string): never => {
    throw new ValidationError(message, field);
  };
  const oneOf = (field: string, value: string, allowed: readonly string[]) => {
    if (!allowed.includes(value)) {
      refuse(field, `${field} ${JSON.stringify(value)} is not one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`);
    }
  };
  const inRange = (field: string, value: number | undefined, min: number, max: number) => {
    if (value !== undefined && !(value >= min && value <= max)) refuse(field, `${field} must be from ${min} to ${max}`);
  };

  if (s.name.trim() === '') refuse('name', 'name must not be empty');
  if (s.name.length > MAX_NAME_LENGTH) refuse('name', `name must be at most ${MAX_NAME_LENGTH} characters`);
  if (s.description.length > MAX_DESCRIPTION_LENGTH) {
    refuse('description', `description must be at most ${MAX_DESCRIPTION_LENGTH} characters`);
  }
  oneOf('container', s.container, CONTAINER_NAMES);
  oneOf('videoCodec', s.videoCodec, VIDEO_CODECS);
  oneOf('audioCodec', s.audioCodec, AUDIO_CODECS);
  if (s.videoCodec === '' && s.audioCodec === '') refuse('videoCodec', 'a preset needs a video or an audio codec');

  const container = CONTAINERS[s.container as Container];
  if (s.videoCodec !== '' && container.video.length === 0) {
    refuse('videoCodec', `container ${s.container} holds audio only`);
  }
  if (s.videoCodec !== '' && s.videoCodec !== 'copy') oneOf('videoCodec', s.videoCodec, container.video);
  if (s.audioCodec !== '' && s.audioCodec !== 'copy') oneOf('audioCodec', s.audioCodec, container.audio);

  // Stream copy and "no stream" encode nothing: an encoding option there is a mistake ffmpeg would refuse.
  // (The cast is safe: videoCodec was checked against VIDEO_CODECS above.)
  const videoEncoder = s.videoCodec === '' || s.videoCodec === 'copy' ? undefined : (s.videoCodec as VideoEncoder);
  const videoOptionsSet = {
    videoBitrate: s.videoBitrate !== '',
    videoCrf: s.videoCrf !== undefined,
    videoPreset: s.videoPreset !== '',
    width: s.width !== undefined,
    height: s.height !== undefined,
    framerate: s.framerate !== undefined,
  };
  for (const [field, set] of Object.entries(videoOptionsSet)) {
    if (set && !videoEncoder) refuse(field, `${field} needs a video encoder, not ${JSON.stringify(s.videoCodec)}`);
  }
  const encodesAudio = s.audioCodec !== '' && s.audioCodec !== 'copy';
  const audioOptionsSet = {
    audioBitrate: s.audioBitrate !== '',
    audioChannels: s.audioChannels !== undefined,
    audioSampleRate: s.audioSampleRate !== undefined,
  };
  for (const [field, set] of Object.entries(audioOptionsSet)) {
    if (set && !encodesAudio) refuse(field, `${field} needs an audio encoder, not ${JSON.stringify(s.audioCodec)}`);
  }

  if (!BITRATE_PATTERN.test(s.videoBitrate)) refuse('videoBitrate', 'videoBitrate must look like "2500k", "5M" or "0"');
  if (!BITRATE_PATTERN.test(s.audioBitrate)) refuse('audioBitrate', 'audioBitrate must look like "128k"');
  if (s.audioBitrate === '0') refuse('audioBitrate', 'audioBitrate must not be 0');
  if (videoEncoder) {
    inRange('videoCrf', s.videoCrf, 0, MAX_CRF[videoEncoder]);
    if (s.videoPreset !== '') oneOf('videoPreset', s.videoPreset, VIDEO_PRESETS[videoEncoder]);
  }
  for (const field of ['width', 'height'] as const) {
    const value = s[field];
    inRange(field, value, 16, 7680);
    if (value !== undefined && value % 2 !== 0) refuse(field, `${field} must be even`);
  }
  inRange('framerate', s.framerate, 1, 240);
  inRange('audioChannels', s.audioChannels, 1, 8);
  if (s.audioSampleRate !== undefined && !(AUDIO_SAMPLE_RATES as readonly number[]).includes(s.audioSampleRate)) {
    refuse('audioSampleRate', `audioSampleRate must be one of ${AUDIO_SAMPLE_RATES.join(', ')}`);
  }
  return s;
}

type CommandOf<T extends PresetCommand['type']> = Extract<PresetCommand, { type: T }>;

/** Creating a preset again with the very same settings changes nothing: seeding built-ins at every boot is harmless. */
function createPreset(command: CommandOf<'CreatePreset'>, state: PresetState): PresetEvent[] {
  if (command.presetId.trim() === '') throw new ValidationError('presetId must not be empty', 'presetId');
  const settings = validatePresetSettings(command.settings);
  if (state.status === 'ACTIVE' && state.builtin === command.builtin && equals(PresetSettingsSchema, state.settings, settings)) {
    return [];
  }
  if (state.status !== 'NONE') throw illegal(command, state, 'create', 'it already exists');
  return [
    {
      case: 'presetCreated',
      value: create(PresetCreatedSchema, { presetId: command.presetId, settings, builtin: command.builtin }),
    },
  ];
}

function updatePreset(command: CommandOf<'UpdatePreset'>, state: PresetState): PresetEvent[] {
  requireEditable(command, state, 'update');
  const settings = validatePresetSettings(command.settings);
  if (equals(PresetSettingsSchema, state.settings, settings)) return [];
  return [{ case: 'presetUpdated', value: create(PresetUpdatedSchema, { presetId: state.presetId, settings }) }];
}

function deletePreset(command: CommandOf<'DeletePreset'>, state: PresetState): PresetEvent[] {
  requireEditable(command, state, 'delete');
  return [{ case: 'presetDeleted', value: create(PresetDeletedSchema, { presetId: state.presetId }) }];
}

function requireEditable(command: PresetCommand, state: PresetState, verb: string): void {
  if (state.status !== 'ACTIVE') throw illegal(command, state, verb);
  if (state.builtin) throw illegal(command, state, verb, 'built-in presets are read-only');
}

/** A command for a preset that was never created is NotFound; for one in the wrong state, IllegalTransition. */
function illegal(command: PresetCommand, state: PresetState, verb: string, reason?: string): Error {
  if (state.status === 'NONE' && command.type !== 'CreatePreset') return new NotFound(AGGREGATE, command.presetId);
  return new IllegalTransition(AGGREGATE, command.presetId, state.status, verb, reason);
}
