/**
 * IPv6 neighbor discovery's two address-resolution messages (RFC 4861 4.3 Neighbor
 * Solicitation, 4.4 Neighbor Advertisement) in an IPv6 header (RFC 8200 3) with the ICMPv6
 * checksum over the pseudo-header (RFC 4443 2.3, RFC 8200 8.1). Decoding validates as RFC 4861
 * 7.1.1 / 7.1.2 tell a receiver to: a message that fails is an error, not a message; IPv6
 * packets that are not NS or NA decode to undefined.
 */
import { formatIpv6 } from '../../bgp/wire/ip.js';
import { L2DecodeError } from './errors.js';
import { formatMac, ipv6Bytes, parseMac } from './mac.js';

export const IPV6_HEADER_BYTES = 40;
const NEXT_HEADER_ICMPV6 = 58;
export const ICMPV6_NEIGHBOR_SOLICITATION = 135;
export const ICMPV6_NEIGHBOR_ADVERTISEMENT = 136;
/** RFC 4861 4.6.1: option types. */
export const OPTION_SOURCE_LINK_LAYER = 1;
const OPTION_TARGET_LINK_LAYER = 2;
/** RFC 4861 7.1.1 / 7.1.2: the message must have arrived with hop limit 255 (not forwarded). */
export const NDP_HOP_LIMIT = 255;
const NA_FLAG_ROUTER = 0x80;
const NA_FLAG_SOLICITED = 0x40;
const NA_FLAG_OVERRIDE = 0x20;

interface NdpCommon {
  /** IPv6 source and destination addresses (RFC 5952 text). */
  source: string;
  destination: string;
  target: string;
}

export interface NeighborSolicitation extends NdpCommon {
  type: 'NS';
  sourceLinkLayer?: string;
}

export interface NeighborAdvertisement extends NdpCommon {
  type: 'NA';
  router: boolean;
  solicited: boolean;
  override: boolean;
  targetLinkLayer?: string;
}

export type NdpMessage = NeighborSolicitation | NeighborAdvertisement;

