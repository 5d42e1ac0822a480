import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import type { Priority } from '@mpr/contracts/common_pb';

/** An attempt as the scheduler queues it, whoever runs it: a transcoder (TranscodeWorkItem) or a chunk coordinator (ChunkJobWorkItem). */
export interface QueuedAttempt {
  jobId: string;
  attempt: number;
  priority: Priority;
  queuedAt: Date;
}

/**
 * The fields both work items share, and the message id that makes one item
 * per attempt: publishing the same attempt again is a no-op.
 */
export function attemptItem(item: QueuedAttempt) {
  return {
    fields: { jobId: item.jobId, attempt: item.attempt, priority: item.priority, queuedAt: timestampFromDate(item.queuedAt) },
    msgID: `${item.jobId}-${item.attempt}`,
  };
}
