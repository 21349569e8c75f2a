import type { Random } from '../../core/random.js';
import { randomInt } from '../../core/random.js';
import { BFD_SOURCE_PORT_MAX, BFD_SOURCE_PORT_MIN } from '../wire/constants.js';
import { BfdConfigError } from '../errors.js';
import type { SourcePortRange } from './transport.js';

/** RFC 5881 4: 49152 through 65535. */
export const DEFAULT_SOURCE_PORT_RANGE: SourcePortRange = {
  min: BFD_SOURCE_PORT_MIN,
  max: BFD_SOURCE_PORT_MAX,
};

export function validateSourcePortRange(range: SourcePortRange): void {
  // RFC 5881 4: "The source port MUST be in the range 49152 through 65535."
  if (
    !Number.isInteger(range.min) ||
    !Number.isInteger(range.max) ||
    range.min < BFD_SOURCE_PORT_MIN ||
    range.max > BFD_SOURCE_PORT_MAX ||
    range.min > range.max
  ) {
    throw new BfdConfigError('sourcePortRange', `source ports ${range.min}-${range.max}`);
  }
}

/**
 * Candidate source ports: a random start inside the range, then every port once in order, so
 * a busy range ends in a clean "no port" instead of looping forever.
 */
export function* sourcePortCandidates(range: SourcePortRange, random: Random): Generator<number> {
  const size = range.max - range.min + 1;
  const start = randomInt(random, 0, size - 1);
  for (let i = 0; i < size; i++) yield range.min + ((start + i) % size);
}
