/**
 * ARP for IPv4 over Ethernet (RFC 826): hardware type 1, protocol 0x0800, lengths 6 and 4.
 * Anything else is an ARP this codec does not speak (ERR_L2_ARP_FORMAT).
 */
import { formatIpv4 } from '../../bgp/wire/ip.js';
import { L2DecodeError } from './errors.js';
import { ETHERTYPE_IPV4 } from './ethernet.js';
import { formatMac, ipv4Bytes, parseMac } from './mac.js';

export const ARP_REQUEST = 1;
export const ARP_REPLY = 2;
const HTYPE_ETHERNET = 1;
export const ARP_BYTES = 28;

export interface ArpPacket {
  operation: typeof ARP_REQUEST | typeof ARP_REPLY;
  senderMac: string;
  senderIp: string;
  targetMac: string;
  targetIp: string;
}

export function encodeArp(p: ArpPacket): Buffer {
  const out = Buffer.alloc(ARP_BYTES);
  out.writeUInt16BE(HTYPE_ETHERNET, 0); // ar$hrd
  out.writeUInt16BE(ETHERTYPE_IPV4, 2); // ar$pro
  out[4] = 6; // ar$hln
  out[5] = 4; // ar$pln
  out.writeUInt16BE(p.operation, 6); // ar$op
  parseMac(p.senderMac).copy(out, 8); // ar$sha
  ipv4Bytes(p.senderIp).copy(out, 14); // ar$spa
  parseMac(p.targetMac).copy(out, 18); // ar$tha
  ipv4Bytes(p.targetIp).copy(out, 24); // ar$tpa
  return out;
}

export function decodeArp(buf: Buffer): ArpPacket {
  if (buf.length < ARP_BYTES) {
    throw new L2DecodeError('ERR_L2_FRAME_SHORT', `${buf.length} bytes is no Ethernet/IPv4 ARP`);
  }
  // RFC 826 "Packet Reception": a hardware or protocol type we do not have is discarded.
  if (
    buf.readUInt16BE(0) !== HTYPE_ETHERNET ||
    buf.readUInt16BE(2) !== ETHERTYPE_IPV4 ||
    buf[4] !== 6 ||
    buf[5] !== 4
  ) {
    throw new L2DecodeError('ERR_L2_ARP_FORMAT', 'not Ethernet/IPv4 ARP');
  }
  const operation = buf.readUInt16BE(6);
  if (operation !== ARP_REQUEST && operation !== ARP_REPLY) {
    throw new L2DecodeError('ERR_L2_ARP_FORMAT', `ARP operation ${operation}`);
  }
  return {
    operation,
    senderMac: formatMac(buf, 8),
    senderIp: formatIpv4(buf, 14),
    targetMac: formatMac(buf, 18),
    targetIp: formatIpv4(buf, 24),
  };
}
