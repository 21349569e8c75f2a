/**
 * NOTIFICATION (RFC 4271 4.5): error code (1), subcode (1), data. For Cease / Administrative
 * Shutdown and Administrative Reset the data may be a shutdown communication (RFC 9003 2:
 * length octet, then up to 255 octets of UTF-8); for Cease / Hard Reset (RFC 8538 3) it wraps
 * the error code, subcode and data of the underlying error.
 */
import { isUtf8 } from 'node:buffer';
import type { NotificationMessage } from './types.js';
import { MessageType } from './types.js';
import type { BgpWireError } from './errors.js';
import { encodeError, notificationDataError } from './errors.js';
import { CeaseSubcode } from './notification-names.js';
import { HEADER_LENGTH, writeHeader } from './header.js';

const CEASE = 6;

function decodeUtf8(b: Buffer): string | undefined {
  return isUtf8(b) ? b.toString('utf8') : undefined;
}

/** Decodes the NOTIFICATION `msg`; problems in its data go to `errors` (never answered). */
export function decodeNotification(msg: Buffer, errors: BgpWireError[]): NotificationMessage {
  const code = msg[19]!;
  const subcode = msg[20]!;
  const data = Buffer.from(msg.subarray(21));
  const n: NotificationMessage = { type: 'NOTIFICATION', code, subcode, data };
  if (
    code === CEASE &&
    (subcode === CeaseSubcode.ADMINISTRATIVE_SHUTDOWN ||
      subcode === CeaseSubcode.ADMINISTRATIVE_RESET)
  ) {
    if (data.length > 0) {
      const len = data[0]!;
      // RFC 9003 2: a bad length or invalid UTF-8 is logged; the NOTIFICATION still stands.
      const text = 1 + len <= data.length ? decodeUtf8(data.subarray(1, 1 + len)) : undefined;
      if (text === undefined) {
        errors.push(
          notificationDataError(
            'ERR_BGP_SHUTDOWN_COMMUNICATION',
            'invalid shutdown communication',
            code,
            subcode,
          ),
        );
      } else n.shutdownCommunication = text;
    }
  } else if (code === CEASE && subcode === CeaseSubcode.HARD_RESET) {
    // RFC 8538 3: the data holds the error code and subcode of the wrapped error, then its data.
    if (data.length >= 2)
      n.hardReset = { code: data[0]!, subcode: data[1]!, data: Buffer.from(data.subarray(2)) };
    else
      errors.push(
        notificationDataError(
          'ERR_BGP_HARD_RESET_DATA',
          'Hard Reset without an inner error',
          code,
          subcode,
        ),
      );
  }
  return n;
}

/**
 * The data field to send: `data` when given; otherwise built from `shutdownCommunication`
 * (RFC 9003 2) or `hardReset` (RFC 8538 3).
 */
function notificationData(n: NotificationMessage): Buffer {
  if (n.data.length > 0) return n.data;
  if (n.shutdownCommunication !== undefined) {
    const text = Buffer.from(n.shutdownCommunication, 'utf8');
    if (text.length > 255) throw encodeError('shutdown communication longer than 255 octets');
    return Buffer.concat([Buffer.from([text.length]), text]);
  }
  if (n.hardReset !== undefined) {
    return Buffer.concat([
      Buffer.from([n.hardReset.code & 0xff, n.hardReset.subcode & 0xff]),
      n.hardReset.data,
    ]);
  }
  return n.data;
}

export function encodeNotification(n: NotificationMessage, maxLength: number): Buffer {
  const data = notificationData(n);
  const length = HEADER_LENGTH + 2 + data.length;
  if (length > maxLength) throw encodeError(`NOTIFICATION longer than ${maxLength}`);
  for (const v of [n.code, n.subcode]) {
    if (!Number.isInteger(v) || v < 0 || v > 255) throw encodeError(`error code ${v} out of range`);
  }
  const buf = Buffer.allocUnsafe(length);
  writeHeader(buf, length, MessageType.NOTIFICATION);
  buf[19] = n.code;
  buf[20] = n.subcode;
  data.copy(buf, 21);
  return buf;
}

/**
 * The NOTIFICATION a BgpWireError causes (RFC 4271 6.1-6.3 code, subcode and data). Send it
 * only when `error.sendNotification` is true: treat-as-withdraw and attribute-discard errors
 * keep the session (RFC 7606 2), and errors inside a received NOTIFICATION are never answered.
 */
export function notificationFor(error: BgpWireError): NotificationMessage {
  return {
    type: 'NOTIFICATION',
    code: error.notifyCode,
    subcode: error.notifySubcode,
    data: Buffer.from(error.data),
  };
}

/** Cease / Administrative Shutdown with an RFC 9003 shutdown communication. */
export function shutdownNotification(
  text: string,
  subcode: number = CeaseSubcode.ADMINISTRATIVE_SHUTDOWN,
): NotificationMessage {
  return {
    type: 'NOTIFICATION',
    code: CEASE,
    subcode,
    data: Buffer.alloc(0),
    shutdownCommunication: text,
  };
}
