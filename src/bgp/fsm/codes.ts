/**
 * NOTIFICATION error codes and subcodes the FSM sends or reacts to. Numbers are the IANA
 * "BGP Error (Notification) Codes" registry values; names follow the RFC that defines each.
 */

/** RFC 4271 4.5 error codes. */
export const ErrorCode = {
  MESSAGE_HEADER: 1,
  OPEN_MESSAGE: 2,
  UPDATE_MESSAGE: 3,
  HOLD_TIMER_EXPIRED: 4,
  FSM: 5,
  CEASE: 6,
} as const;

/** RFC 4271 6.2 (plus RFC 5492 3 for 7) OPEN Message Error subcodes. */
export const OpenErrorSubcode = {
  UNSUPPORTED_VERSION_NUMBER: 1,
  BAD_PEER_AS: 2,
  BAD_BGP_IDENTIFIER: 3,
  UNSUPPORTED_OPTIONAL_PARAMETER: 4,
  UNACCEPTABLE_HOLD_TIME: 6,
  UNSUPPORTED_CAPABILITY: 7,
} as const;

/** RFC 6608 3: Finite State Machine Error subcodes, one per state that can send them. */
export const FsmErrorSubcode = {
  UNSPECIFIED: 0,
  OPEN_SENT: 1,
  OPEN_CONFIRM: 2,
  ESTABLISHED: 3,
} as const;

/** Cease subcodes (RFC 4486, RFC 8538, RFC 9384): one table, the codec's. */
export { CeaseSubcode } from '../wire/notification-names.js';

/** RFC 4271 4.2: the only BGP version this speaker implements. */
export const BGP_VERSION = 4;

/** RFC 6793 (IANA-reserved AS 23456): AS_TRANS, put in 2-octet AS fields when the real ASN needs 4 octets. */
export const AS_TRANS = 23456;