/** RFC 4443 2.3: one's complement of the one's complement sum over pseudo-header and message. */
export function icmpv6Checksum(source: Buffer, destination: Buffer, message: Buffer): number {
  let sum = 0;
  const add = (b: Buffer): void => {
    for (let i = 0; i + 1 < b.length; i += 2) sum += b.readUInt16BE(i);
    if (b.length % 2 === 1) sum += b[b.length - 1]! << 8;
  };
  add(source);
  add(destination);
  // RFC 8200 8.1: upper-layer packet length (32 bits), three zero octets, next header.
  sum += (message.length >>> 16) & 0xffff;
  sum += message.length & 0xffff;
  sum += NEXT_HEADER_ICMPV6;
  add(message);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

export function linkLayerOption(type: number, mac: string): Buffer {
  const o = Buffer.alloc(8);
  o[0] = type;
  o[1] = 1; // length in units of 8 octets (RFC 4861 4.6.1; Ethernet: RFC 2464 8)
  parseMac(mac).copy(o, 2);
  return o;
}

/** The IPv6 packet (header and ICMPv6 message) of an NS or NA, checksum filled in. */
export function encodeNdp(m: NdpMessage): Buffer {
  const body = Buffer.alloc(24);
  body[0] = m.type === 'NS' ? ICMPV6_NEIGHBOR_SOLICITATION : ICMPV6_NEIGHBOR_ADVERTISEMENT;
  if (m.type === 'NA') {
    body[4] =
      (m.router ? NA_FLAG_ROUTER : 0) |
      (m.solicited ? NA_FLAG_SOLICITED : 0) |
      (m.override ? NA_FLAG_OVERRIDE : 0);
  }
  ipv6Bytes(m.target).copy(body, 8);
  const lla = m.type === 'NS' ? m.sourceLinkLayer : m.targetLinkLayer;
  const options =
    lla === undefined
      ? Buffer.alloc(0)
      : linkLayerOption(m.type === 'NS' ? OPTION_SOURCE_LINK_LAYER : OPTION_TARGET_LINK_LAYER, lla);
  return ndpPacket(m.source, m.destination, Buffer.concat([body, options]));
}

/**
 * An ICMPv6 neighbor discovery message (its checksum field zero) in an IPv6 header with hop
 * limit 255 (RFC 4861 7.1, 6.1.2: receivers drop any other), checksum filled in (RFC 4443 2.3).
 */
export function ndpPacket(source: string, destination: string, icmp: Buffer): Buffer {
  const src = ipv6Bytes(source);
  const dst = ipv6Bytes(destination);
  icmp.writeUInt16BE(icmpv6Checksum(src, dst, icmp), 2);
  const header = Buffer.alloc(IPV6_HEADER_BYTES);
  header[0] = 0x60; // version 6, traffic class 0, flow label 0
  header.writeUInt16BE(icmp.length, 4);
  header[6] = NEXT_HEADER_ICMPV6;
  header[7] = NDP_HOP_LIMIT;
  src.copy(header, 8);
  dst.copy(header, 24);
  return Buffer.concat([header, icmp]);
}

const ndpError = (what: string): L2DecodeError => new L2DecodeError('ERR_L2_NDP_FORMAT', what);

/** An IPv6 packet (an Ethernet payload, padding allowed): its NS or NA, or undefined. */
export function decodeNdp(buf: Buffer): NdpMessage | undefined {
  if (buf.length < IPV6_HEADER_BYTES || buf[0]! >> 4 !== 6) {
    throw new L2DecodeError('ERR_L2_IPV6_FORMAT', 'not an IPv6 packet');
  }
  const payloadLength = buf.readUInt16BE(4);
  if (IPV6_HEADER_BYTES + payloadLength > buf.length) {
    throw new L2DecodeError('ERR_L2_FRAME_SHORT', `IPv6 payload length ${payloadLength}`);
  }
  // Neighbor discovery carries no extension headers; anything else is not ours to answer.
  if (buf[6] !== NEXT_HEADER_ICMPV6) return undefined;
  const icmp = buf.subarray(IPV6_HEADER_BYTES, IPV6_HEADER_BYTES + payloadLength);
  if (icmp.length < 4) throw new L2DecodeError('ERR_L2_FRAME_SHORT', 'ICMPv6 header');
  const type = icmp[0];
  if (type !== ICMPV6_NEIGHBOR_SOLICITATION && type !== ICMPV6_NEIGHBOR_ADVERTISEMENT) {
    return undefined;
  }
  const srcBytes = buf.subarray(8, 24);
  const dstBytes = buf.subarray(24, 40);
  // RFC 4861 7.1.1 / 7.1.2: silently discard unless each of these holds.
  if (buf[7] !== NDP_HOP_LIMIT) throw ndpError(`hop limit ${buf[7]}, not 255`);
  if (icmpv6Checksum(srcBytes, dstBytes, Buffer.from(icmp)) !== 0) {
    throw new L2DecodeError('ERR_L2_ICMPV6_CHECKSUM', 'ICMPv6 checksum does not verify');
  }
  if (icmp[1] !== 0) throw ndpError(`ICMP code ${icmp[1]}`);
  if (icmp.length < 24) throw ndpError(`ICMP length ${icmp.length}, under 24`);
  if (icmp[8] === 0xff) throw ndpError('target address is multicast');
  let sourceLinkLayer: string | undefined;
  let targetLinkLayer: string | undefined;
  for (let off = 24; off < icmp.length;) {
    if (off + 2 > icmp.length) throw ndpError('truncated option');
    const len = icmp[off + 1]! * 8;
    // RFC 4861 4.6: a zero-length option is invalid, and so is one past the message's end.
    if (len === 0 || off + len > icmp.length) throw ndpError('option length');
    if (icmp[off] === OPTION_SOURCE_LINK_LAYER && len >= 8)
      sourceLinkLayer = formatMac(icmp, off + 2);
    if (icmp[off] === OPTION_TARGET_LINK_LAYER && len >= 8)
      targetLinkLayer = formatMac(icmp, off + 2);
    off += len;
  }
  const source = formatIpv6(buf, 8);
  const destination = formatIpv6(buf, 24);
  const target = formatIpv6(icmp, 8);
  if (type === ICMPV6_NEIGHBOR_SOLICITATION) {
    // RFC 4861 7.1.1: from the unspecified address (DAD), only to a solicited-node group and
    // with no source link-layer address option.
    if (source === '::') {
      if (dstBytes[0] !== 0xff || dstBytes[11] !== 0x01 || dstBytes[12] !== 0xff) {
        throw ndpError('DAD solicitation not to a solicited-node address');
      }
      if (sourceLinkLayer !== undefined)
        throw ndpError('DAD solicitation with a source link-layer option');
    }
    return {
      type: 'NS',
      source,
      destination,
      target,
      ...(sourceLinkLayer !== undefined ? { sourceLinkLayer } : {}),
    };
  }
  const flags = icmp[4]!;
  const solicited = (flags & NA_FLAG_SOLICITED) !== 0;
  // RFC 4861 7.1.2: to a multicast destination, the Solicited flag must be zero.
  if (solicited && dstBytes[0] === 0xff) throw ndpError('solicited advertisement to multicast');
  return {
    type: 'NA',
    source,
    destination,
    target,
    router: (flags & NA_FLAG_ROUTER) !== 0,
    solicited,
    override: (flags & NA_FLAG_OVERRIDE) !== 0,
    ...(targetLinkLayer !== undefined ? { targetLinkLayer } : {}),
  };
}
