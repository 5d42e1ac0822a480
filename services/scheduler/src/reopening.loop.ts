import type { Logger } from '@nestjs/common';

/**
 * Drains a message source (a JetStream consumer) for the life of the
 * service: when the source ends or fails, a new one is opened, so a broker
 * hiccup pauses the work instead of silently ending it.
 */
export class ReopeningLoop<Source extends { stop(): Promise<void> }> {
  private current?: Source;
  private loop?: Promise<void>;
  private stopped = false;

  constructor(
    private readonly what: string,
    private readonly open: () => Promise<Source>,
    private readonly drain: (source: Source) => Promise<void>,
    private readonly logger: Pick<Logger, 'error'>,
    /** Wait before opening a source again after one failed. */
    private readonly reopenDelayMs = 1_000,
  ) {}

  /** Opens the first source (failing the boot if that fails) and drains it in the background. */
  async start(): Promise<Source> {
    const first = await this.open();
    this.current = first;
    this.loop = this.run(first);
    return first;
  }

  /** Lets the message in hand finish, then stops. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.current?.stop();
    await this.loop;
  }

  private async run(first: Source): Promise<void> {
    let source: Source | undefined = first;
    while (source) {
      try {
        await this.drain(source);
      } catch (err) {
        this.logger.error(`${this.what} failed: ${(err as Error).message}`);
      }
      source = await this.reopen();
    }
  }

  /** A new source, or undefined once stopping. */
  private async reopen(): Promise<Source | undefined> {
    while (!this.stopped) {
      await new Promise((resolve) => setTimeout(resolve, this.reopenDelayMs));
      if (this.stopped) break;
      try {
        const source = await this.open();
        this.current = source;
        // stop() ran while this one opened: it stopped the previous source, not this one.
        if (this.stopped) await source.stop();
        return source;
      } catch (err) {
        this.logger.error(`reopening ${this.what} failed: ${(err as Error).message}`);
      }
    }
    return undefined;
  }
}
