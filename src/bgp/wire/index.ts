/**
 * BGP-4 wire codec: pure functions from Buffer to typed message and back (RFC 4271 4),
 * with the negotiated session state passed in an explicit CodecContext.
 *
 * Covered: header and framing (RFC 4271 4.1, RFC 8654 extended messages), OPEN with optional
 * parameters (RFC 9072) and capabilities (RFC 5492: 4760, 2918, 7313, 6793, 4724/8538, 8654,
 * 9234, 7911, hostname), UPDATE with the RFC 4271 attributes, communities (RFC 1997, 4360,
 * 8092), route reflection (RFC 4456), MP_REACH/MP_UNREACH (RFC 4760, 2545, 8950), AS4_PATH
 * merging (RFC 6793), ADD-PATH (RFC 7911), End-of-RIB (RFC 4724), NOTIFICATION (RFC 4271,
 * 4486, 8538, 9384, 9003), KEEPALIVE and ROUTE-REFRESH (RFC 2918, 7313).
 *
 * Data flow: bytes from the transport -> BgpFramer.push (whole message buffers, marker and
 * length checked) -> decodeMessage(buf, ctx, { framed: true }) (not checked again) ->
 * { ok, message, errors, treatAsWithdraw, withdrawnByError } or { ok: false, error }.
 * A failed decode carries a BgpWireError; notificationFor(error) is the NOTIFICATION to send
 * when error.sendNotification is true, and error.handling is its RFC 7606 handling.
 * Outbound: encodeMessage(msg, ctx) for single messages, encodeUpdates(batch, ctx) to pack
 * many prefixes into as few UPDATEs as the maximum message length allows.
 *
 * Files: header.ts framer.ts message.ts open.ts capabilities.ts update.ts; attributes/ (one
 * descriptor per path attribute: flags, RFC 7606 handling, decode, encode, key; the registry)
 * as-path.ts mp.ts prefix.ts ip.ts communities.ts notification.ts notification-names.ts
 * route-refresh.ts pack.ts errors.ts; types.ts holds the message model.
 */
export * from './types.js';
export { BgpWireError, BgpEncodeError, ErrorCode } from './errors.js';
export type { BgpWireErrorCode, ErrorHandling } from './errors.js';
export { BgpFramer } from './framer.js';
export type { FramerOutput, FramerState } from './framer.js';
export {
  HEADER_LENGTH,
  MAX_MESSAGE_LENGTH,
  MAX_EXTENDED_MESSAGE_LENGTH,
  maxMessageLength,
} from './header.js';
export { decodeMessage, encodeMessage } from './message.js';
export type { DecodeOptions, DecodeResult } from './message.js';
export { validateOpen, BGP_VERSION } from './open.js';
export type { OpenExpectation } from './open.js';
export { CapabilityCode } from './capabilities.js';
export {
  isEndOfRib,
  endOfRib,
  endOfRibFamily,
  announcedRoutes,
  withdrawnRoutes,
} from './update.js';
export type { FamilyNlri } from './update.js';
export {
  ATTRIBUTES,
  attributeDescriptor,
  attributeKeyParts,
  attributesForReadvertise,
} from './attributes/index.js';
export type { AttributeDescriptor } from './attributes/index.js';
export { AS_TRANS, formatAsPath, asPathCount } from './as-path.js';
export { familyKey } from './mp.js';
export { notificationFor, shutdownNotification } from './notification.js';
export {
  CeaseSubcode,
  FsmErrorSubcode,
  HeaderErrorSubcode,
  OpenErrorSubcode,
  RouteRefreshErrorSubcode,
  UpdateErrorSubcode,
  ERROR_CODE_NAMES,
  ERROR_SUBCODE_NAMES,
  describeNotification,
} from './notification-names.js';
export { RouteRefreshSubtype } from './route-refresh.js';
export { encodeUpdates, updateMessages } from './pack.js';
export type { UpdateBatch } from './pack.js';
export {
  WellKnownCommunity,
  CommunityParseError,
  parseCommunity,
  formatCommunity,
  parseLargeCommunity,
  formatLargeCommunity,
  parseExtendedCommunity,
  formatExtendedCommunity,
} from './communities.js';
export type { WellKnownCommunityName } from './communities.js';
export { formatIpv4, formatIpv6, parseIpv4, parseIpv6 } from './ip.js';
