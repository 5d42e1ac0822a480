import type { GraphqlClient } from '../graphql/client';
import { type CreateJobInput, type JobRowFragment, TimelineAssetDocument, type TimelineAssetQuery } from '../graphql/generated';

export type TimelineAsset = TimelineAssetQuery['asset'];

/** A frame when the probe gives no rate (audio): fine enough to place a cut by ear. */
const FALLBACK_FRAME_SECONDS = 0.01;

/** Times as the API takes them: microseconds, so a nudged point reads 1.3, not 1.2999999999999998. */
const micros = (seconds: number): number => Math.round(seconds * 1e6) / 1e6;

/**
 * The Timeline: one asset, a playhead, and the in/out points of the trimmed
 * job to make from it. Times are the source's, in seconds; the player (the
 * asset's playback URL, the file or its preview) follows the playhead, and
 * the playhead follows the player while it plays.
 */
export class TimelineEditor {
  #asset = $state<TimelineAsset | null>(null);
  #loading = $state(false);
  #error = $state<string | null>(null);
  #position = $state(0);
  #in = $state(0);
  #out = $state(0);
  #jobId = $state<string | null>(null);

  constructor(private readonly client: GraphqlClient) {}

  get asset(): TimelineAsset | null {
    return this.#asset;
  }

  get loading(): boolean {
    return this.#loading;
  }

  get error(): string | null {
    return this.#error;
  }

  /** The source's length from its probe (the preview may differ by a frame; the job trims the source). */
  get duration(): number {
    return this.#asset?.duration ?? 0;
  }

  /** One frame of the source, from the probe's rate: what the arrow keys move. */
  get frame(): number {
    const rate = this.#asset?.framerate;
    return rate && rate > 0 ? 1 / rate : FALLBACK_FRAME_SECONDS;
  }

  get position(): number {
    return this.#position;
  }

  get inPoint(): number {
    return this.#in;
  }

  get outPoint(): number {
    return this.#out;
  }

  /** Seconds between in and out: what the trimmed job's output lasts. */
  get selection(): number {
    return micros(this.#out - this.#in);
  }

  /** The whole source is selected: a job made now is not trimmed. */
  get whole(): boolean {
    return this.#in <= 0 && this.#out >= this.duration;
  }

  /** The job made here last, followed through the jobs feed. */
  get jobId(): string | null {
    return this.#jobId;
  }

  async load(id: string): Promise<void> {
    if (this.#asset?.id === id) return;
    this.#asset = null;
    this.#jobId = null;
    this.#loading = true;
    try {
      this.#asset = (await this.client.request(TimelineAssetDocument, { id })).asset;
      this.#error = null;
      this.#position = 0;
      this.#in = 0;
      this.#out = this.duration;
    } catch (err) {
      this.#error = (err as Error).message;
    } finally {
      this.#loading = false;
    }
  }

  /** Moves the playhead to `seconds`, kept inside the source. */
  seek(seconds: number): void {
    this.#position = this.#clamp(seconds);
  }

  /** Moves the playhead by `frames` frames, onto the frame grid (so in/out land on frame boundaries). */
  nudge(frames: number): void {
    const frame = this.frame;
    this.#position = this.#clamp(Math.round(this.#position / frame + frames) * frame);
  }

  /** The player's time while it plays: followed as it is, not snapped. */
  follow(seconds: number): void {
    this.#position = this.#clamp(seconds);
  }

  /** In at the playhead; an out point before it moves to the end. */
  markIn(seconds = this.#position): void {
    this.#in = this.#clamp(seconds);
    if (this.#out <= this.#in) this.#out = this.duration;
  }

  /** Out at the playhead; an in point after it moves to the start. */
  markOut(seconds = this.#position): void {
    this.#out = this.#clamp(seconds);
    if (this.#in >= this.#out) this.#in = 0;
  }

  /** The trimmed job's input for `presetId`: no trim at a point that is the source's own start or end. */
  jobInput(presetId: string): CreateJobInput {
    const asset = this.#asset;
    if (!asset) throw new Error('no asset is open on the Timeline');
    if (this.selection <= 0) throw new Error('set an out point after the in point');
    return {
      sourceAssetId: asset.id,
      presetId,
      trimStart: this.#in > 0 ? this.#in : undefined,
      trimEnd: this.#out < this.duration ? this.#out : undefined,
    };
  }

  /** Creates the job with `create` (the jobs feed's, so the job shows there at once) and follows it. */
  async createJob(presetId: string, create: (input: CreateJobInput) => Promise<JobRowFragment>): Promise<JobRowFragment> {
    const job = await create(this.jobInput(presetId));
    this.#jobId = job.id;
    return job;
  }

  #clamp(seconds: number): number {
    return micros(Math.min(Math.max(0, seconds), this.duration));
  }
}
