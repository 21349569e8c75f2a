/**
 * The 19-octet message header (RFC 4271 4.1): 16-octet marker of all ones, 2-octet length,
 * 1-octet type; and the length rules of RFC 4271 6.1 and RFC 8654 4.
 */
import { MessageType } from './types.js';
import type { CodecContext } from './types.js';
import { lengthError, markerError, typeError } from './errors.js';

export const HEADER_LENGTH = 19;
/** RFC 4271 4.1: maximum message size without RFC 8654 extended messages. */
export const MAX_MESSAGE_LENGTH = 4096;
/** RFC 8654 4: maximum once extended messages are negotiated. */
export const MAX_EXTENDED_MESSAGE_LENGTH = 65535;

/** Largest message the negotiated state allows, for messages other than OPEN and KEEPALIVE. */
export function maxMessageLength(ctx: CodecContext): number {
  return ctx.extendedMessage ? MAX_EXTENDED_MESSAGE_LENGTH : MAX_MESSAGE_LENGTH;
}

/** Writes marker, length and type at `buf[0..19)`. */
export function writeHeader(buf: Buffer, length: number, type: number): void {
  buf.fill(0xff, 0, 16);
  buf.writeUInt16BE(length, 16);
  buf[18] = type;
}

/**
 * Checks the marker and the length field of the header at `buf[off..off+19)` (caller ensures
 * 19 octets) against `maxLength`; returns the length. Throws BgpWireError 1/1 or 1/2.
 */
export function checkHeader(buf: Buffer, off: number, maxLength: number): number {
  // RFC 4271 6.1: the marker must be all ones, else Connection Not Synchronized.
  for (let i = 0; i < 16; i++) if (buf[off + i] !== 0xff) throw markerError();
  const length = buf.readUInt16BE(off + 16);
  // RFC 4271 6.1: length below 19 or above the maximum -> Bad Message Length.
  if (length < HEADER_LENGTH) throw lengthError(length, 'shorter than the header');
  if (length > maxLength) throw lengthError(length, `longer than ${maxLength}`);
  return length;
}

/**
 * RFC 4271 6.1: per-type length bounds (OPEN >= 29, UPDATE >= 23, KEEPALIVE == 19,
 * NOTIFICATION >= 21, ROUTE-REFRESH >= 23 (RFC 2918 3)); RFC 8654 4: OPEN and KEEPALIVE never
 * exceed 4096. Throws 1/2 Bad Message Length or 1/3 Bad Message Type.
 */
export function checkTypeLength(type: number, length: number): void {
  let min: number;
  switch (type) {
    case MessageType.OPEN:
      min = 29;
      if (length > MAX_MESSAGE_LENGTH) throw lengthError(length, 'OPEN longer than 4096');
      break;
    case MessageType.UPDATE:
      min = 23;
      break;
    case MessageType.NOTIFICATION:
      min = 21;
      break;
    case MessageType.KEEPALIVE:
      if (length !== HEADER_LENGTH) throw lengthError(length, 'KEEPALIVE must be 19 octets');
      return;
    case MessageType.ROUTE_REFRESH:
      min = 23;
      break;
    default:
      throw typeError(type);
  }
  if (length < min) throw lengthError(length, `shorter than ${min}`);
}
