/**
 * Where an encode may seek a source: the one place that knows which
 * containers ffmpeg's input seek (`-ss` before `-i`) serves. Pure.
 *
 * MPEG-TS and MPEG-PS (ffprobe's `mpegts` for .ts/.mts/.m2ts, `mpeg` for
 * .mpg/.mpeg/.vob) carry no keyframe index: their demuxers seek by a binary
 * search over byte positions that stops on any packet, not on a keyframe.
 * Decoding from there, ffmpeg's H.264 decoder waits for an IDR frame: a
 * camcorder's long GOP (one keyframe in the whole 3 s clip, [M5] matrix,
 * camcorder.ts trimmed at 0.605 s) gave no frame at all, so the encode
 * wrote a Matroska file without a frame that ffprobe then read as broken
 * (`0x00 at pos 110 invalid as first byte of an EBML number`), and every
 * chunked job's stitch failed on such a segment. MPEG-PS's seek landed
 * mid-frame (`mp2: Header missing`) and its first kept frame 20 ms off.
 * Such a source is decoded from its start and cut on the output side
 * (`-ss` after `-i`: ffmpeg trims decoded frames and samples by their
 * timestamps), which keeps exactly the frames and samples of the range —
 * at the cost of decoding what lies before it.
 *
 * The same two demuxers flag their timestamps as discontinuous, and for
 * such an input ffmpeg 5.1 counts its clock not from the file's start but
 * from the earliest start among the streams it maps
 * (`correct_input_start_times`): mapping sintel.ts's video alone, its clock
 * starts at the video, 0.119 s after the audio that starts the file, and a
 * split of that video cut 0.119 s late — past the source's last keyframe,
 * so the piece a segment was planned on never came (`piece-001.mkv: No
 * such file or directory`, [M5] matrix). inputClockStart says where that
 * clock starts, so cuts are given on it.
 */

/** ffprobe format names whose demuxer seeks by byte position, without an index of keyframes. */
const WITHOUT_KEYFRAME_INDEX = new Set(['mpegts', 'mpeg']);

/**
 * Whether an input seek lands where an encode can start decoding (a
 * container with an index of its keyframes: MP4/MOV, Matroska with cues,
 * AVI, …). False for MPEG-TS/PS: seek on the output side instead.
 */
export function seeksOnInput(container: string | undefined): boolean {
  return !(container ?? '').split(',').some((name) => WITHOUT_KEYFRAME_INDEX.has(name));
}

/** The source's probe as far as its clock goes: its container and where its streams begin (seconds from the file's start). */
export interface ClockedSource {
  readonly container?: string;
  readonly videoStart?: number;
  readonly audioStart?: number;
}

/**
 * Where ffmpeg's clock for an input read from its start (no input seek)
 * begins, in seconds on the source's timeline, when `kept` streams are
 * mapped: the earliest of their starts for MPEG-TS/PS, the file's start (0)
 * for any other container. Pure.
 */
export function inputClockStart(source: ClockedSource, kept: { readonly hasVideo: boolean; readonly hasAudio: boolean }): number {
  if (seeksOnInput(source.container)) return 0;
  const starts = [kept.hasVideo ? source.videoStart : undefined, kept.hasAudio ? source.audioStart : undefined].filter((t): t is number => t !== undefined);
  return starts.length > 0 ? Math.max(0, Math.min(...starts)) : 0;
}
