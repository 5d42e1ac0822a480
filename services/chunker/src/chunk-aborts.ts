import { Injectable } from '@nestjs/common';

/**
 * Everything this replica runs for a job (its coordinator, its segment
 * encodes), by job id: where a cancel finds them all at once.
 */
@Injectable()
export class ChunkAborts {
  private readonly byJob = new Map<string, Set<AbortController>>();

  register(jobId: string): { signal: AbortSignal; release(): void } {
    const controller = new AbortController();
    let set = this.byJob.get(jobId);
    if (!set) this.byJob.set(jobId, (set = new Set()));
    set.add(controller);
    return {
      signal: controller.signal,
      release: () => {
        set.delete(controller);
        if (set.size === 0 && this.byJob.get(jobId) === set) this.byJob.delete(jobId);
      },
    };
  }

  abortJob(jobId: string, reason: string): boolean {
    const set = this.byJob.get(jobId);
    if (!set) return false;
    for (const controller of set) if (!controller.signal.aborted) controller.abort(reason);
    return true;
  }

  abortAll(reason: string): void {
    for (const jobId of [...this.byJob.keys()]) this.abortJob(jobId, reason);
  }
}
