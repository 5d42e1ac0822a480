import type { GraphqlClient } from '../graphql/client';
import { type DispatchFactsFragment, SystemOverviewDocument, type SystemOverviewQuery } from '../graphql/generated';
import type { AssetsManager } from './assets.svelte';
import { bulkSummary, type OperatorActions } from './operator.svelte';

export type SystemOverview = SystemOverviewQuery['systemStatus'];
export type SystemAction = 'pause' | 'resume' | 'rescan' | 'retry-all-failed' | 'cancel-all-pending' | 'rebuild-read-models';

/** What an action did, in the API's words when it refused. */
export interface ActionResult {
  ok: boolean;
  text: string;
  at: number;
}

/**
 * Health, queues and the read models are answers to questions (the health ping over NATS, JetStream's consumer
 * info), not streams: read again this often while the view is open, and after every action.
 */
export const SYSTEM_REFRESH_MS = 5_000;

/**
 * The System view's state: `systemStatus` (every service's health, work
 * queues, read models against the log, recent failures, the dispatch
 * switch) and the outcome of each operator action, kept beside the action
 * until the next one of its kind.
 */
export class SystemPanel {
  #status = $state<SystemOverview | null>(null);
  #error = $state<string | null>(null);
  #readAt = $state<number | null>(null);
  #results = $state<Partial<Record<SystemAction, ActionResult>>>({});
  #running = $state<SystemAction | null>(null);
  #reads = 0;

  constructor(
    private readonly client: GraphqlClient,
    private readonly operator: OperatorActions,
    private readonly assets: AssetsManager,
  ) {}

  get status(): SystemOverview | null {
    return this.#status;
  }

  get dispatch(): DispatchFactsFragment | null {
    return this.#status?.dispatch ?? null;
  }

  /** Why the last read failed; null after a good one. */
  get error(): string | null {
    return this.#error;
  }

  /** When the shown status was read (ms). */
  get readAt(): number | null {
    return this.#readAt;
  }

  get running(): SystemAction | null {
    return this.#running;
  }

  result(action: SystemAction): ActionResult | undefined {
    return this.#results[action];
  }

  /** Reads now and every SYSTEM_REFRESH_MS until the returned function is called. */
  open(): () => void {
    void this.refresh();
    const timer = setInterval(() => void this.refresh(), SYSTEM_REFRESH_MS);
    return () => clearInterval(timer);
  }

  /** Only the latest read started is shown, so an answer overtaken by an action's read never replaces it. */
  async refresh(): Promise<void> {
    const read = ++this.#reads;
    try {
      const { systemStatus } = await this.client.request(SystemOverviewDocument);
      if (read !== this.#reads) return;
      this.#status = systemStatus;
      this.#readAt = Date.now();
      this.#error = null;
    } catch (err) {
      if (read === this.#reads) this.#error = (err as Error).message;
    }
  }

  pause(reason: string): Promise<void> {
    return this.#act('pause', async () => {
      const dispatch = await this.operator.pauseDispatch(reason);
      this.#setDispatch(dispatch);
      return `Dispatch paused${reason ? ` (${reason})` : ''}: ${dispatch.pendingJobs} pending job(s) wait for the resume`;
    });
  }

  resume(): Promise<void> {
    return this.#act('resume', async () => {
      const dispatch = await this.operator.resumeDispatch();
      this.#setDispatch(dispatch);
      return `Dispatch resumed: ${dispatch.pendingJobs} pending job(s) go to the workers in queue order`;
    });
  }

  rescan(): Promise<void> {
    return this.#act('rescan', async () => {
      const r = await this.assets.scan();
      return `Scan: ${r.found} found, ${r.registered} new, ${r.missing} missing, ${r.returned} back, ${r.unsupported} unsupported`;
    });
  }

  retryAllFailed(): Promise<void> {
    return this.#act('retry-all-failed', async () => bulkSummary('Retry all failed', await this.operator.retryAllFailed()));
  }

  cancelAllPending(): Promise<void> {
    return this.#act('cancel-all-pending', async () => bulkSummary('Cancel all pending', await this.operator.cancelAllPending()));
  }

  rebuildReadModels(): Promise<void> {
    return this.#act('rebuild-read-models', async () => {
      const r = await this.operator.rebuildReadModels();
      return `Read models rebuilt: ${r.events} events replayed up to sequence ${r.lastSequence} in ${r.millis} ms`;
    });
  }

  async #act(action: SystemAction, body: () => Promise<string>): Promise<void> {
    this.#running = action;
    try {
      this.#results = { ...this.#results, [action]: { ok: true, text: await body(), at: Date.now() } };
    } catch (err) {
      this.#results = { ...this.#results, [action]: { ok: false, text: (err as Error).message, at: Date.now() } };
    } finally {
      this.#running = null;
    }
    await this.refresh();
  }

  #setDispatch(dispatch: DispatchFactsFragment): void {
    if (this.#status) this.#status = { ...this.#status, dispatch };
  }
}
