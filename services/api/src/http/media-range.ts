/** What to send for a request's Range header against a file of a known size. */
export type RangeAnswer =
  | { kind: 'full' }
  /** `end` is inclusive, as in Content-Range and fs.createReadStream. */
  | { kind: 'partial'; start: number; end: number }
  | { kind: 'unsatisfiable' };

const SINGLE_RANGE = /^bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i;

/**
 * Reads a Range header (RFC 9110 §14.2) for a single byte range: `bytes=a-b`,
 * `bytes=a-` or the suffix `bytes=-n`. A header that is absent, malformed or
 * asks for several ranges is answered with the whole file, which the RFC
 * allows a server to do with any Range it chooses not to honour.
 */
export function parseRange(header: string | undefined, size: number): RangeAnswer {
  const match = header === undefined ? null : SINGLE_RANGE.exec(header);
  if (!match) return { kind: 'full' };
  const [, first, last] = match;
  if (first === '' && last === '') return { kind: 'full' };

  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'partial', start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  const end = last === '' ? Infinity : Number(last);
  // "bytes=5-2" is not a range at all, so the header is ignored rather than refused.
  if (end < start) return { kind: 'full' };
  if (start >= size) return { kind: 'unsatisfiable' };
  return { kind: 'partial', start, end: Math.min(end, size - 1) };
}
