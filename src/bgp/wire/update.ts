/**
 * UPDATE message (RFC 4271 4.3): withdrawn routes length (2), withdrawn routes, total path
 * attribute length (2), path attributes, NLRI. IPv4 unicast routes travel in the two prefix
 * fields; every other family in MP_REACH_NLRI / MP_UNREACH_NLRI (RFC 4760).
 * Also End-of-RIB markers (RFC 4724 2) and the RFC 7606 treat-as-withdraw view of an UPDATE.
 */
import type { AfiSafi, CodecContext, Nlri, UpdateMessage } from './types.js';
import { AFI_IPV4, AttrType, MessageType, SAFI_UNICAST } from './types.js';
import type { BgpWireError } from './errors.js';
import { BgpEncodeError, updateError } from './errors.js';
import { decodePrefixes, encodePrefixes } from './prefix.js';
import { decodeAttributes } from './attributes/index.js';
import { encodeAttributes } from './attributes/index.js';
import { HEADER_LENGTH, maxMessageLength, writeHeader } from './header.js';

const IPV4_UNICAST = '1/1';

/**
 * Decodes the UPDATE `msg` (whole message, header checked). Session-reset errors are thrown;
 * treat-as-withdraw and attribute-discard errors are pushed to `errors`.
 */
export function decodeUpdate(
  msg: Buffer,
  ctx: CodecContext,
  errors: BgpWireError[],
): UpdateMessage {
  const end = msg.length;
  const withdrawnLength = msg.readUInt16BE(HEADER_LENGTH);
  const withdrawnStart = HEADER_LENGTH + 2;
  const withdrawnEnd = withdrawnStart + withdrawnLength;
  // RFC 4271 6.3 / RFC 7606 5.? : field lengths that overrun the message -> 3/1 Malformed
  // Attribute List; nothing in the message can be trusted, so the session is reset.
  if (withdrawnEnd + 2 > end) {
    throw updateError(
      'ERR_BGP_ATTR_LIST',
      'withdrawn routes length overruns the message',
      'session-reset',
    );
  }
  const attrLength = msg.readUInt16BE(withdrawnEnd);
  const attrStart = withdrawnEnd + 2;
  const attrEnd = attrStart + attrLength;
  if (attrEnd > end) {
    throw updateError(
      'ERR_BGP_ATTR_LIST',
      'total path attribute length overruns the message',
      'session-reset',
    );
  }
  const withdrawn: Nlri[] = [];
  decodePrefixes(
    msg,
    withdrawnStart,
    withdrawnEnd,
    AFI_IPV4,
    ctx.addPathReceive?.has(IPV4_UNICAST) ?? false,
    withdrawn,
  );
  const { attributes, seen } = decodeAttributes(msg, attrStart, attrEnd, ctx, errors);
  const nlri: Nlri[] = [];
  decodePrefixes(msg, attrEnd, end, AFI_IPV4, ctx.addPathReceive?.has(IPV4_UNICAST) ?? false, nlri);

  // RFC 4271 6.3 / RFC 7606 3(d): routes announced without a well-known mandatory attribute ->
  // 3/3 Missing Well-known Attribute, data the type code, handled as treat-as-withdraw.
  // NEXT_HOP is only mandatory for the NLRI field (RFC 4760 3: MP_REACH carries its own).
  const mp = attributes.mpReach;
  const announcesMp = mp !== undefined && (mp.nlri.length > 0 || (mp.rawNlri?.length ?? 0) > 0);
  if (nlri.length > 0 || announcesMp) {
    const mandatory =
      nlri.length > 0
        ? [AttrType.ORIGIN, AttrType.AS_PATH, AttrType.NEXT_HOP]
        : [AttrType.ORIGIN, AttrType.AS_PATH];
    for (const t of mandatory) {
      if (!seen[t]) {
        errors.push(
          updateError(
            'ERR_BGP_ATTR_MISSING',
            `missing well-known attribute ${t}`,
            'treat-as-withdraw',
            Buffer.from([t]),
            t,
          ),
        );
      }
    }
  }
  // RFC 4271 6.3: a NEXT_HOP that is not a unicast host address -> 3/8 Invalid NEXT_HOP, data
  // the attribute; RFC 7606 7.3: treat-as-withdraw. RFC 4760 3: without IPv4 NLRI the NEXT_HOP
  // is ignored, so it is only judged when the NLRI field uses it.
  if (nlri.length > 0 && attributes.nextHop !== undefined && !isUnicastIpv4(attributes.nextHop)) {
    const attr = Buffer.from([
      0x40,
      AttrType.NEXT_HOP,
      4,
      ...attributes.nextHop.split('.').map(Number),
    ]);
    errors.push(
      updateError(
        'ERR_BGP_NEXT_HOP',
        'NEXT_HOP is not a unicast address',
        'treat-as-withdraw',
        attr,
        AttrType.NEXT_HOP,
      ),
    );
  }
  return { type: 'UPDATE', withdrawn, attributes, nlri };
}

