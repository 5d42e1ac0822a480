import type { PresetSettings } from '@mpr/contracts/preset_pb';
import type { AudioCodec } from './codec-support.config';
import { UnsupportedCombination } from './transcode.errors';

export type AudioEncoder = Exclude<AudioCodec, '' | 'copy'>;

/** What sets one audio encoder apart; everything else is common to all of them. */
interface AudioEncoderConfig {
  /**
   * The only sample rates the encoder takes, preferred first; undefined if it
   * takes every rate a preset may ask for.
   */
  readonly sampleRates?: readonly number[];
  /**
   * The rate the output plays at whatever rate was encoded, if the format
   * fixes one: an Opus stream always decodes at 48 kHz (RFC 7845: the
   * OpusHead's input rate is informational), so ffprobe reads a 16 kHz
   * encode as 48 kHz and counts its samples at 48 kHz.
   */
  readonly playsAt?: number;
}

/** One entry per encoder the preset validation accepts (the Record type makes a missing one a compile error). */
const AUDIO_ENCODER_CONFIGS: Record<AudioEncoder, AudioEncoderConfig> = {
  aac: {},
  libmp3lame: { sampleRates: [48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000] },
  // Opus works at 48 kHz inside; libopus accepts only these rates.
  libopus: { sampleRates: [48000, 24000, 16000, 12000, 8000], playsAt: 48000 },
  libvorbis: {},
  flac: {},
  pcm_s16le: {},
};

export function isAudioEncoder(codec: string): codec is AudioEncoder {
  return Object.hasOwn(AUDIO_ENCODER_CONFIGS, codec);
}

/** `-c:a` and the preset's bitrate, channels and sample rate. */
export function audioEncoderArgs(settings: PresetSettings, encoder: AudioEncoder, sourceSampleRate: number): string[] {
  return [
    '-c:a',
    encoder,
    ...(settings.audioBitrate !== '' ? ['-b:a', settings.audioBitrate] : []),
    ...(settings.audioChannels !== undefined ? ['-ac', String(settings.audioChannels)] : []),
    ...sampleRateArgs(settings.audioSampleRate, encoder, sourceSampleRate),
  ];
}

/**
 * The sample rate the encoder is fed: the preset's, else the source's, or
 * the encoder's preferred rate when it refuses the source's (libopus makes
 * 48 kHz of a 44.1 kHz MP3).
 */
function encodedSampleRate(encoder: string, presetRate: number | undefined, sourceRate: number): number {
  if (presetRate !== undefined) return presetRate;
  const supported = isAudioEncoder(encoder) ? AUDIO_ENCODER_CONFIGS[encoder].sampleRates : undefined;
  return supported && !supported.includes(sourceRate) ? supported[0] : sourceRate;
}

/**
 * The sample rate the output plays at, what its sample count is measured
 * in: the encoded rate, or the one its format fixes (an Opus encode of a
 * 16 kHz source is read as 48 kHz: a 2 s range holds 96000 samples, not
 * the 32000 the source's rate would count — [M5] matrix, 3GP with 16 kHz AAC).
 */
export function outputSampleRate(encoder: string, presetRate: number | undefined, sourceRate: number): number {
  const fixed = isAudioEncoder(encoder) ? AUDIO_ENCODER_CONFIGS[encoder].playsAt : undefined;
  return fixed ?? encodedSampleRate(encoder, presetRate, sourceRate);
}

/**
 * A preset rate the encoder refuses would only fail inside ffmpeg ("Specified
 * sample rate 44100 is not supported"): refuse it here with a clear message.
 * Without a preset rate, a source rate the encoder refuses is resampled to the
 * encoder's preferred rate. ffmpeg 5.1 would negotiate a supported rate by
 * itself, but naming it keeps the output the same across ffmpeg versions.
 */
function sampleRateArgs(presetRate: number | undefined, encoder: AudioEncoder, sourceRate: number): string[] {
  const supported = AUDIO_ENCODER_CONFIGS[encoder].sampleRates;
  if (presetRate !== undefined) {
    if (supported && !supported.includes(presetRate)) {
      throw new UnsupportedCombination(`${encoder} cannot encode at ${presetRate} Hz; it takes ${supported.join(', ')} Hz`);
    }
    return ['-ar', String(presetRate)];
  }
  const encoded = encodedSampleRate(encoder, undefined, sourceRate);
  return encoded !== sourceRate ? ['-ar', String(encoded)] : [];
}
