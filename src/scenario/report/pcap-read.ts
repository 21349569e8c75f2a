/**
 * Reads classic libpcap files and decodes the IPv4/IPv6 + TCP/UDP layers the pcap writer
 * synthesizes, checking every checksum. Used by tests and by tools that inspect captures;
 * bad input gives a PcapError, never a read past the buffer.
 */
import { Address4, Address6 } from 'ip-address';
import { LINKTYPE_ETHERNET, LINKTYPE_RAW, PcapError } from './pcap.js';
import { internetChecksum, IPPROTO_TCP, IPPROTO_UDP } from './packet-headers.js';

export interface PcapRecord {
  tsSec: number;
  tsUsec: number;
  origLen: number;
  data: Buffer;
}

export interface PcapFile {
  linkType: number;
  snaplen: number;
  records: PcapRecord[];
}

const formatError = (what: string) => new PcapError('ERR_PCAP_FORMAT', what);

export function readPcap(buf: Buffer): PcapFile {
  if (buf.length < 24) throw formatError('shorter than the global header');
  const magic = buf.readUInt32LE(0);
  if (magic !== 0xa1b2c3d4) throw formatError('not a little-endian microsecond pcap file');
  const snaplen = buf.readUInt32LE(16);
  const linkType = buf.readUInt32LE(20);
  const records: PcapRecord[] = [];
  let off = 24;
  while (off < buf.length) {
    if (off + 16 > buf.length) throw formatError(`truncated record header at ${off}`);
    const inclLen = buf.readUInt32LE(off + 8);
    if (off + 16 + inclLen > buf.length) throw formatError(`truncated record at ${off}`);
    records.push({
      tsSec: buf.readUInt32LE(off),
      tsUsec: buf.readUInt32LE(off + 4),
      origLen: buf.readUInt32LE(off + 12),
      data: buf.subarray(off + 16, off + 16 + inclLen),
    });
    off += 16 + inclLen;
  }
  return { linkType, snaplen, records };
}

export interface DecodedPacket {
  ipVersion: 4 | 6;
  src: string;
  dst: string;
  ttl: number;
  protocol: number;
  srcPort: number;
  dstPort: number;
  /** TCP only. */
  seq?: number;
  ack?: number;
  flags?: number;
  payload: Buffer;
  /** IPv4 header checksum (always true for IPv6) and TCP/UDP checksum both verified. */
  checksumsOk: boolean;
}

function need(b: Buffer, n: number, what: string): void {
  if (b.length < n) throw formatError(`${what} truncated`);
}

function pseudo(version: 4 | 6, src: Buffer, dst: Buffer, proto: number, len: number): Buffer {
  if (version === 4) {
    const p = Buffer.alloc(12);
    src.copy(p, 0);
    dst.copy(p, 4);
    p[9] = proto;
    p.writeUInt16BE(len, 10);
    return p;
  }
  const p = Buffer.alloc(40);
  src.copy(p, 0);
  dst.copy(p, 16);
  p.writeUInt32BE(len, 32);
  p[39] = proto;
  return p;
}

function v6Text(b: Buffer): string {
  let n = 0n;
  for (const byte of b) n = (n << 8n) | BigInt(byte);
  return Address6.fromBigInt(n).correctForm();
}

/** Decodes one record's IP packet (after the Ethernet header when there is one). */
export function decodePacket(record: Buffer, linkType: number): DecodedPacket {
  let ip = record;
  if (linkType === LINKTYPE_ETHERNET) {
    need(record, 14, 'ethernet header');
    ip = record.subarray(14);
  } else if (linkType !== LINKTYPE_RAW) {
    throw formatError(`unsupported link type ${linkType}`);
  }
  need(ip, 1, 'IP header');
  const version = ip[0]! >> 4;
  let src: Buffer, dst: Buffer, proto: number, ttl: number, l4: Buffer, headerOk: boolean;
  if (version === 4) {
    need(ip, 20, 'IPv4 header');
    const ihl = (ip[0]! & 0x0f) * 4;
    const total = ip.readUInt16BE(2);
    need(ip, Math.max(ihl, total), 'IPv4 packet');
    headerOk = internetChecksum(ip.subarray(0, ihl)) === 0;
    ttl = ip[8]!;
    proto = ip[9]!;
    src = ip.subarray(12, 16);
    dst = ip.subarray(16, 20);
    l4 = ip.subarray(ihl, total);
  } else if (version === 6) {
    need(ip, 40, 'IPv6 header');
    const len = ip.readUInt16BE(4);
    need(ip, 40 + len, 'IPv6 packet');
    headerOk = true;
    proto = ip[6]!;
    ttl = ip[7]!;
    src = ip.subarray(8, 24);
    dst = ip.subarray(24, 40);
    l4 = ip.subarray(40, 40 + len);
  } else {
    throw formatError(`IP version ${version}`);
  }
  const l4Ok = internetChecksum(pseudo(version, src, dst, proto, l4.length), l4) === 0;
  const base = {
    ipVersion: version as 4 | 6,
    src: version === 4 ? Address4.fromHex(src.toString('hex')).correctForm() : v6Text(src),
    dst: version === 4 ? Address4.fromHex(dst.toString('hex')).correctForm() : v6Text(dst),
    ttl,
    protocol: proto,
    checksumsOk: headerOk && l4Ok,
  };
  if (proto === IPPROTO_TCP) {
    need(l4, 20, 'TCP header');
    const dataOff = (l4[12]! >> 4) * 4;
    need(l4, dataOff, 'TCP options');
    return {
      ...base,
      srcPort: l4.readUInt16BE(0),
      dstPort: l4.readUInt16BE(2),
      seq: l4.readUInt32BE(4),
      ack: l4.readUInt32BE(8),
      flags: l4[13]!,
      payload: l4.subarray(dataOff),
    };
  }
  if (proto === IPPROTO_UDP) {
    need(l4, 8, 'UDP header');
    return {
      ...base,
      srcPort: l4.readUInt16BE(0),
      dstPort: l4.readUInt16BE(2),
      payload: l4.subarray(8),
    };
  }
  throw formatError(`IP protocol ${proto}`);
}
