import { SpeakersimError } from '../core/errors.js';

/**
 * Thrown only when a caller hands the model objects it cannot read at all (not JSON-shaped
 * like the API's, e.g. `spec.addresses` not a list). Configuration mistakes MetalLB would
 * report are data (ConfigError), never exceptions.
 */
export class MetallbInputError extends SpeakersimError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_METALLB_MALFORMED_INPUT', message, options);
  }
}
