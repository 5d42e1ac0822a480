import { ValidationError } from '@mpr/core';

/**
 * Status arguments accept the original system's lower-case strings
 * ("ready", "processing") and the enum names ("READY", "PROCESSING").
 */
export function parseStatusFilter<T extends string>(value: string | null | undefined, allowed: readonly T[], field = 'status'): T | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const normalized = value.trim().toLowerCase() as T;
  if (!allowed.includes(normalized)) {
    throw new ValidationError(`${field} "${value}" is not one of ${allowed.join(', ')}`, field);
  }
  return normalized;
}

/** missing: the file was not under MEDIA_IN at the last scan. */
export const ASSET_STATUSES = ['pending', 'ready', 'error', 'missing'] as const;
export const JOB_STATUSES = ['pending', 'processing', 'completed', 'failed', 'cancelled'] as const;
