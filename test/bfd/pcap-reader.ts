/**
 * Test helper: a small pcap / pcapng reader that finds UDP datagrams in captured frames
 * (Ethernet with VLAN tags, BSD loopback, raw IP, Linux cooked v1/v2; IPv4 and IPv6). Every
 * length is checked against the bytes present, so fuzzed captures (tcpdump's *oobr* cases)
 * end in `truncated` flags, never in a read past a buffer or a throw.
 */

export interface UdpDatagramInCapture {
  srcAddress: string;
  dstAddress: string;
  srcPort: number;
  dstPort: number;
  /** UDP payload as captured (may be shorter than the UDP length says). */
  payload: Buffer;
  /** The capture or the headers were shorter than the lengths they claim. */
  truncated: boolean;
}

export interface CapturedFrame {
  /** 1-based, as tcpdump numbers them with `-#`. */
  number: number;
  udp: UdpDatagramInCapture | undefined;
}

const LINKTYPE_NULL = 0;
const LINKTYPE_ETHERNET = 1;
const LINKTYPE_RAW = 101;
const LINKTYPE_RAW_ALT = 12;
const LINKTYPE_LINUX_SLL = 113;
const LINKTYPE_LINUX_SLL2 = 276;

export function readCapture(file: Buffer): CapturedFrame[] {
  if (file.length < 4) return [];
  const magic = file.readUInt32BE(0);
  if (magic === 0x0a0d0d0a) return readPcapng(file);
  return readPcap(file);
}

function readPcap(file: Buffer): CapturedFrame[] {
  if (file.length < 24) return [];
  const magicLE = file.readUInt32LE(0);
  const le = magicLE === 0xa1b2c3d4 || magicLE === 0xa1b23c4d;
  const u32 = (o: number): number => (le ? file.readUInt32LE(o) : file.readUInt32BE(o));
  const linktype = u32(20) & 0xffff;
  const frames: CapturedFrame[] = [];
  let off = 24;
  while (off + 16 <= file.length) {
    const incl = u32(off + 8);
    const start = off + 16;
    const end = Math.min(file.length, start + incl);
    frames.push({ number: frames.length + 1, udp: parseLink(linktype, file.subarray(start, end)) });
    if (start + incl > file.length) break;
    off = start + incl;
  }
  return frames;
}

function readPcapng(file: Buffer): CapturedFrame[] {
  const frames: CapturedFrame[] = [];
  const linktypes: number[] = [];
  let le = true;
  let off = 0;
  while (off + 12 <= file.length) {
    const typeBE = file.readUInt32BE(off);
    if (typeBE === 0x0a0d0d0a) {
      le = file.readUInt32LE(off + 8) === 0x1a2b3c4d;
      linktypes.length = 0;
    }
    const u32 = (o: number): number => (le ? file.readUInt32LE(o) : file.readUInt32BE(o));
    const u16 = (o: number): number => (le ? file.readUInt16LE(o) : file.readUInt16BE(o));
    const type = u32(off);
    const total = u32(off + 4);
    if (total < 12 || off + total > file.length) break;
    const body = off + 8;
    if (type === 1 && total >= 20) {
      linktypes.push(u16(body));
    } else if (type === 6 && total >= 32) {
      const iface = u32(body);
      const captured = u32(body + 12);
      const dataStart = body + 20;
      const dataEnd = Math.min(off + total - 4, dataStart + captured);
      frames.push({
        number: frames.length + 1,
        udp: parseLink(linktypes[iface] ?? -1, file.subarray(dataStart, dataEnd)),
      });
    } else if (type === 3 && total >= 16) {
      frames.push({
        number: frames.length + 1,
        udp: parseLink(linktypes[0] ?? -1, file.subarray(body + 4, off + total - 4)),
      });
    }
    off += total;
  }
  return frames;
}

function parseLink(linktype: number, frame: Buffer): UdpDatagramInCapture | undefined {
  switch (linktype) {
    case LINKTYPE_ETHERNET: {
      let off = 12;
      if (frame.length < off + 2) return undefined;
      let etherType = frame.readUInt16BE(off);
      // 802.1Q / 802.1ad tags.
      while ((etherType === 0x8100 || etherType === 0x88a8) && frame.length >= off + 6) {
        off += 4;
        etherType = frame.readUInt16BE(off);
      }
      return parseEtherType(etherType, frame.subarray(off + 2));
    }
    case LINKTYPE_NULL: {
      if (frame.length < 4) return undefined;
      const family = frame.readUInt32LE(0);
      const ip = frame.subarray(4);
      return family === 2
        ? parseIpv4(ip)
        : [24, 28, 30].includes(family)
          ? parseIpv6(ip)
          : undefined;
    }
    case LINKTYPE_RAW:
    case LINKTYPE_RAW_ALT:
      if (frame.length < 1) return undefined;
      return frame[0]! >> 4 === 4 ? parseIpv4(frame) : parseIpv6(frame);
    case LINKTYPE_LINUX_SLL:
      if (frame.length < 16) return undefined;
      return parseEtherType(frame.readUInt16BE(14), frame.subarray(16));
    case LINKTYPE_LINUX_SLL2:
      if (frame.length < 20) return undefined;
      return parseEtherType(frame.readUInt16BE(0), frame.subarray(20));
    default:
      return undefined;
  }
}

function parseEtherType(etherType: number, ip: Buffer): UdpDatagramInCapture | undefined {
  if (etherType === 0x0800) return parseIpv4(ip);
  if (etherType === 0x86dd) return parseIpv6(ip);
  return undefined;
}

function parseIpv4(ip: Buffer): UdpDatagramInCapture | undefined {
  if (ip.length < 20 || ip[0]! >> 4 !== 4) return undefined;
  const ihl = (ip[0]! & 0x0f) * 4;
  if (ihl < 20 || ip.length < ihl) return undefined;
  if (ip[9] !== 17) return undefined;
  // A later fragment carries no UDP header.
  if ((ip.readUInt16BE(6) & 0x1fff) !== 0) return undefined;
  const totalLength = ip.readUInt16BE(2);
  const src = [...ip.subarray(12, 16)].join('.');
  const dst = [...ip.subarray(16, 20)].join('.');
  const end = Math.min(ip.length, Math.max(totalLength, ihl));
  return parseUdp(src, dst, ip.subarray(ihl, end), totalLength > ip.length);
}

function ipv6Text(b: Buffer): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(b.readUInt16BE(i).toString(16));
  return groups.join(':');
}

function parseIpv6(ip: Buffer): UdpDatagramInCapture | undefined {
  if (ip.length < 40 || ip[0]! >> 4 !== 6) return undefined;
  if (ip[6] !== 17) return undefined;
  const payloadLength = ip.readUInt16BE(4);
  const end = Math.min(ip.length, 40 + payloadLength);
  return parseUdp(
    ipv6Text(ip.subarray(8, 24)),
    ipv6Text(ip.subarray(24, 40)),
    ip.subarray(40, end),
    40 + payloadLength > ip.length,
  );
}

function parseUdp(
  src: string,
  dst: string,
  udp: Buffer,
  ipTruncated: boolean,
): UdpDatagramInCapture | undefined {
  if (udp.length < 8) return undefined;
  const udpLength = udp.readUInt16BE(4);
  const end = Math.min(udp.length, Math.max(8, udpLength));
  return {
    srcAddress: src,
    dstAddress: dst,
    srcPort: udp.readUInt16BE(0),
    dstPort: udp.readUInt16BE(2),
    payload: Buffer.from(udp.subarray(8, end)),
    truncated: ipTruncated || udpLength > udp.length,
  };
}
