import { SpeakersimError } from '../../core/errors.js';
import {
  ErrorCode,
  HeaderErrorSubcode,
  OpenErrorSubcode,
  RouteRefreshErrorSubcode,
  UpdateErrorSubcode,
} from './notification-names.js';

/**
 * How RFC 7606 says a malformed UPDATE (or any other bad input) is to be handled.
 * - session-reset: send the NOTIFICATION (see `notificationFor`) and close the session;
 * - treat-as-withdraw: keep the session, withdraw every route the UPDATE carries (RFC 7606 2);
 * - attribute-discard: keep the UPDATE, drop the offending attribute (RFC 7606 2);
 * - afi-safi-disable: stop exchanging the family (RFC 4760 7), offered by RFC 7606 as an
 *   alternative to session reset for MP_REACH/MP_UNREACH errors.
 */
export type ErrorHandling =
  'session-reset' | 'treat-as-withdraw' | 'attribute-discard' | 'afi-safi-disable';

export { ErrorCode } from './notification-names.js';

/** Stable error codes of the codec; tests and callers branch on these. */
export type BgpWireErrorCode =
  | 'ERR_BGP_MARKER'
  | 'ERR_BGP_MESSAGE_LENGTH'
  | 'ERR_BGP_MESSAGE_TYPE'
  | 'ERR_BGP_OPEN_VERSION'
  | 'ERR_BGP_PEER_AS'
  | 'ERR_BGP_IDENTIFIER'
  | 'ERR_BGP_OPTIONAL_PARAMETER'
  | 'ERR_BGP_OPEN_MALFORMED'
  | 'ERR_BGP_CAPABILITY_LENGTH'
  | 'ERR_BGP_HOLD_TIME'
  | 'ERR_BGP_UNSUPPORTED_CAPABILITY'
  | 'ERR_BGP_ROLE_MISMATCH'
  | 'ERR_BGP_ATTR_LIST'
  | 'ERR_BGP_ATTR_UNRECOGNIZED_WELL_KNOWN'
  | 'ERR_BGP_ATTR_MISSING'
  | 'ERR_BGP_ATTR_FLAGS'
  | 'ERR_BGP_ATTR_LENGTH'
  | 'ERR_BGP_ATTR_DUPLICATE'
  | 'ERR_BGP_ORIGIN'
  | 'ERR_BGP_NEXT_HOP'
  | 'ERR_BGP_OPTIONAL_ATTR'
  | 'ERR_BGP_NETWORK_FIELD'
  | 'ERR_BGP_AS_PATH'
  | 'ERR_BGP_AS4_ATTR'
  | 'ERR_BGP_SHUTDOWN_COMMUNICATION'
  | 'ERR_BGP_HARD_RESET_DATA'
  | 'ERR_BGP_ROUTE_REFRESH_LENGTH';

export interface BgpWireErrorInit {
  /** NOTIFICATION error code and subcode this error causes (RFC 4271 6). */
  notifyCode: number;
  notifySubcode: number;
  /** NOTIFICATION data as RFC 4271 6.1-6.3 prescribe for this error. */
  data?: Buffer;
  handling: ErrorHandling;
  /** Path attribute type code concerned, for UPDATE errors. */
  attributeType?: number;
  /**
   * False for errors found in a received NOTIFICATION: RFC 4271 6.4 forbids answering a
   * NOTIFICATION with one, the session is closing anyway.
   */
  notify?: boolean;
}

/**
 * Every malformed input the codec meets becomes a BgpWireError: a stable `code`, the
 * NOTIFICATION it causes, and its RFC 7606 handling.
 */
export class BgpWireError extends SpeakersimError {
  declare readonly code: BgpWireErrorCode;
  readonly notifyCode: number;
  readonly notifySubcode: number;
  readonly data: Buffer;
  readonly handling: ErrorHandling;
  readonly attributeType: number | undefined;
  /** True when the session must send `notificationFor(this)` and close. */
  readonly sendNotification: boolean;

  constructor(code: BgpWireErrorCode, message: string, init: BgpWireErrorInit) {
    super(code, message);
    this.notifyCode = init.notifyCode;
    this.notifySubcode = init.notifySubcode;
    this.data = init.data ?? Buffer.alloc(0);
    this.handling = init.handling;
    this.attributeType = init.attributeType;
    this.sendNotification = init.handling === 'session-reset' && init.notify !== false;
  }
}

/** Our own model could not be put on the wire (a value out of range, a message too long). */
export class BgpEncodeError extends SpeakersimError {
  declare readonly code: 'ERR_BGP_ENCODE_VALUE' | 'ERR_BGP_ENCODE_TOO_LONG';
  constructor(code: 'ERR_BGP_ENCODE_VALUE' | 'ERR_BGP_ENCODE_TOO_LONG', message: string) {
    super(code, message);
  }
}

export function encodeError(message: string): BgpEncodeError {
  return new BgpEncodeError('ERR_BGP_ENCODE_VALUE', message);
}

// ---------------------------------------------------------------------------------------------
// Factories: one place that knows which NOTIFICATION and which handling each error gets.

function u16(value: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(value & 0xffff, 0);
  return b;
}

/** RFC 4271 6.1: marker not all ones -> 1/1 Connection Not Synchronized. */
export function markerError(): BgpWireError {
  return new BgpWireError('ERR_BGP_MARKER', 'BGP header marker is not all ones', {
    notifyCode: ErrorCode.MESSAGE_HEADER,
    notifySubcode: HeaderErrorSubcode.CONNECTION_NOT_SYNCHRONIZED,
    handling: 'session-reset',
  });
}

