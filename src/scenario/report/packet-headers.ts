/**
 * Synthesized IPv4/IPv6, TCP and UDP headers for the pcap writer, with correct checksums so
 * that Wireshark and tshark accept the packets as they are (RFC 791, RFC 8200, RFC 9293,
 * RFC 768; the checksum is RFC 1071's one's complement sum over the pseudo-header).
 */
import { Address4, Address6 } from 'ip-address';

export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;

export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;

/** DSCP CS6 (network control), what FRR marks BGP and BFD packets with. */
const TOS_CS6 = 0xc0;

export interface IpAddressBytes {
  version: 4 | 6;
  bytes: Uint8Array;
}

export function addressBytes(address: string): IpAddressBytes {
  if (address.includes(':')) {
    let n = new Address6(address).bigInt();
    const bytes = new Uint8Array(16);
    for (let i = 15; i >= 0; i--) {
      bytes[i] = Number(n & 0xffn);
      n >>= 8n;
    }
    return { version: 6, bytes };
  }
  return { version: 4, bytes: Uint8Array.from(new Address4(address).toArray()) };
}

/** RFC 1071 internet checksum of the concatenated buffers. */
export function internetChecksum(...parts: Uint8Array[]): number {
  let sum = 0;
  let odd: number | undefined;
  for (const part of parts) {
    for (const byte of part) {
      if (odd === undefined) odd = byte;
      else {
        sum += (odd << 8) | byte;
        odd = undefined;
      }
    }
  }
  if (odd !== undefined) sum += odd << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

function pseudoHeader(
  src: IpAddressBytes,
  dst: IpAddressBytes,
  protocol: number,
  length: number,
): Buffer {
  if (src.version === 4) {
    const b = Buffer.alloc(12);
    b.set(src.bytes, 0);
    b.set(dst.bytes, 4);
    b[9] = protocol;
    b.writeUInt16BE(length, 10);
    return b;
  }
  // RFC 8200 8.1: upper-layer length as 32 bits, three zero bytes, next header.
  const b = Buffer.alloc(40);
  b.set(src.bytes, 0);
  b.set(dst.bytes, 16);
  b.writeUInt32BE(length, 32);
  b[39] = protocol;
  return b;
}

export interface TcpFields {
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  flags: number;
  window?: number;
  /** MSS option (RFC 9293 3.7.1), sent on SYN segments. */
  mss?: number;
}

export function tcpSegment(
  src: IpAddressBytes,
  dst: IpAddressBytes,
  f: TcpFields,
  payload: Uint8Array,
): Buffer {
  const optLen = f.mss !== undefined ? 4 : 0;
  const header = Buffer.alloc(20 + optLen);
  header.writeUInt16BE(f.srcPort, 0);
  header.writeUInt16BE(f.dstPort, 2);
  header.writeUInt32BE(f.seq >>> 0, 4);
  header.writeUInt32BE(f.ack >>> 0, 8);
  header[12] = ((20 + optLen) / 4) << 4;
  header[13] = f.flags;
  header.writeUInt16BE(f.window ?? 65535, 14);
  if (f.mss !== undefined) {
    header[20] = 2; // kind MSS
    header[21] = 4;
    header.writeUInt16BE(f.mss, 22);
  }
  const segment = Buffer.concat([header, payload]);
  const sum = internetChecksum(pseudoHeader(src, dst, IPPROTO_TCP, segment.length), segment);
  segment.writeUInt16BE(sum, 16);
  return segment;
}

export function udpDatagram(
  src: IpAddressBytes,
  dst: IpAddressBytes,
  srcPort: number,
  dstPort: number,
  payload: Uint8Array,
): Buffer {
  const d = Buffer.alloc(8 + payload.length);
  d.writeUInt16BE(srcPort, 0);
  d.writeUInt16BE(dstPort, 2);
  d.writeUInt16BE(d.length, 4);
  d.set(payload, 8);
  let sum = internetChecksum(pseudoHeader(src, dst, IPPROTO_UDP, d.length), d);
  if (sum === 0) sum = 0xffff; // RFC 768: a computed zero is sent as all ones
  d.writeUInt16BE(sum, 6);
  return d;
}

/** Wraps a transport segment in an IPv4 (RFC 791) or IPv6 (RFC 8200) header. */
export function ipPacket(
  src: IpAddressBytes,
  dst: IpAddressBytes,
  protocol: number,
  ttl: number,
  id: number,
  payload: Buffer,
): Buffer {
  if (src.version === 4) {
    const h = Buffer.alloc(20);
    h[0] = 0x45;
    h[1] = TOS_CS6;
    h.writeUInt16BE(20 + payload.length, 2);
    h.writeUInt16BE(id & 0xffff, 4);
    h.writeUInt16BE(0x4000, 6); // DF
    h[8] = ttl;
    h[9] = protocol;
    h.set(src.bytes, 12);
    h.set(dst.bytes, 16);
    h.writeUInt16BE(internetChecksum(h), 10);
    return Buffer.concat([h, payload]);
  }
  const h = Buffer.alloc(40);
  h.writeUInt32BE((6 << 28) | (TOS_CS6 << 20), 0);
  h.writeUInt16BE(payload.length, 4);
  h[6] = protocol;
  h[7] = ttl;
  h.set(src.bytes, 8);
  h.set(dst.bytes, 24);
  return Buffer.concat([h, payload]);
}

/** A locally administered MAC derived from an address, stable across runs: 02:00:xx:xx:xx:xx. */
export function macFor(address: IpAddressBytes): Buffer {
  const mac = Buffer.alloc(6);
  mac[0] = 0x02;
  mac.set(address.bytes.slice(-4), 2);
  return mac;
}

export function ethernetFrame(src: IpAddressBytes, dst: IpAddressBytes, ip: Buffer): Buffer {
  const h = Buffer.alloc(14);
  macFor(dst).copy(h, 0);
  macFor(src).copy(h, 6);
  h.writeUInt16BE(src.version === 4 ? 0x0800 : 0x86dd, 12);
  return Buffer.concat([h, ip]);
}
