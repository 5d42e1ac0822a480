import { DomainError } from '../errors/domain.errors';

/**
 * A preset that cannot be applied as asked: to this source (an audio-only
 * preset on a file without sound), or because two of its own valid settings
 * do not go together for the encoder (Opus at 44.1 kHz). The user must pick
 * another preset or asset, so it is bad input, not a server fault.
 */
export class UnsupportedCombination extends DomainError {
  readonly code = 'BAD_USER_INPUT' as const;
}
