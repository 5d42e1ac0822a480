/**
 * Why an asset's derived media cannot be had, in words for the user: `not-ready` (the asset is pending, has
 * no probe, its file is missing), `no-video` (thumbnails of an audio file), `failed` (ffmpeg could not read
 * the source: its own reason).
 */
export class DerivedMediaUnavailable extends Error {
  constructor(
    readonly reason: 'not-ready' | 'no-video' | 'failed',
    message: string,
  ) {
    super(message);
    this.name = 'DerivedMediaUnavailable';
  }
}
