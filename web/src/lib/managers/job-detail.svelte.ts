import type { GraphqlClient } from '../graphql/client';
import { JobDocument, type JobQuery } from '../graphql/generated';

export type JobDetails = JobQuery['job'];

/**
 * One job's page: its fields, source and output, and history from the log.
 * It does not poll: the page reloads it when the JobsFeed row of this job
 * changes status or attempt (the feed is the one live source).
 */
export class JobDetail {
  #job = $state<JobDetails | null>(null);
  #error = $state<string | null>(null);
  #loading = $state(false);

  constructor(private readonly client: GraphqlClient) {}

  get job(): JobDetails | null {
    return this.#job;
  }

  get error(): string | null {
    return this.#error;
  }

  get loading(): boolean {
    return this.#loading;
  }

  async load(id: string): Promise<void> {
    if (this.#job?.id !== id) this.#job = null;
    this.#loading = true;
    try {
      this.#job = (await this.client.request(JobDocument, { id })).job;
      this.#error = null;
    } catch (err) {
      this.#error = (err as Error).message;
    } finally {
      this.#loading = false;
    }
  }
}
