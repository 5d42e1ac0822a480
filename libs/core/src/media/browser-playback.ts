/**
 * Whether a browser's `<video>`/`<audio>` plays a file as it is, decided from
 * its probe; otherwise the API makes a small H.264/AAC preview of it
 * (buildPreviewCommand). The tables are what Chromium and Firefox both
 * decode in software on every platform (no HEVC, no MPEG-4 Part 2, no AC-3),
 * so a file passed as playable plays without hardware help.
 */

/** The probe's facts this decision reads: ffprobe's `format_name` and the streams' `codec_name` ('' for none). */
export interface PlaybackFacts {
  readonly container: string;
  readonly videoCodec: string;
  readonly audioCodec: string;
}

export type PlaybackDecision = { readonly playable: true } | { readonly playable: false; readonly reason: string };

/** Containers a browser demuxes, by a name in ffprobe's `format_name` list. */
const BROWSER_CONTAINERS: Readonly<Record<string, { video: readonly string[]; audio: readonly string[] }>> = {
  // MP4, MOV, M4V, M4A: ffprobe names them all "mov,mp4,m4a,3gp,3g2,mj2".
  mp4: { video: ['h264', 'vp9', 'av1'], audio: ['aac', 'mp3', 'opus', 'flac'] },
  // WebM and Matroska share a demuxer ("matroska,webm"): with WebM's codecs it plays as WebM. H.264 or AAC in
  // Matroska plays in Chromium but not in every Firefox, so it gets a preview.
  matroska: { video: ['vp8', 'vp9', 'av1'], audio: ['opus', 'vorbis'] },
  ogg: { video: [], audio: ['vorbis', 'opus', 'flac'] },
  mp3: { video: [], audio: ['mp3'] },
  wav: { video: [], audio: ['pcm_u8', 'pcm_s16le', 'pcm_s24le', 'pcm_f32le'] },
  flac: { video: [], audio: ['flac'] },
  aac: { video: [], audio: ['aac'] },
};

/** Containers no browser opens, whatever they hold. */
const FOREIGN_CONTAINERS: Readonly<Record<string, string>> = {
  avi: 'AVI',
  asf: 'WMV/ASF',
  flv: 'FLV',
};

/** Whether `facts` play in a browser as they are; if not, why not (shown to the user beside the preview). */
export function browserPlayback(facts: PlaybackFacts): PlaybackDecision {
  const names = facts.container.split(',');
  const foreign = names.find((name) => name in FOREIGN_CONTAINERS);
  if (foreign) return { playable: false, reason: `browsers do not play ${FOREIGN_CONTAINERS[foreign]} files` };
  const known = names.find((name) => name in BROWSER_CONTAINERS);
  if (!known) return { playable: false, reason: `browsers do not play the container ${JSON.stringify(facts.container)}` };
  const supported = BROWSER_CONTAINERS[known];
  if (facts.videoCodec && !supported.video.includes(facts.videoCodec)) {
    return { playable: false, reason: `browsers do not decode ${facts.videoCodec} video in ${known}` };
  }
  if (facts.audioCodec && !supported.audio.includes(facts.audioCodec)) {
    return { playable: false, reason: `browsers do not decode ${facts.audioCodec} audio in ${known}` };
  }
  return { playable: true };
}
