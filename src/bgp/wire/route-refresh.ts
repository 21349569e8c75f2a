/**
 * ROUTE-REFRESH (RFC 2918 3): AFI (2), reserved (1), SAFI (1); RFC 7313 3 turns the reserved
 * octet into a subtype (0 request, 1 BoRR, 2 EoRR). A normal request may carry RFC 5291 ORF
 * entries after the SAFI, kept raw. RFC 7313 5: a subtype other than 0, 1 or 2 MUST be ignored;
 * the codec still decodes it so that the session can see the subtype and drop the message.
 */
import type { RouteRefreshMessage } from './types.js';
import { MessageType } from './types.js';
import { encodeError, routeRefreshLengthError } from './errors.js';
import { HEADER_LENGTH, writeHeader } from './header.js';

export const RouteRefreshSubtype = { REQUEST: 0, BORR: 1, EORR: 2 } as const;

export function decodeRouteRefresh(msg: Buffer): RouteRefreshMessage {
  const afi = msg.readUInt16BE(19);
  const subtype = msg[21]!;
  const safi = msg[22]!;
  // RFC 7313 5: a BoRR or EoRR whose length (without header) is not 4 -> 7/1, data the message.
  if (
    (subtype === RouteRefreshSubtype.BORR || subtype === RouteRefreshSubtype.EORR) &&
    msg.length !== 23
  ) {
    throw routeRefreshLengthError(msg);
  }
  const rr: RouteRefreshMessage = { type: 'ROUTE-REFRESH', afi, safi, subtype };
  if (msg.length > 23) rr.orf = Buffer.from(msg.subarray(23));
  return rr;
}

export function encodeRouteRefresh(rr: RouteRefreshMessage, maxLength: number): Buffer {
  const orf = rr.orf ?? Buffer.alloc(0);
  // RFC 7313 5: BoRR and EoRR are exactly 4 octets after the header; only requests carry ORFs.
  if (
    orf.length > 0 &&
    (rr.subtype === RouteRefreshSubtype.BORR || rr.subtype === RouteRefreshSubtype.EORR)
  ) {
    throw encodeError('BoRR/EoRR cannot carry ORF entries');
  }
  const length = HEADER_LENGTH + 4 + orf.length;
  if (length > maxLength) throw encodeError('ROUTE-REFRESH too long');
  for (const [v, max] of [
    [rr.afi, 0xffff],
    [rr.safi, 255],
    [rr.subtype, 255],
  ] as const) {
    if (!Number.isInteger(v) || v < 0 || v > max)
      throw encodeError(`ROUTE-REFRESH field ${v} out of range`);
  }
  const buf = Buffer.allocUnsafe(length);
  writeHeader(buf, length, MessageType.ROUTE_REFRESH);
  buf.writeUInt16BE(rr.afi, 19);
  buf[21] = rr.subtype;
  buf[22] = rr.safi;
  orf.copy(buf, 23);
  return buf;
}
