import { SpeakersimError } from '../core/errors.js';

/**
 * Errors the BFD layer raises to its callers (configuration, encoding, transport). Received
 * packets never raise: they are discarded and counted (see wire/discard.ts).
 */

/** A field out of its RFC 5880 4.1 range when encoding; a programming error, not wire input. */
export class BfdEncodeError extends SpeakersimError {
  constructor(message: string) {
    super('ERR_BFD_ENCODE_INVALID_FIELD', message);
  }
}

/** Session or profile parameters out of range. */
export class BfdConfigError extends SpeakersimError {
  readonly field: string;

  constructor(field: string, message: string) {
    super('ERR_BFD_CONFIG_INVALID', message);
    this.field = field;
  }
}

/**
 * RFC 5880 6.4: the Echo function is optional. speakersim does not implement it, so asking for
 * it fails loudly instead of silently running without it.
 */
export class BfdEchoNotSupportedError extends SpeakersimError {
  constructor() {
    super('ERR_BFD_ECHO_NOT_SUPPORTED', 'BFD echo mode is not implemented by speakersim');
  }
}

/** RFC 5880 6.6: Demand mode is optional; speakersim refuses to enable it locally. */
export class BfdDemandNotSupportedError extends SpeakersimError {
  constructor() {
    super('ERR_BFD_DEMAND_NOT_SUPPORTED', 'BFD demand mode is not implemented by speakersim');
  }
}

/** A second session for the same (local address, peer address, interface/VRF) key: RFC 5881 3. */
export class BfdDuplicateSessionError extends SpeakersimError {
  constructor(key: string) {
    super('ERR_BFD_SESSION_EXISTS', `a BFD session already exists for ${key}`);
  }
}

export type BfdTransportErrorCode =
  | 'ERR_BFD_TRANSPORT_CLOSED'
  | 'ERR_BFD_PORT_IN_USE'
  | 'ERR_BFD_NO_SOURCE_PORT'
  | 'ERR_BFD_BIND_FAILED'
  | 'ERR_BFD_SEND_FAILED';

export class BfdTransportError extends SpeakersimError {
  constructor(code: BfdTransportErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
