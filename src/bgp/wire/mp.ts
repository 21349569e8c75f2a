/**
 * MP_REACH_NLRI and MP_UNREACH_NLRI (RFC 4760 3, 4): AFI (2), SAFI (1), next hop length (1),
 * next hop, reserved (1), NLRI / AFI, SAFI, withdrawn routes. IPv4 and IPv6 unicast and
 * multicast are interpreted; the next hop is 4 octets (IPv4), 16 (IPv6 global, or IPv6 for IPv4
 * NLRI per RFC 8950) or 32 (global + link-local, RFC 2545 3). Other families keep next hop and
 * NLRI raw.
 */
import type { CodecContext, MpReach, MpUnreach, Nlri } from './types.js';
import { AFI_IPV4, AFI_IPV6, AttrType } from './types.js';
import type { BgpWireError } from './errors.js';
import { encodeError, updateError } from './errors.js';
import { decodePrefixes, encodePrefixes } from './prefix.js';
import { formatIpv4, formatIpv6, parseIpv4, parseIpv6 } from './ip.js';

/** Families whose NLRI are plain prefixes: IPv4/IPv6 with SAFI 1 (unicast) or 2 (multicast). */
export function isPrefixFamily(afi: number, safi: number): boolean {
  return (afi === AFI_IPV4 || afi === AFI_IPV6) && (safi === 1 || safi === 2);
}

export function familyKey(afi: number, safi: number): string {
  return `${afi}/${safi}`;
}

function mpMalformed(type: number, why: string, attr: Buffer): BgpWireError {
  // RFC 7606 7.11 / 5.3: an MP attribute we cannot parse hides which routes it carries:
  // session reset (3/9 Optional Attribute Error, data the attribute).
  return updateError('ERR_BGP_OPTIONAL_ATTR', why, 'session-reset', Buffer.from(attr), type);
}

/**
 * Decodes the MP_REACH_NLRI value `buf[s..e)`. A next hop whose length does not fit the family
 * is pushed to `errors` as treat-as-withdraw (RFC 7606 7.11) and the NLRI are still returned,
 * so that they can be withdrawn. Throws for a structure that cannot be parsed.
 */
export function decodeMpReach(
  buf: Buffer,
  s: number,
  e: number,
  attr: Buffer,
  ctx: CodecContext,
  errors: BgpWireError[],
): MpReach {
  if (e - s < 5)
    throw mpMalformed(AttrType.MP_REACH_NLRI, 'MP_REACH_NLRI shorter than 5 octets', attr);
  const afi = buf.readUInt16BE(s);
  const safi = buf[s + 2]!;
  const nhLen = buf[s + 3]!;
  const nhStart = s + 4;
  // RFC 4760 3: the reserved octet after the next hop is ignored on receipt.
  if (nhStart + nhLen + 1 > e) {
    throw mpMalformed(
      AttrType.MP_REACH_NLRI,
      'MP_REACH_NLRI next hop runs past the attribute',
      attr,
    );
  }
  const nlriStart = nhStart + nhLen + 1;
  if (!isPrefixFamily(afi, safi)) {
    return {
      afi,
      safi,
      nextHops: [],
      nlri: [],
      rawNextHop: Buffer.from(buf.subarray(nhStart, nhStart + nhLen)),
      rawNlri: Buffer.from(buf.subarray(nlriStart, e)),
    };
  }
  const nextHops: string[] = [];
  if (nhLen === 4 && afi === AFI_IPV4) nextHops.push(formatIpv4(buf, nhStart));
  else if (nhLen === 16) nextHops.push(formatIpv6(buf, nhStart));
  else if (nhLen === 32) nextHops.push(formatIpv6(buf, nhStart), formatIpv6(buf, nhStart + 16));
  else {
    errors.push(
      updateError(
        'ERR_BGP_OPTIONAL_ATTR',
        `next hop length ${nhLen} does not fit AFI ${afi}`,
        'treat-as-withdraw',
        Buffer.from(attr),
        AttrType.MP_REACH_NLRI,
      ),
    );
  }
  const nlri: Nlri[] = [];
  decodePrefixes(
    buf,
    nlriStart,
    e,
    afi,
    ctx.addPathReceive?.has(familyKey(afi, safi)) ?? false,
    nlri,
  );
  return { afi, safi, nextHops, nlri };
}

export function decodeMpUnreach(
  buf: Buffer,
  s: number,
  e: number,
  attr: Buffer,
  ctx: CodecContext,
): MpUnreach {
  if (e - s < 3)
    throw mpMalformed(AttrType.MP_UNREACH_NLRI, 'MP_UNREACH_NLRI shorter than 3 octets', attr);
  const afi = buf.readUInt16BE(s);
  const safi = buf[s + 2]!;
  if (!isPrefixFamily(afi, safi)) {
    return { afi, safi, withdrawn: [], rawWithdrawn: Buffer.from(buf.subarray(s + 3, e)) };
  }
  const withdrawn: Nlri[] = [];
  decodePrefixes(
    buf,
    s + 3,
    e,
    afi,
    ctx.addPathReceive?.has(familyKey(afi, safi)) ?? false,
    withdrawn,
  );
  return { afi, safi, withdrawn };
}

function family(afi: number, safi: number): Buffer {
  if (
    !Number.isInteger(afi) ||
    afi < 0 ||
    afi > 0xffff ||
    !Number.isInteger(safi) ||
    safi < 0 ||
    safi > 255
  ) {
    throw encodeError(`family ${afi}/${safi} out of range`);
  }
  const b = Buffer.alloc(3);
  b.writeUInt16BE(afi, 0);
  b[2] = safi;
  return b;
}

/** Next hop octets: each address as 4 (dotted quad) or 16 octets. */
export function encodeNextHops(nextHops: readonly string[]): Buffer {
  const parts = nextHops.map((nh) => {
    const b = nh.includes(':') ? parseIpv6(nh) : parseIpv4(nh);
    if (!b) throw encodeError(`next hop ${nh} is not an address`);
    return b;
  });
  return Buffer.concat(parts);
}

/** AFI, SAFI, next hop length, next hop, reserved: the part of MP_REACH_NLRI before the NLRI. */
export function encodeMpReachHead(mp: MpReach): Buffer {
  const nh = mp.rawNextHop ?? encodeNextHops(mp.nextHops);
  if (nh.length > 255) throw encodeError('next hop longer than 255 octets');
  return Buffer.concat([family(mp.afi, mp.safi), Buffer.from([nh.length]), nh, Buffer.from([0])]);
}

export function encodeMpReachValue(mp: MpReach, ctx: CodecContext): Buffer {
  const nlri =
    mp.rawNlri ??
    encodePrefixes(mp.nlri, mp.afi, ctx.addPathSend?.has(familyKey(mp.afi, mp.safi)) ?? false);
  return Buffer.concat([encodeMpReachHead(mp), nlri]);
}

export function encodeMpUnreachValue(mp: MpUnreach, ctx: CodecContext): Buffer {
  const w =
    mp.rawWithdrawn ??
    encodePrefixes(mp.withdrawn, mp.afi, ctx.addPathSend?.has(familyKey(mp.afi, mp.safi)) ?? false);
  return Buffer.concat([family(mp.afi, mp.safi), w]);
}