/** RFC 4271 6.1: bad length -> 1/2 Bad Message Length, data is the erroneous length field. */
export function lengthError(length: number, why: string): BgpWireError {
  return new BgpWireError('ERR_BGP_MESSAGE_LENGTH', `bad message length ${length}: ${why}`, {
    notifyCode: ErrorCode.MESSAGE_HEADER,
    notifySubcode: HeaderErrorSubcode.BAD_MESSAGE_LENGTH,
    data: u16(length),
    handling: 'session-reset',
  });
}

/** RFC 4271 6.1: unknown type -> 1/3 Bad Message Type, data is the erroneous type field. */
export function typeError(type: number): BgpWireError {
  return new BgpWireError('ERR_BGP_MESSAGE_TYPE', `bad message type ${type}`, {
    notifyCode: ErrorCode.MESSAGE_HEADER,
    notifySubcode: HeaderErrorSubcode.BAD_MESSAGE_TYPE,
    data: Buffer.from([type & 0xff]),
    handling: 'session-reset',
  });
}

const OPEN_SUBCODE: Partial<Record<BgpWireErrorCode, number>> = {
  ERR_BGP_OPEN_MALFORMED: OpenErrorSubcode.UNSPECIFIC,
  ERR_BGP_CAPABILITY_LENGTH: OpenErrorSubcode.UNSPECIFIC,
  ERR_BGP_OPEN_VERSION: OpenErrorSubcode.UNSUPPORTED_VERSION_NUMBER,
  ERR_BGP_PEER_AS: OpenErrorSubcode.BAD_PEER_AS,
  ERR_BGP_IDENTIFIER: OpenErrorSubcode.BAD_BGP_IDENTIFIER,
  ERR_BGP_OPTIONAL_PARAMETER: OpenErrorSubcode.UNSUPPORTED_OPTIONAL_PARAMETER,
  ERR_BGP_HOLD_TIME: OpenErrorSubcode.UNACCEPTABLE_HOLD_TIME,
  ERR_BGP_UNSUPPORTED_CAPABILITY: OpenErrorSubcode.UNSUPPORTED_CAPABILITY,
  ERR_BGP_ROLE_MISMATCH: OpenErrorSubcode.ROLE_MISMATCH,
};

/** RFC 4271 6.2 OPEN message errors (code 2); always a session reset. */
export function openError(code: BgpWireErrorCode, message: string, data?: Buffer): BgpWireError {
  return new BgpWireError(code, message, {
    notifyCode: ErrorCode.OPEN_MESSAGE,
    notifySubcode: OPEN_SUBCODE[code] ?? 0,
    data,
    handling: 'session-reset',
  });
}

const UPDATE_SUBCODE: Partial<Record<BgpWireErrorCode, number>> = {
  ERR_BGP_ATTR_LIST: UpdateErrorSubcode.MALFORMED_ATTRIBUTE_LIST,
  ERR_BGP_ATTR_DUPLICATE: UpdateErrorSubcode.MALFORMED_ATTRIBUTE_LIST,
  ERR_BGP_ATTR_UNRECOGNIZED_WELL_KNOWN: UpdateErrorSubcode.UNRECOGNIZED_WELL_KNOWN_ATTRIBUTE,
  ERR_BGP_ATTR_MISSING: UpdateErrorSubcode.MISSING_WELL_KNOWN_ATTRIBUTE,
  ERR_BGP_ATTR_FLAGS: UpdateErrorSubcode.ATTRIBUTE_FLAGS_ERROR,
  ERR_BGP_ATTR_LENGTH: UpdateErrorSubcode.ATTRIBUTE_LENGTH_ERROR,
  ERR_BGP_ORIGIN: UpdateErrorSubcode.INVALID_ORIGIN,
  ERR_BGP_NEXT_HOP: UpdateErrorSubcode.INVALID_NEXT_HOP,
  ERR_BGP_OPTIONAL_ATTR: UpdateErrorSubcode.OPTIONAL_ATTRIBUTE_ERROR,
  ERR_BGP_AS4_ATTR: UpdateErrorSubcode.OPTIONAL_ATTRIBUTE_ERROR,
  ERR_BGP_NETWORK_FIELD: UpdateErrorSubcode.INVALID_NETWORK_FIELD,
  ERR_BGP_AS_PATH: UpdateErrorSubcode.MALFORMED_AS_PATH,
};

/** RFC 4271 6.3 UPDATE message errors (code 3), with their RFC 7606 handling. */
export function updateError(
  code: BgpWireErrorCode,
  message: string,
  handling: ErrorHandling,
  data?: Buffer,
  attributeType?: number,
): BgpWireError {
  return new BgpWireError(code, message, {
    notifyCode: ErrorCode.UPDATE_MESSAGE,
    notifySubcode: UPDATE_SUBCODE[code] ?? 0,
    data,
    handling,
    attributeType,
  });
}

/** Problems inside a received NOTIFICATION: logged, never answered (RFC 4271 6.4, RFC 9003 2). */
export function notificationDataError(
  code: 'ERR_BGP_SHUTDOWN_COMMUNICATION' | 'ERR_BGP_HARD_RESET_DATA',
  message: string,
  notifyCode: number,
  notifySubcode: number,
): BgpWireError {
  return new BgpWireError(code, message, {
    notifyCode,
    notifySubcode,
    handling: 'session-reset',
    notify: false,
  });
}

/** RFC 7313 5: ROUTE-REFRESH of bad length -> 7/1 Invalid Message Length, data the message. */
export function routeRefreshLengthError(message: Buffer): BgpWireError {
  return new BgpWireError('ERR_BGP_ROUTE_REFRESH_LENGTH', 'bad ROUTE-REFRESH length', {
    notifyCode: ErrorCode.ROUTE_REFRESH,
    notifySubcode: RouteRefreshErrorSubcode.INVALID_MESSAGE_LENGTH,
    data: Buffer.from(message),
    handling: 'session-reset',
  });
}
