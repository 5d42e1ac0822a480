import { Executor, Priority } from '@mpr/contracts/common_pb';

/**
 * The one table of the names clients, configuration (MPR_EXECUTOR), read
 * models and work subjects give the contracts' Executor and Priority.
 */
const EXECUTOR_BY_NAME = { local: Executor.LOCAL, lambda: Executor.LAMBDA, gcp: Executor.GCP } as const;
export type ExecutorName = keyof typeof EXECUTOR_BY_NAME;
export const EXECUTORS = Object.keys(EXECUTOR_BY_NAME) as [ExecutorName, ...ExecutorName[]];

/**
 * Priority classes, drained in this order. nats-server 2.9 refuses two
 * consumers with overlapping filters on a work-queue stream, so each class
 * has its own subject and its own durable consumer, shared by every replica.
 */
const PRIORITY_BY_NAME = { high: Priority.HIGH, normal: Priority.NORMAL, low: Priority.LOW } as const;
export type PriorityClass = keyof typeof PRIORITY_BY_NAME;
export const PRIORITY_CLASSES = Object.keys(PRIORITY_BY_NAME) as [PriorityClass, ...PriorityClass[]];

/** undefined for UNSPECIFIED: the scheduler's default (MPR_EXECUTOR) applies. */
export function executorName(executor: Executor): ExecutorName | undefined {
  return EXECUTORS.find((name) => EXECUTOR_BY_NAME[name] === executor);
}

/** UNSPECIFIED runs as normal. */
export function priorityClass(priority: Priority): PriorityClass {
  return PRIORITY_CLASSES.find((name) => PRIORITY_BY_NAME[name] === priority) ?? 'normal';
}

/** The Executor a name stands for, in any case; undefined for a name that is none. */
export function executorNamed(name: string): Executor | undefined {
  return named(EXECUTOR_BY_NAME, name);
}

/** The Priority a class name stands for, in any case; undefined for a name that is none. */
export function priorityNamed(name: string): Priority | undefined {
  return named(PRIORITY_BY_NAME, name);
}

/** Own keys only: "constructor" names nothing. */
function named<T>(table: Record<string, T>, name: string): T | undefined {
  const key = name.trim().toLowerCase();
  return Object.hasOwn(table, key) ? table[key] : undefined;
}
