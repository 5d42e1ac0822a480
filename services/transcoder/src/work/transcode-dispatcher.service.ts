import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { JsMsg } from '@nats-io/jetstream';
import { DispatchHold, FfmpegRepository, type PriorityClass, WakeSignal } from '@mpr/core';
import { RunningAttempts } from '../jobs/running-attempts';
import { TranscodeJobService } from '../jobs/transcode-job.service';
import { TranscoderMetrics } from '../transcoder.metrics';
import { TRANSCODER_SETTINGS, type TranscoderSettings } from '../transcoder.settings';
import { TranscodeQueueRepository } from './transcode-queue.repository';
import { classesToSweep, emptyHeld, nextClass } from './work-priority';

interface PickedItem {
  msg: JsMsg;
  cls: PriorityClass;
}

/**
 * Feeds MPR_TRANSCODE_CONCURRENCY slots from the shared queue. Whenever a
 * slot is free it takes the oldest item of the highest class that has one
 * (high, then normal, then low), reading the backlog of each class first, so
 * a replica never holds an item it cannot start. With nothing queued it
 * waits, without polling, until an item is published (a plain subscription
 * sees every publish) or a slow safety tick passes: the tick also collects
 * items whose worker died, which JetStream redelivers only to a pull.
 * While dispatch is paused it takes nothing (DispatchHold): an attempt queued
 * just before the pause waits in MPR_WORK for the resume.
 */
@Injectable()
export class TranscodeDispatcher implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('TranscodeDispatcher');
  private readonly workAnnounced = new WakeSignal();
  private readonly slotFreed = new WakeSignal();
  private readonly busySlots: boolean[];
  private readonly held = emptyHeld();
  private readonly inFlight = new Set<Promise<void>>();
  private stopping = false;
  private loop: Promise<void> | undefined;
  private announcements: { stop(): void } | undefined;

  constructor(
    private readonly queue: TranscodeQueueRepository,
    private readonly jobs: TranscodeJobService,
    private readonly running: RunningAttempts,
    private readonly ffmpeg: FfmpegRepository,
    private readonly metrics: TranscoderMetrics,
    private readonly hold: DispatchHold,
    @Inject(TRANSCODER_SETTINGS) private readonly settings: TranscoderSettings,
  ) {
    this.busySlots = new Array<boolean>(settings.concurrency).fill(false);
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.ffmpeg.warmUp();
    await this.queue.connect();
    this.announcements = this.queue.onPublish(() => this.workAnnounced.notify());
    this.loop = this.run();
    this.logger.log(`taking transcode work in ${this.settings.concurrency} slot(s)`);
  }

  /** Takes no more work, stops every encode and hands its item back (nak) for another replica. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    this.announcements?.stop();
    this.workAnnounced.notify();
    this.slotFreed.notify();
    this.running.abortAll('shutdown');
    await this.loop;
    await Promise.allSettled(this.inFlight);
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      const slot = await this.freeSlot();
      if (slot === undefined) return;
      let picked: PickedItem | undefined;
      try {
        picked = await this.acquire();
      } catch (err) {
        // NATS away, a consumer deleted, missed heartbeats: wait, bind again, go on. Never crash the service.
        this.logger.warn(`cannot read the transcode queue: ${(err as Error).message}`);
        await this.recover();
        continue;
      }
      if (picked) this.dispatch(slot, picked);
    }
  }

  private async freeSlot(): Promise<number | undefined> {
    for (;;) {
      if (this.stopping) return undefined;
      this.slotFreed.reset();
      const slot = this.busySlots.indexOf(false);
      if (slot >= 0) return slot;
      await this.slotFreed.wait();
    }
  }

  /** The next item for a free slot, in priority order; undefined once stopping. */
  private async acquire(): Promise<PickedItem | undefined> {
    let sweep = false;
    while (!this.stopping) {
      // Read the switch right before each pull: a pause stops this replica taking new attempts, not the ones it runs.
      await this.hold.untilDispatching();
      if (this.stopping) break;
      // Reset before reading the backlog: an item published after the read wakes the wait below.
      this.workAnnounced.reset();
      const backlog = await this.queue.backlog();
      const cls = nextClass(backlog);
      // Another replica may take the item between the read and the pull: then the pull comes back empty.
      const candidates = cls ? [cls] : sweep ? classesToSweep(backlog, this.held) : [];
      for (const candidate of candidates) {
        const msg = await this.queue.next(candidate);
        if (msg) return this.keepUnlessStopping({ msg, cls: candidate });
        if (this.workAnnounced.pending || this.stopping) break;
      }
      if (cls) continue;
      sweep = !(await this.workAnnounced.wait(this.settings.safetyTickMs));
    }
    return undefined;
  }

  private keepUnlessStopping(picked: PickedItem): PickedItem | undefined {
    if (!this.stopping) return picked;
    try {
      picked.msg.nak();
    } catch {
      // Closed already: the item comes back after its ack wait.
    }
    return undefined;
  }

  private dispatch(slot: number, { msg, cls }: PickedItem): void {
    this.busySlots[slot] = true;
    this.held[cls]++;
    this.metrics.running.inc();
    const task = this.jobs
      .handle(msg, slot)
      .then(
        () => undefined,
        (err: Error) => this.logger.error(`work item ${msg.seq} failed unexpectedly: ${err.stack ?? err.message}`),
      )
      .finally(() => {
        this.busySlots[slot] = false;
        this.held[cls]--;
        this.metrics.running.dec();
        this.inFlight.delete(task);
        this.slotFreed.notify();
      });
    this.inFlight.add(task);
  }

  private async recover(): Promise<void> {
    await this.workAnnounced.wait(this.settings.safetyTickMs);
    if (this.stopping) return;
    await this.queue.connect().catch((err: Error) => this.logger.warn(`cannot bind to the transcode queue: ${err.message}`));
  }
}
