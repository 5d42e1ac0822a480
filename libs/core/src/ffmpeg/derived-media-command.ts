import { isAbsolute } from 'node:path';
import { confinedInput, type FfmpegCommand, fileOutput, GLOBAL_OPTIONS } from './ffmpeg-command';
import { ffmpegNumber } from './ffmpeg-number';

/** Tiles in a thumbnail strip: enough to see where a scene changes under a scrubber, few enough to load at once. */
export const THUMBNAIL_COUNT = 10;
/** A tile's width in pixels; its height follows the source's aspect ratio (thumbnailStripGeometry). */
export const THUMBNAIL_WIDTH = 160;
/** The preview's largest height: enough to choose in/out points by eye, small enough to make quickly. */
export const PREVIEW_MAX_HEIGHT = 480;

/** What a thumbnail strip looks like: `count` tiles of `tileWidth`×`tileHeight` side by side, tile i at `i × interval` seconds. */
export interface ThumbnailStripGeometry {
  readonly count: number;
  readonly tileWidth: number;
  readonly tileHeight: number;
  /** Seconds of the source between two tiles. */
  readonly interval: number;
}

/**
 * The strip's layout for a source of `width`×`height` lasting `duration` s:
 * the tile height keeps the aspect ratio, rounded to an even number (JPEG's
 * chroma subsampling wants even sizes), at least 2.
 */
export function thumbnailStripGeometry(source: { readonly width: number; readonly height: number; readonly duration: number }): ThumbnailStripGeometry {
  const { width, height, duration } = source;
  if (!(width > 0 && height > 0)) throw new RangeError(`a thumbnail strip needs the video's size, got ${width}×${height}`);
  if (!(duration > 0)) throw new RangeError(`a thumbnail strip needs a duration, got ${duration}`);
  const tileHeight = Math.max(2, Math.round((THUMBNAIL_WIDTH * height) / width / 2) * 2);
  // Microseconds, as every time ffmpeg is given (ffmpegNumber).
  return { count: THUMBNAIL_COUNT, tileWidth: THUMBNAIL_WIDTH, tileHeight, interval: Math.round((duration / THUMBNAIL_COUNT) * 1e6) / 1e6 };
}

export interface ThumbnailStripRequest {
  /** Absolute path of the source video. */
  readonly input: string;
  /** Absolute path of the JPEG to write (a temporary name, renamed when complete). */
  readonly output: string;
  readonly geometry: ThumbnailStripGeometry;
}

/**
 * One JPEG with the strip's tiles side by side. The whole video is decoded
 * once (`fps` keeps one frame per interval, `tile` lays them out); the strip
 * is cached, so that cost is paid once per file. A seek per tile would be
 * faster on long files but lands on keyframes, and a short clip often has a
 * single one. The last tile row is written at the end even if the source ran
 * out of frames first (the tile filter flushes a partial tile).
 */
export function buildThumbnailStripCommand(request: ThumbnailStripRequest): FfmpegCommand {
  assertAbsolute(request.input, request.output);
  const { count, tileWidth, tileHeight, interval } = request.geometry;
  const filter = [
    `fps=fps=1/${ffmpegNumber(interval)}`,
    `scale=${tileWidth}:${tileHeight}:force_original_aspect_ratio=decrease`,
    `pad=${tileWidth}:${tileHeight}:(ow-iw)/2:(oh-ih)/2`,
    `tile=${count}x1`,
  ].join(',');
  return {
    global: GLOBAL_OPTIONS,
    inputs: [confinedInput(request.input)],
    // `-update 1`: one image, not a numbered sequence; `-q:v 5`: a small file that still reads well.
    outputs: [fileOutput(request.output, 'image2', ['-map', '0:V:0', '-an', '-sn', '-vf', filter, '-frames:v', '1', '-q:v', '5', '-update', '1'])],
  };
}

export interface PreviewRequest {
  /** Absolute path of the source. */
  readonly input: string;
  /** Absolute path of the MP4 to write (a temporary name, renamed when complete). */
  readonly output: string;
  /** Which of the source's streams the preview keeps (from its probe). */
  readonly hasVideo: boolean;
  readonly hasAudio: boolean;
}

/**
 * A small H.264/AAC MP4 every browser plays, for a source a browser cannot
 * decode (browserPlayback). At most PREVIEW_MAX_HEIGHT lines (an even
 * count, as yuv420p needs), a keyframe every second (so a scrubber's seek
 * lands near where it points), the index first (`+faststart`: playback
 * starts before the whole file arrived).
 */
export function buildPreviewCommand(request: PreviewRequest): FfmpegCommand {
  assertAbsolute(request.input, request.output);
  if (!request.hasVideo && !request.hasAudio) throw new RangeError('a preview needs a video or an audio stream');
  const video = request.hasVideo
    ? [
        ...['-map', '0:V:0', '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '28', '-pix_fmt', 'yuv420p'],
        ...['-vf', `scale=w=-2:h='min(${PREVIEW_MAX_HEIGHT},trunc(ih/2)*2)'`, '-force_key_frames', 'expr:gte(t,n_forced*1)'],
      ]
    : ['-vn'];
  const audio = request.hasAudio ? ['-map', '0:a:0', '-c:a', 'aac', '-b:a', '96k', '-ac', '2'] : ['-an'];
  return {
    global: GLOBAL_OPTIONS,
    inputs: [confinedInput(request.input)],
    outputs: [fileOutput(request.output, 'mp4', [...video, ...audio, '-sn', '-dn', '-movflags', '+faststart'])],
  };
}

function assertAbsolute(...paths: string[]): void {
  for (const path of paths) if (!isAbsolute(path)) throw new Error(`ffmpeg paths must be absolute: ${JSON.stringify(path)}`);
}
