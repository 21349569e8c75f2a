/**
 * Whole messages: decodeMessage (Buffer in, typed message out, never throws) and
 * encodeMessage (typed message in, Buffer out). The marker and length checks of RFC 4271 6.1
 * happen in BgpFramer for a stream, and here for a buffer that did not come through it
 * (`framed: false`, the default); the per-type length and type checks happen here always.
 */
import type { BgpMessage, CodecContext } from './types.js';
import { MessageType } from './types.js';
import { BgpWireError, encodeError, lengthError } from './errors.js';
import {
  HEADER_LENGTH,
  checkHeader,
  checkTypeLength,
  maxMessageLength,
  writeHeader,
} from './header.js';
import { decodeOpen, encodeOpen } from './open.js';
import { decodeUpdate, encodeUpdate } from './update.js';
import { decodeNotification, encodeNotification } from './notification.js';
import { decodeRouteRefresh, encodeRouteRefresh } from './route-refresh.js';
import type { FamilyNlri } from './update.js';
import { announcedRoutes } from './update.js';

export type DecodeResult =
  | {
      ok: true;
      message: BgpMessage;
      /** Errors that do not end the session (RFC 7606 treat-as-withdraw, attribute-discard;
       * problems inside a received NOTIFICATION). Empty for a clean message. */
      errors: BgpWireError[];
      /**
       * RFC 7606 2: true when an error calls for treat-as-withdraw. The UPDATE is still returned
       * as decoded, but every route it announces (`withdrawnByError`) is to be withdrawn
       * instead, and its attributes are not to be used.
       */
      treatAsWithdraw: boolean;
      withdrawnByError: FamilyNlri[];
    }
  | { ok: false; error: BgpWireError };

export interface DecodeOptions {
  /**
   * The buffer is one message as BgpFramer returned it: its marker and length were checked
   * there (RFC 4271 6.1), so they are not checked a second time. Only for framer output.
   */
  framed?: boolean;
}

/** Decodes one whole message (header included). Never throws for any input. */
export function decodeMessage(
  buf: Buffer,
  ctx: CodecContext,
  options: DecodeOptions = {},
): DecodeResult {
  const errors: BgpWireError[] = [];
  try {
    if (buf.length < HEADER_LENGTH) throw lengthError(buf.length, 'buffer shorter than a header');
    const length = options.framed ? buf.length : checkHeader(buf, 0, maxMessageLength(ctx));
    // The buffer must hold exactly the message the header announces.
    if (length !== buf.length) throw lengthError(length, `buffer holds ${buf.length} octets`);
    const type = buf[18]!;
    checkTypeLength(type, length);
    let message: BgpMessage;
    switch (type) {
      case MessageType.OPEN:
        message = decodeOpen(buf, ctx);
        break;
      case MessageType.UPDATE:
        message = decodeUpdate(buf, ctx, errors);
        break;
      case MessageType.NOTIFICATION:
        message = decodeNotification(buf, errors);
        break;
      case MessageType.KEEPALIVE:
        message = { type: 'KEEPALIVE' };
        break;
      default:
        message = decodeRouteRefresh(buf);
        break;
    }
    const treatAsWithdraw = errors.some((e) => e.handling === 'treat-as-withdraw');
    const withdrawnByError =
      treatAsWithdraw && message.type === 'UPDATE' ? announcedRoutes(message) : [];
    return { ok: true, message, errors, treatAsWithdraw, withdrawnByError };
  } catch (e) {
    // Decoders signal session-reset errors by throwing BgpWireError after explicit bounds
    // checks; anything else is a bug and must surface.
    if (e instanceof BgpWireError) return { ok: false, error: e };
    throw e;
  }
}

/** Encodes a message for the negotiated context; throws BgpEncodeError for unencodable values. */
export function encodeMessage(msg: BgpMessage, ctx: CodecContext): Buffer {
  switch (msg.type) {
    case 'OPEN':
      return encodeOpen(msg);
    case 'UPDATE':
      return encodeUpdate(msg, ctx);
    case 'NOTIFICATION':
      return encodeNotification(msg, maxMessageLength(ctx));
    case 'KEEPALIVE': {
      const buf = Buffer.allocUnsafe(HEADER_LENGTH);
      writeHeader(buf, HEADER_LENGTH, MessageType.KEEPALIVE);
      return buf;
    }
    case 'ROUTE-REFRESH':
      return encodeRouteRefresh(msg, maxMessageLength(ctx));
    default:
      throw encodeError(`unknown message type ${(msg as { type: string }).type}`);
  }
}
