/**
 * The file types the original system accepted, and what phones, camcorders, TV recorders, voice apps and sound
 * editors write besides (3gp; AVCHD's mts/m2ts and broadcast ts; opus, oga, AIFF, Sun/NeXT au) and WMV's own
 * container name (asf): anything else is skipped by a scan. Each is read by a demuxer of INPUT_FORMAT_WHITELIST (3gp
 * by mov, ts/mts/m2ts by mpegts, asf by asf, opus and oga by ogg, aif and aifc by aiff).
 */
export const VIDEO_EXTENSIONS = ['mp4', 'mkv', 'avi', 'mov', 'webm', 'flv', 'wmv', 'asf', 'm4v', '3gp', 'ts', 'mts', 'm2ts'] as const;
export const AUDIO_EXTENSIONS = ['mp3', 'wav', 'flac', 'aac', 'ogg', 'm4a', 'opus', 'oga', 'aiff', 'aif', 'aifc', 'au'] as const;

/** An extension the scan takes: a table keyed by it (the media server's content types) must name every one. */
export type MediaExtension = (typeof VIDEO_EXTENSIONS)[number] | (typeof AUDIO_EXTENSIONS)[number];

const SUPPORTED = new Set<string>([...VIDEO_EXTENSIONS, ...AUDIO_EXTENSIONS]);

export function extensionOf(path: string): string {
  const dot = path.lastIndexOf('.');
  return dot < 0 || dot < path.lastIndexOf('/') ? '' : path.slice(dot + 1).toLowerCase();
}

export function isSupportedMedia(path: string): boolean {
  return SUPPORTED.has(extensionOf(path));
}

/**
 * Demuxers ffprobe/ffmpeg may use on an input: the containers above and
 * nothing else. Above all not hls, concat, xbin or subfile, through which a
 * crafted upload can make ffmpeg read other files into its output
 * (CVE-2016-1898 and its 2017 AVI/HLS variant). mpegts (MPEG-TS) is a
 * stream of packets that references no other file.
 */
export const INPUT_FORMAT_WHITELIST = ['mov', 'matroska', 'avi', 'flv', 'asf', 'mpegts', 'mp3', 'wav', 'flac', 'aac', 'ogg', 'aiff', 'au'] as const;

/** Arguments that confine one local input: put them right before its `-i`. */
export function safeInputArgs(): string[] {
  return ['-protocol_whitelist', 'file,pipe', '-format_whitelist', INPUT_FORMAT_WHITELIST.join(',')];
}
