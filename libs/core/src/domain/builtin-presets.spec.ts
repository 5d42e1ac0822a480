import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BUILTIN_PRESETS } from './builtin-presets';
import { presetDecider, validatePresetSettings } from './preset.decider';

describe('builtin presets', () => {
  it('has the presets MPR promises', () => {
    assert.deepStrictEqual(
      BUILTIN_PRESETS.map((p) => p.presetId),
      [
        'builtin-h264-720p',
        'builtin-h264-1080p',
        'builtin-h265-1080p',
        'builtin-vp9-720p',
        'builtin-av1-720p',
        'builtin-remux',
        'builtin-mp3-192k',
        'builtin-aac-192k',
        'builtin-opus-128k',
        'builtin-flac',
      ],
    );
  });

  it('have distinct names', () => {
    const names = BUILTIN_PRESETS.map((p) => p.settings.name);
    assert.equal(new Set(names).size, names.length);
  });

  for (const { presetId, settings } of BUILTIN_PRESETS) {
    it(`${presetId} passes the preset validation`, () => assert.doesNotThrow(() => validatePresetSettings(settings)));

    it(`${presetId} can be created as a builtin`, () => {
      const events = presetDecider.decide({ type: 'CreatePreset', presetId, settings, builtin: true }, presetDecider.initialState);
      assert.equal(events.length, 1);
      assert.equal(events[0]?.case, 'presetCreated');
    });
  }
});
