/**
 * NOTIFICATION error codes and subcodes the FSM sends or reacts to. Numbers are the IANA
 * "BGP Error (Notification) Codes" registry values; names follow the RFC that defines each.
 */

/** The NOTIFICATION code table is the codec's (one table for both). */
export {
  CeaseSubcode,
  ErrorCode,
  FsmErrorSubcode,
  OpenErrorSubcode,
} from '../wire/notification-names.js';

/** RFC 4271 4.2: the only BGP version this speaker implements. */
export const BGP_VERSION = 4;

/** RFC 6793 (IANA-reserved AS 23456): AS_TRANS, put in 2-octet AS fields when the real ASN needs 4 octets. */
export const AS_TRANS = 23456;
