import { SpeakersimError } from '../core/errors.js';

/**
 * Typed errors of the MetalLB model. Validation problems are *data* (ConfigError, reported in
 * ConfigurationState like MetalLB does), not exceptions; these classes are thrown only when a
 * caller hands the model something it cannot interpret at all.
 */
export class MetallbInputError extends SpeakersimError {
  constructor(code: MetallbInputErrorCode, message: string) {
    super(code, message);
  }
}

export type MetallbInputErrorCode =
  'METALLB_INVALID_IP' | 'METALLB_INVALID_CIDR' | 'METALLB_INVALID_DURATION';
