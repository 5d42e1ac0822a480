import { PRIORITY_CLASSES, type PriorityClass } from '@mpr/core';

/** Per class: items never delivered, and items delivered to some replica but not acknowledged yet. */
export type Backlog = Record<PriorityClass, { pending: number; unacknowledged: number }>;

/** Items this replica is working on, per class. */
export type Held = Record<PriorityClass, number>;

export function emptyHeld(): Held {
  return { high: 0, normal: 0, low: 0 };
}

/** Where a free slot pulls from: the highest class with items never delivered. */
export function nextClass(backlog: Backlog): PriorityClass | undefined {
  return PRIORITY_CLASSES.find((cls) => backlog[cls].pending > 0);
}

/**
 * Classes that may hold an item due for redelivery, highest first. JetStream
 * counts such an item (its worker died, or nak'd it on shutdown) among the
 * unacknowledged, not the pending ones, and hands it out only to a pull: so
 * a replica pulls from a class with more unacknowledged items than it holds
 * itself. The rest are held by other live replicas, which costs one empty
 * pull.
 */
export function classesToSweep(backlog: Backlog, held: Held): PriorityClass[] {
  return PRIORITY_CLASSES.filter((cls) => backlog[cls].unacknowledged > held[cls]);
}
