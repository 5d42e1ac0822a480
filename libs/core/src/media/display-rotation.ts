/**
 * A phone records its picture as the sensor sees it and a display matrix
 * saying how to turn it (90° for a clip shot upright). ffmpeg applies the
 * matrix when it decodes for an encode (autorotate: the output is upright,
 * with no matrix); a stream copy keeps the coded picture, so the output is
 * upright only if its container keeps the matrix too. Pure.
 */

/** A display matrix's rotation as ffprobe reports it (90, -90, -180, …) → 0, 90, 180 or 270; 0 for none. */
export function normalRotation(degrees: number | null | undefined): number {
  if (degrees === undefined || degrees === null || !Number.isFinite(degrees)) return 0;
  const quarter = Math.round(degrees / 90) * 90;
  return ((quarter % 360) + 360) % 360;
}

/** The picture's size as it is shown: the coded size, its sides swapped by a quarter turn. */
export function displayedSize(video: { readonly width?: number; readonly height?: number; readonly rotation?: number }): { width: number; height: number } {
  const [w, h] = [video.width ?? 0, video.height ?? 0];
  return normalRotation(video.rotation) % 180 === 90 ? { width: h, height: w } : { width: w, height: h };
}

/**
 * Containers whose ffmpeg 5.1 muxer writes a stream's display matrix (the
 * ISO-BMFF family); Matroska and WebM write none, so a copy into them shows
 * the picture on its side.
 */
const KEEPS_DISPLAY_MATRIX: ReadonlySet<string> = new Set(['mp4', 'mov']);

/**
 * The container a stream copy of a rotated video is written to when the
 * preset's keeps no display matrix: MOV, which holds whatever the source's
 * QuickTime-family demuxer gave (in ffmpeg 5.1 only it reports a matrix),
 * where MP4 refuses some of it (PCM audio).
 */
export const ROTATED_COPY_CONTAINER = 'mov';

/**
 * The container a job's output is written in: the preset's, except for a
 * stream copy of a rotated video into one that keeps no display matrix
 * (the builtin remux's Matroska), which is written as MOV so the picture
 * stays upright. The one rule the API (output file name), the builder
 * (muxer) and the verifier follow.
 */
export function outputContainer(preset: { readonly container?: string; readonly videoCodec?: string }, source: { readonly rotation?: number | null }): string {
  const turned = normalRotation(source.rotation) !== 0;
  const container = preset.container ?? '';
  return preset.videoCodec === 'copy' && turned && !KEEPS_DISPLAY_MATRIX.has(container) ? ROTATED_COPY_CONTAINER : container;
}

/** What a picture shows once turned: taller than wide, wider than tall, or square. */
export type Orientation = 'portrait' | 'landscape' | 'square';

export function orientationOf(video: { readonly width?: number; readonly height?: number; readonly rotation?: number }): Orientation {
  const { width, height } = displayedSize(video);
  return height > width ? 'portrait' : width > height ? 'landscape' : 'square';
}

/**
 * The filter that turns a picture as its display matrix says, the way
 * ffmpeg 5.1's autorotate does (checked frame by frame: ffprobe's 90 is
 * transpose=cclock), for an input that lost the matrix: a piece of a split,
 * which is Matroska. Undefined when there is nothing to turn.
 */
export function turnFilter(rotation: number | null | undefined): string | undefined {
  switch (normalRotation(rotation)) {
    case 90:
      return 'transpose=cclock';
    case 180:
      return 'hflip,vflip';
    case 270:
      return 'transpose=clock';
    default:
      return undefined;
  }
}