/** Not 0.0.0.0/8, not multicast or class E (224/3), not the limited broadcast. */
function isUnicastIpv4(address: string): boolean {
  const first = Number(address.slice(0, address.indexOf('.')));
  return first !== 0 && first < 224;
}

/** Encodes one UPDATE; throws BgpEncodeError when it exceeds the negotiated maximum length. */
export function encodeUpdate(update: UpdateMessage, ctx: CodecContext): Buffer {
  const addPath = ctx.addPathSend?.has(IPV4_UNICAST) ?? false;
  const withdrawn = encodePrefixes(update.withdrawn, AFI_IPV4, addPath);
  const attrs = encodeAttributes(update.attributes, ctx);
  const nlri = encodePrefixes(update.nlri, AFI_IPV4, addPath);
  const length = HEADER_LENGTH + 4 + withdrawn.length + attrs.length + nlri.length;
  if (length > maxMessageLength(ctx)) {
    throw new BgpEncodeError(
      'ERR_BGP_ENCODE_TOO_LONG',
      `UPDATE of ${length} octets exceeds ${maxMessageLength(ctx)}`,
    );
  }
  const buf = Buffer.allocUnsafe(length);
  writeHeader(buf, length, MessageType.UPDATE);
  let p = HEADER_LENGTH;
  buf.writeUInt16BE(withdrawn.length, p);
  withdrawn.copy(buf, p + 2);
  p += 2 + withdrawn.length;
  buf.writeUInt16BE(attrs.length, p);
  attrs.copy(buf, p + 2);
  p += 2 + attrs.length;
  nlri.copy(buf, p);
  return buf;
}

function hasOnlyMpUnreach(update: UpdateMessage): boolean {
  for (const [k, v] of Object.entries(update.attributes))
    if (v !== undefined && k !== 'mpUnreach') return false;
  return true;
}

/**
 * RFC 4724 2: the End-of-RIB family of `update`, or undefined. IPv4 unicast: an UPDATE with no
 * withdrawn routes, no attributes and no NLRI; other families: an UPDATE whose only attribute
 * is an MP_UNREACH_NLRI with no withdrawn routes.
 */
export function endOfRibFamily(update: UpdateMessage): AfiSafi | undefined {
  if (update.withdrawn.length > 0 || update.nlri.length > 0 || !hasOnlyMpUnreach(update))
    return undefined;
  const mp = update.attributes.mpUnreach;
  if (mp === undefined) return { afi: AFI_IPV4, safi: SAFI_UNICAST };
  if (mp.withdrawn.length === 0 && (mp.rawWithdrawn?.length ?? 0) === 0)
    return { afi: mp.afi, safi: mp.safi };
  return undefined;
}

export function isEndOfRib(update: UpdateMessage): boolean {
  return endOfRibFamily(update) !== undefined;
}

/** The End-of-RIB marker of a family (RFC 4724 2). */
export function endOfRib(afi: number, safi: number): UpdateMessage {
  if (afi === AFI_IPV4 && safi === SAFI_UNICAST)
    return { type: 'UPDATE', withdrawn: [], attributes: {}, nlri: [] };
  return {
    type: 'UPDATE',
    withdrawn: [],
    attributes: { mpUnreach: { afi, safi, withdrawn: [] } },
    nlri: [],
  };
}

/** Routes of one family. */
export interface FamilyNlri extends AfiSafi {
  nlri: Nlri[];
}

/**
 * Every route `update` announces, per family: what RFC 7606 2 treat-as-withdraw turns into
 * withdrawals. Families kept raw (not interpreted) cannot be listed and are left out.
 */
export function announcedRoutes(update: UpdateMessage): FamilyNlri[] {
  const out: FamilyNlri[] = [];
  if (update.nlri.length > 0) out.push({ afi: AFI_IPV4, safi: SAFI_UNICAST, nlri: update.nlri });
  const mp = update.attributes.mpReach;
  if (mp && mp.nlri.length > 0) out.push({ afi: mp.afi, safi: mp.safi, nlri: mp.nlri });
  return out;
}

/** Every route `update` withdraws, per family. */
export function withdrawnRoutes(update: UpdateMessage): FamilyNlri[] {
  const out: FamilyNlri[] = [];
  if (update.withdrawn.length > 0)
    out.push({ afi: AFI_IPV4, safi: SAFI_UNICAST, nlri: update.withdrawn });
  const mp = update.attributes.mpUnreach;
  if (mp && mp.withdrawn.length > 0) out.push({ afi: mp.afi, safi: mp.safi, nlri: mp.withdrawn });
  return out;
}
