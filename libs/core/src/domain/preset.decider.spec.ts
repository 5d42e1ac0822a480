import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { create } from '@bufbuild/protobuf';
import { PresetCreatedSchema, PresetDeletedSchema, PresetSettingsSchema, PresetUpdatedSchema } from '@mpr/contracts/preset_pb';
import { BUILTIN_PRESETS } from './builtin-presets';
import { fold } from './decider';
import { given, lifecycleSuite, type LifecycleRow } from './decider.testing';
import { IllegalTransition, ValidationError } from '../errors/domain.errors';
import { type PresetCommand, presetDecider, type PresetEvent, type PresetSettingsInit, type PresetStatusName, validatePresetSettings } from './preset.decider';

const PRESET = 'preset-1';

/** The shipped H.264 720p settings (mp4, libx264 CRF 23 veryfast, 720 lines, AAC 128k) under a name of the test's. */
const SETTINGS: PresetSettingsInit = { ...BUILTIN_PRESETS.find((p) => p.presetId === 'builtin-h264-720p')!.settings, name: 'Web 720p', description: 'small' };
const OTHER_SETTINGS: PresetSettingsInit = { ...SETTINGS, name: 'Web 720p, better', videoCrf: 20 };

// Events.
const presetCreated = (settings = SETTINGS, builtin = false): PresetEvent => ({
  case: 'presetCreated',
  value: create(PresetCreatedSchema, { presetId: PRESET, settings: create(PresetSettingsSchema, settings), builtin }),
});
const presetUpdated = (settings = OTHER_SETTINGS): PresetEvent => ({
  case: 'presetUpdated',
  value: create(PresetUpdatedSchema, { presetId: PRESET, settings: create(PresetSettingsSchema, settings) }),
});
const presetDeleted = (): PresetEvent => ({ case: 'presetDeleted', value: create(PresetDeletedSchema, { presetId: PRESET }) });

// Commands.
const createPreset = (settings = SETTINGS, builtin = false): PresetCommand => ({
  type: 'CreatePreset',
  presetId: PRESET,
  settings,
  builtin,
});
const updatePreset = (settings = OTHER_SETTINGS): PresetCommand => ({ type: 'UpdatePreset', presetId: PRESET, settings });
const deletePreset = (): PresetCommand => ({ type: 'DeletePreset', presetId: PRESET });

type StateName = PresetStatusName | 'ACTIVE (builtin)';
const HISTORIES: Record<StateName, PresetEvent[]> = {
  NONE: [],
  ACTIVE: [presetCreated()],
  'ACTIVE (builtin)': [presetCreated(SETTINGS, true)],
  DELETED: [presetCreated(), presetDeleted()],
};

const LIFECYCLE: LifecycleRow<PresetCommand, PresetEvent, StateName>[] = [
  // Different settings: the same ones again would be a no-op (tested below).
  { command: createPreset(OTHER_SETTINGS), verb: 'create', legalIn: { NONE: [presetCreated(OTHER_SETTINGS)] } },
  { command: updatePreset(), verb: 'update', legalIn: { ACTIVE: [presetUpdated()] } },
  { command: deletePreset(), verb: 'delete', legalIn: { ACTIVE: [presetDeleted()] } },
];

