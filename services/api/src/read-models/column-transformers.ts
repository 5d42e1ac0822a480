import type { ValueTransformer } from 'typeorm';

/** pg returns bigint as a string; our numbers stay below 2^53. */
export const numeric: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | null) => (value === null ? null : Number(value)),
};
