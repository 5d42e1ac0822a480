import type { GraphqlClient } from '../graphql/client';
import {
  type BulkFactsFragment,
  CancelAllPendingDocument,
  type DispatchFactsFragment,
  DispatchStateDocument,
  PauseDispatchDocument,
  RebuildReadModelsDocument,
  type RebuildReadModelsMutation,
  ResumeDispatchDocument,
  RetryAllFailedDocument,
} from '../graphql/generated';

export type OperatorAction = 'pause' | 'resume' | 'retry-all-failed' | 'cancel-all-pending' | 'rebuild-read-models';
export type RebuildResult = RebuildReadModelsMutation['rebuildReadModels'];

/** "Retry all failed: 3 done, 1 skipped (cannot retry job … in state PENDING)". */
export function bulkSummary(what: string, result: BulkFactsFragment): string {
  const skipped = result.skipped ? `, ${result.skipped} skipped (${result.skippedJobs.map((s) => s.reason).join('; ')})` : '';
  return `${what}: ${result.affected} done${skipped}`;
}

/**
 * The operator's actions over the whole platform (the API's mutations of the
 * same names, which also answer on NATS `mpr.control.<action>`), and the
 * dispatch switch as the API last reported it. One action at a time.
 */
export class OperatorActions {
  #dispatch = $state<DispatchFactsFragment | null>(null);
  #running = $state<OperatorAction | null>(null);

  constructor(private readonly client: GraphqlClient) {}

  get dispatch(): DispatchFactsFragment | null {
    return this.#dispatch;
  }

  /** The action in flight, or null. */
  get running(): OperatorAction | null {
    return this.#running;
  }

  get busy(): boolean {
    return this.#running !== null;
  }

  async loadDispatch(): Promise<DispatchFactsFragment> {
    this.#dispatch = (await this.client.request(DispatchStateDocument)).dispatchState;
    return this.#dispatch;
  }

  pauseDispatch(reason: string): Promise<DispatchFactsFragment> {
    return this.#run('pause', async () => (this.#dispatch = (await this.client.request(PauseDispatchDocument, { reason })).pauseDispatch));
  }

  resumeDispatch(): Promise<DispatchFactsFragment> {
    return this.#run('resume', async () => (this.#dispatch = (await this.client.request(ResumeDispatchDocument)).resumeDispatch));
  }

  retryAllFailed(): Promise<BulkFactsFragment> {
    return this.#run('retry-all-failed', async () => (await this.client.request(RetryAllFailedDocument)).retryAllFailed);
  }

  cancelAllPending(): Promise<BulkFactsFragment> {
    return this.#run('cancel-all-pending', async () => (await this.client.request(CancelAllPendingDocument)).cancelAllPending);
  }

  rebuildReadModels(): Promise<RebuildResult> {
    return this.#run('rebuild-read-models', async () => (await this.client.request(RebuildReadModelsDocument)).rebuildReadModels);
  }

  async #run<T>(action: OperatorAction, body: () => Promise<T>): Promise<T> {
    this.#running = action;
    try {
      return await body();
    } finally {
      this.#running = null;
    }
  }
}
