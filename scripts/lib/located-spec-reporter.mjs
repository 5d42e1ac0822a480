// node:test's spec reporter, with each test located in its spec file. Under the timeout preload
// (libs/core/src/testing/test-timeouts.ts) Node records a test's location as the caller of `it`, which is
// the preload's wrapper: every failure would say "test at …/test-timeouts.ts". A failure is located at the
// first frame of its error's stack outside the preload (the spec line that threw, through source maps);
// one with no such frame (a timeout) is left without a location rather than with the preload's.
import { spec } from 'node:test/reporters';

const PRELOAD = /[\\/]testing[\\/]test-timeouts\.(js|ts)$/;
const FRAME = /\(?((?:file:\/\/)?\/[^():]+):(\d+):(\d+)\)?$/;

export function relocate(event) {
  const data = event.data;
  if (!data?.file || !PRELOAD.test(data.file)) return event;
  const error = data.details?.error;
  const stack = String(error?.cause?.stack ?? error?.stack ?? '');
  const frame = stack
    .split('\n')
    .map((line) => FRAME.exec(line.trim()))
    .find((match) => match && !PRELOAD.test(match[1]) && !match[1].includes('/node_modules/'));
  const where = frame
    ? { file: frame[1].replace(/^file:\/\//, ''), line: Number(frame[2]), column: Number(frame[3]) }
    : { file: undefined, line: undefined, column: undefined };
  return { ...event, data: { ...data, ...where } };
}

export default class LocatedSpecReporter extends spec {
  constructor() {
    super();
    // The spec reporter takes its transform as a constructor option (an own property), not as a method to override.
    const transform = this._transform;
    this._transform = (event, encoding, callback) => transform.call(this, relocate(event), encoding, callback);
  }
}