describe('preset decider', () => {
  lifecycleSuite(presetDecider, { type: 'preset', id: PRESET }, HISTORIES, LIFECYCLE);

  describe('in state NONE', () => {
    it('creates a builtin preset', () =>
      given(presetDecider)
        .when(createPreset(SETTINGS, true))
        .then([presetCreated(SETTINGS, true)]));

    it('refuses an empty id', () =>
      given(presetDecider)
        .when({ ...createPreset(), presetId: '' } as PresetCommand)
        .thenThrows(ValidationError, /presetId/));

    it('refuses invalid settings', () =>
      given(presetDecider)
        .when(createPreset({ ...SETTINGS, container: 'exe' }))
        .thenThrows(ValidationError, /container/));
  });

  describe('in state ACTIVE', () => {
    it('creating it again with the same settings changes nothing', () => given(presetDecider, HISTORIES.ACTIVE).when(createPreset()).then([]));

    it('creating it again as builtin says why not', () =>
      given(presetDecider, HISTORIES.ACTIVE)
        .when(createPreset(SETTINGS, true))
        .thenThrows(IllegalTransition, /^cannot create preset preset-1 in state ACTIVE: it already exists$/));

    it('an update to the same settings changes nothing', () => given(presetDecider, HISTORIES.ACTIVE).when(updatePreset(SETTINGS)).then([]));

    it('an update is the new baseline', () => given(presetDecider, [presetCreated(), presetUpdated()]).when(updatePreset(OTHER_SETTINGS)).then([]));

    it('refuses an update with invalid settings', () =>
      given(presetDecider, HISTORIES.ACTIVE)
        .when(updatePreset({ ...SETTINGS, videoCrf: 70 }))
        .thenThrows(ValidationError, /videoCrf/));
  });

  describe('in state ACTIVE (builtin)', () => {
    it('seeding it again with the same settings changes nothing', () =>
      given(presetDecider, HISTORIES['ACTIVE (builtin)']).when(createPreset(SETTINGS, true)).then([]));

    it('is read-only', () =>
      given(presetDecider, HISTORIES['ACTIVE (builtin)'])
        .when(updatePreset())
        .thenThrows(IllegalTransition, /^cannot update preset preset-1 in state ACTIVE: built-in presets are read-only$/));

    it('cannot be deleted', () =>
      given(presetDecider, HISTORIES['ACTIVE (builtin)'])
        .when(deletePreset())
        .thenThrows(IllegalTransition, /^cannot delete preset preset-1 in state ACTIVE: built-in presets are read-only$/));
  });

  describe('in state DELETED', () => {
    it('cannot be created again, not even with the same settings', () =>
      given(presetDecider, HISTORIES.DELETED)
        .when(createPreset())
        .thenThrows(IllegalTransition, /in state DELETED: it already exists/));
  });

  describe('evolve', () => {
    it('folds settings and the builtin flag', () => {
      const state = fold(presetDecider, [presetCreated(SETTINGS, true)]);
      assert.equal(state.status, 'ACTIVE');
      assert.equal(state.presetId, PRESET);
      assert.equal(state.builtin, true);
      assert.deepStrictEqual(state.settings, create(PresetSettingsSchema, SETTINGS));
    });

    it('an update replaces the settings', () => {
      const state = fold(presetDecider, [presetCreated(), presetUpdated()]);
      assert.deepStrictEqual(state.settings, create(PresetSettingsSchema, OTHER_SETTINGS));
    });

    it('a deletion keeps the last settings', () => {
      const state = fold(presetDecider, [presetCreated(), presetDeleted()]);
      assert.equal(state.status, 'DELETED');
      assert.equal(state.settings.name, 'Web 720p');
    });
  });

  describe('settings validation', () => {
    const valid: [string, PresetSettingsInit][] = [
      ['H.264 in MP4', SETTINGS],
      ['audio only', { name: 'a', container: 'mp3', audioCodec: 'libmp3lame', audioBitrate: '320k' }],
      ['video only', { name: 'v', container: 'mkv', videoCodec: 'libx265', videoCrf: 51 }],
      ['stream copy', { name: 'c', container: 'mkv', videoCodec: 'copy', audioCodec: 'copy' }],
      ['copied video, encoded audio', { name: 'c', container: 'mp4', videoCodec: 'copy', audioCodec: 'aac', audioBitrate: '96k' }],
      ['VP9 constant quality', { name: 'w', container: 'webm', videoCodec: 'libvpx-vp9', videoCrf: 63, videoBitrate: '0', audioCodec: 'libopus' }],
      ['SVT-AV1 with a numeric preset', { name: 'a', container: 'mp4', videoCodec: 'libsvtav1', videoPreset: '13' }],
      ['a bitrate in megabits', { name: 'b', container: 'mp4', videoCodec: 'libx264', videoBitrate: '5M' }],
      ['a fractional bitrate', { name: 'b', container: 'mp4', videoCodec: 'libx264', videoBitrate: '2.5M' }],
      ['a bitrate in bits', { name: 'b', container: 'mp4', videoCodec: 'libx264', videoBitrate: '2500000' }],
      ['the smallest and largest sizes', { name: 's', container: 'mp4', videoCodec: 'libx264', width: 16, height: 7680 }],
      ['an NTSC frame rate', { name: 'f', container: 'mp4', videoCodec: 'libx264', framerate: 29.97 }],
      ['8 channels at 96 kHz', { name: 'p', container: 'wav', audioCodec: 'pcm_s16le', audioChannels: 8, audioSampleRate: 96000 }],
      ['a name of 100 characters', { name: 'n'.repeat(100), container: 'flac', audioCodec: 'flac' }],
    ];
    for (const [what, settings] of valid) {
      it(`takes ${what}`, () => assert.doesNotThrow(() => validatePresetSettings(settings)));
    }

    const video = { name: 'v', container: 'mp4', videoCodec: 'libx264' } satisfies PresetSettingsInit;
    const audio = { name: 'a', container: 'mkv', audioCodec: 'aac' } satisfies PresetSettingsInit;
    const invalid: [string, PresetSettingsInit, string][] = [
      ['an empty name', { ...video, name: ' ' }, 'name'],
      ['a name of 101 characters', { ...video, name: 'n'.repeat(101) }, 'name'],
      ['a description of 1001 characters', { ...video, description: 'd'.repeat(1001) }, 'description'],
      ['an unknown container', { ...video, container: 'avi' }, 'container'],
      ['a container with an option in it', { ...video, container: 'mp4 -f null' }, 'container'],
      ['an unknown video codec', { ...video, videoCodec: 'h264_nvenc' }, 'videoCodec'],
      ['a video codec smuggling an argument', { ...video, videoCodec: 'libx264 -vf drawtext' }, 'videoCodec'],
      ['an unknown audio codec', { ...audio, audioCodec: 'libfdk_aac' }, 'audioCodec'],
      ['no codec at all', { name: 'x', container: 'mkv' }, 'videoCodec'],
      ['video in an audio container', { ...video, container: 'mp3', audioCodec: 'libmp3lame' }, 'videoCodec'],
      ['copied video in an audio container', { name: 'x', container: 'm4a', videoCodec: 'copy', audioCodec: 'aac' }, 'videoCodec'],
      ['H.264 in WebM', { ...video, container: 'webm' }, 'videoCodec'],
      ['VP9 in MOV', { ...video, container: 'mov', videoCodec: 'libvpx-vp9' }, 'videoCodec'],
      ['AAC in WebM', { name: 'x', container: 'webm', audioCodec: 'aac' }, 'audioCodec'],
      ['FLAC in MP4', { name: 'x', container: 'mp4', audioCodec: 'flac' }, 'audioCodec'],
      ['Opus in an MP3 file', { name: 'x', container: 'mp3', audioCodec: 'libopus' }, 'audioCodec'],
      ['a CRF above 51 for x264', { ...video, videoCrf: 52 }, 'videoCrf'],
      ['a CRF above 63 for VP9', { name: 'x', container: 'webm', videoCodec: 'libvpx-vp9', videoCrf: 64 }, 'videoCrf'],
      ['a CRF with stream copy', { name: 'x', container: 'mkv', videoCodec: 'copy', videoCrf: 20 }, 'videoCrf'],
      ['a size with stream copy', { name: 'x', container: 'mkv', videoCodec: 'copy', height: 720 }, 'height'],
      ['a video bitrate on audio only', { ...audio, videoBitrate: '1M' }, 'videoBitrate'],
      ['a frame rate on audio only', { ...audio, framerate: 25 }, 'framerate'],
      ['an audio bitrate with audio copy', { ...video, audioCodec: 'copy', audioBitrate: '128k' }, 'audioBitrate'],
      ['audio channels without audio', { ...video, audioChannels: 2 }, 'audioChannels'],
      ['a sample rate without audio', { ...video, audioSampleRate: 48000 }, 'audioSampleRate'],
      ['a bitrate with an option in it', { ...video, videoBitrate: '1M -i /etc/passwd' }, 'videoBitrate'],
      ['a negative bitrate', { ...video, videoBitrate: '-1' }, 'videoBitrate'],
      ['a bitrate with a leading zero', { ...video, videoBitrate: '0800k' }, 'videoBitrate'],
      ['a bitrate in gigabits', { ...video, videoBitrate: '1G' }, 'videoBitrate'],
      ['an audio bitrate of 0', { ...audio, audioBitrate: '0' }, 'audioBitrate'],
      ['an unknown x264 preset', { ...video, videoPreset: 'insane' }, 'videoPreset'],
      ['a numeric preset for x264', { ...video, videoPreset: '5' }, 'videoPreset'],
      ['an SVT-AV1 preset above 13', { name: 'x', container: 'mp4', videoCodec: 'libsvtav1', videoPreset: '14' }, 'videoPreset'],
      ['a named preset for SVT-AV1', { name: 'x', container: 'mp4', videoCodec: 'libsvtav1', videoPreset: 'fast' }, 'videoPreset'],
      ['an odd width', { ...video, width: 1279 }, 'width'],
      ['a height below 16', { ...video, height: 8 }, 'height'],
      ['a width above 7680', { ...video, width: 7682 }, 'width'],
      ['a frame rate of 0', { ...video, framerate: 0 }, 'framerate'],
      ['a frame rate above 240', { ...video, framerate: 241 }, 'framerate'],
      ['a NaN frame rate', { ...video, framerate: Number.NaN }, 'framerate'],
      ['0 audio channels', { ...audio, audioChannels: 0 }, 'audioChannels'],
      ['9 audio channels', { ...audio, audioChannels: 9 }, 'audioChannels'],
      ['an unusual sample rate', { ...audio, audioSampleRate: 44000 }, 'audioSampleRate'],
    ];
    for (const [what, settings, field] of invalid) {
      it(`refuses ${what}`, () => {
        assert.throws(
          () => validatePresetSettings(settings),
          (err: unknown) => err instanceof ValidationError && err.field === field,
        );
      });
    }
  });
});
