/**
 * A number as ffmpeg reads it: at most 6 decimals (microseconds for times),
 * no trailing zeros and never an exponent (`1e-7`), which ffmpeg would refuse.
 */
export function ffmpegNumber(value: number): string {
  if (!Number.isFinite(value)) throw new RangeError(`not a finite number: ${value}`);
  const fixed = value.toFixed(6).replace(/\.?0+$/, '');
  return fixed === '-0' ? '0' : fixed;
}
