// How numbers read on the page: short, fixed units, a dash for what is unknown.
const DASH = '—';

export function bytes(n: number | null | undefined): string {
  if (n == null) return DASH;
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = n;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(unit === 0 ? 0 : value < 10 ? 1 : 0)} ${units[unit]}`;
}

/** Seconds as h:mm:ss or m:ss. */
export function clock(seconds: number | null | undefined): string {
  if (seconds == null || !Number.isFinite(seconds)) return DASH;
  const total = Math.max(0, Math.round(seconds));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

/**
 * A media duration: m:ss from a minute up, seconds with two decimals below it, because a clip of
 * 0.3 s or a 4.2 s trim read as "0:00" and "0:04" says nothing about what the file holds.
 */
export function duration(seconds: number | null | undefined): string {
  if (seconds == null || !Number.isFinite(seconds)) return DASH;
  return seconds < 60 ? `${Math.max(0, seconds).toFixed(2)} s` : clock(seconds);
}

/** An encoder's speed against real time: two decimals near 1×, whole numbers for the huge speeds short audio reaches. */
export function speed(factor: number | null | undefined): string {
  if (factor == null || !Number.isFinite(factor)) return DASH;
  return `${factor >= 100 ? Math.round(factor).toLocaleString('en-US') : factor.toFixed(2)}×`;
}

/** Time taken between two ISO instants (or until `now`, in ms). */
export function elapsed(from: string | null | undefined, to?: string | null, now = Date.now()): string {
  if (!from) return DASH;
  return clock(((to ? Date.parse(to) : now) - Date.parse(from)) / 1000);
}

export function when(iso: string | null | undefined): string {
  if (!iso) return DASH;
  const date = new Date(iso);
  const sameDay = date.toDateString() === new Date().toDateString();
  return sameDay ? date.toLocaleTimeString(undefined, { hour12: false }) : date.toLocaleString(undefined, { hour12: false });
}

/** The picture's size as shown: a rotated phone clip's coded 1920×1080 turned 90° shows as 1080×1920, and says it is turned. */
export function resolution(width: number | null | undefined, height: number | null | undefined, rotation?: number | null): string {
  if (!width || !height) return DASH;
  if (!rotation) return `${width}×${height}`;
  return rotation % 180 === 90 ? `${height}×${width} (rotated ${rotation}°)` : `${width}×${height} (rotated ${rotation}°)`;
}

/** A preset's output size: builtin video presets set only the height (the width follows the aspect ratio), which reads "720p". */
export function presetSize(width: number | null | undefined, height: number | null | undefined): string {
  if (width && height) return `${width}×${height}`;
  if (height) return `${height}p`;
  if (width) return `${width} wide`;
  return DASH;
}

export function orDash(value: string | number | null | undefined): string {
  return value === null || value === undefined || value === '' ? DASH : String(value);
}

export function kbps(bitsPerSecond: number | null | undefined): string {
  return bitsPerSecond ? `${Math.round(bitsPerSecond / 1000)} kb/s` : DASH;
}

export const shortId = (id: string): string => id.slice(0, 8);

/** A time on a timeline: m:ss.mmm (h:mm:ss.mmm past an hour), to the millisecond a frame needs. */
export function timecode(seconds: number | null | undefined): string {
  if (seconds == null || !Number.isFinite(seconds)) return DASH;
  const ms = Math.max(0, Math.round(seconds * 1000));
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = ((ms % 60_000) / 1000).toFixed(3).padStart(6, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

/** ffprobe names a container by all its aliases ("mov,mp4,m4a,3gp,3g2,mj2"): the one the file's extension names, else the first. */
export function containerName(formatName: string | null | undefined, filename: string): string {
  if (!formatName) return DASH;
  const aliases = formatName.split(',');
  const extension = filename.split('.').pop()?.toLowerCase() ?? '';
  return aliases.includes(extension) ? extension : aliases[0];
}
