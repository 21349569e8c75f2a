/**
 * A small pcap / pcapng reader for the capture conformance tests (test helper, not product
 * code): yields TCP segments to or from port 179 with their payloads, and reassembles each
 * direction into chunks for BgpFramer. Every read is bounds-checked; a damaged record ends the
 * file quietly instead of throwing, since fuzzed captures are part of the input.
 */

export interface TcpSegment {
  /** Index of the packet in the file (1-based, as tcpdump numbers them). */
  packet: number;
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
  seq: number;
  syn: boolean;
  payload: Buffer;
  /** The capture cut the payload short (snaplen). */
  truncated: boolean;
}

interface Frame {
  linkType: number;
  data: Buffer;
  /** Original length on the wire. */
  wireLength: number;
}

function* pcapFrames(file: Buffer): Generator<Frame> {
  const magic = file.readUInt32LE(0);
  const le = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  const u32 = (o: number) => (le ? file.readUInt32LE(o) : file.readUInt32BE(o));
  const linkType = u32(20) & 0xffff;
  for (let p = 24; p + 16 <= file.length;) {
    const incl = u32(p + 8);
    const orig = u32(p + 12);
    if (p + 16 + incl > file.length) return;
    yield { linkType, data: file.subarray(p + 16, p + 16 + incl), wireLength: orig };
    p += 16 + incl;
  }
}

function* pcapngFrames(file: Buffer): Generator<Frame> {
  let le = true;
  const linkTypes: number[] = [];
  for (let p = 0; p + 12 <= file.length;) {
    const type = file.readUInt32LE(p);
    if (type === 0x0a0d0d0a) {
      le = file.readUInt32LE(p + 8) === 0x1a2b3c4d;
      linkTypes.length = 0;
    }
    const u32 = (o: number) => (le ? file.readUInt32LE(o) : file.readUInt32BE(o));
    const u16 = (o: number) => (le ? file.readUInt16LE(o) : file.readUInt16BE(o));
    const blockType = u32(p);
    const length = u32(p + 4);
    if (length < 12 || p + length > file.length) return;
    if (blockType === 1 && length >= 16) linkTypes.push(u16(p + 8));
    else if (blockType === 6 && length >= 32) {
      const iface = u32(p + 8);
      const caplen = u32(p + 20);
      const orig = u32(p + 24);
      if (p + 28 + caplen <= p + length && linkTypes[iface] !== undefined) {
        yield {
          linkType: linkTypes[iface]!,
          data: file.subarray(p + 28, p + 28 + caplen),
          wireLength: orig,
        };
      }
    } else if (blockType === 3 && length >= 16 && linkTypes[0] !== undefined) {
      const orig = u32(p + 8);
      const caplen = Math.min(orig, length - 16);
      yield {
        linkType: linkTypes[0],
        data: file.subarray(p + 12, p + 12 + caplen),
        wireLength: orig,
      };
    }
    p += length;
  }
}

/** Offset of the IP header inside a link-layer frame, or -1. */
function ipOffset(f: Frame): number {
  const d = f.data;
  switch (f.linkType) {
    case 1: {
      // Ethernet, with any number of 802.1Q / 802.1ad tags.
      let off = 12;
      while (off + 2 <= d.length) {
        const et = d.readUInt16BE(off);
        if (et === 0x8100 || et === 0x88a8) off += 4;
        else return et === 0x0800 || et === 0x86dd ? off + 2 : -1;
      }
      return -1;
    }
    case 12:
    case 14:
    case 101:
      return 0; // raw IP
    case 113:
      return d.length >= 16 ? 16 : -1; // Linux cooked (SLL)
    case 276:
      return d.length >= 20 ? 20 : -1; // Linux cooked v2
    case 9: {
      // PPP: optional address/control ff 03, then a 2-octet protocol (IPv4 0x0021, IPv6 0x0057).
      const off = d.length >= 2 && d[0] === 0xff && d[1] === 0x03 ? 2 : 0;
      if (off + 2 > d.length) return -1;
      const proto = d.readUInt16BE(off);
      return proto === 0x0021 || proto === 0x0057 ? off + 2 : -1;
    }
    default:
      return findIpv4Header(d);
  }
}

/** For link types with vendor headers (Juniper 178...): the first valid IPv4/TCP header. */
function findIpv4Header(d: Buffer): number {
  for (let off = 0; off + 20 <= d.length && off < 128; off++) {
    if (d[off] !== 0x45 || d[off + 9] !== 6) continue;
    let sum = 0;
    for (let i = 0; i < 20; i += 2) sum += d.readUInt16BE(off + i);
    while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
    if (sum === 0xffff) return off;
  }
  return -1;
}

function ipv6Text(b: Buffer): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(b.readUInt16BE(i).toString(16));
  return groups.join(':');
}

function segmentOf(f: Frame, packet: number): TcpSegment | undefined {
  const ip = ipOffset(f);
  const d = f.data;
  if (ip < 0 || ip + 20 > d.length) return undefined;
  const version = d[ip]! >> 4;
  let tcp: number;
  let end: number;
  let src: string;
  let dst: string;
  let wireEnd: number;
  if (version === 4) {
    const ihl = (d[ip]! & 0x0f) * 4;
    if (d[ip + 9] !== 6 || ihl < 20) return undefined;
    const total = d.readUInt16BE(ip + 2);
    tcp = ip + ihl;
    wireEnd = ip + total;
    end = Math.min(wireEnd, d.length);
    src = [...d.subarray(ip + 12, ip + 16)].join('.');
    dst = [...d.subarray(ip + 16, ip + 20)].join('.');
  } else if (version === 6) {
    if (ip + 40 > d.length || d[ip + 6] !== 6) return undefined;
    tcp = ip + 40;
    wireEnd = tcp + d.readUInt16BE(ip + 4);
    end = Math.min(wireEnd, d.length);
    src = ipv6Text(d.subarray(ip + 8, ip + 24));
    dst = ipv6Text(d.subarray(ip + 24, ip + 40));
  } else return undefined;
  if (tcp + 20 > end) return undefined;
  const dataOffset = (d[tcp + 12]! >> 4) * 4;
  if (dataOffset < 20 || tcp + dataOffset > end) return undefined;
  const srcPort = d.readUInt16BE(tcp);
  const dstPort = d.readUInt16BE(tcp + 2);
  if (srcPort !== 179 && dstPort !== 179) return undefined;
  return {
    packet,
    src,
    dst,
    srcPort,
    dstPort,
    seq: d.readUInt32BE(tcp + 4),
    syn: (d[tcp + 13]! & 0x02) !== 0,
    payload: d.subarray(tcp + dataOffset, end),
    truncated: end < wireEnd || f.data.length < f.wireLength,
  };
}

export function readTcpSegments(file: Buffer): TcpSegment[] {
  if (file.length < 24) return [];
  const frames = file.readUInt32LE(0) === 0x0a0d0d0a ? pcapngFrames(file) : pcapFrames(file);
  const out: TcpSegment[] = [];
  let packet = 0;
  for (const f of frames) {
    packet++;
    const s = segmentOf(f, packet);
    if (s) out.push(s);
  }
  return out;
}

export interface StreamChunk {
  segment: TcpSegment;
  /** Key of the direction, "src:port>dst:port". */
  direction: string;
  /** The reassembled stream restarts here (SYN, gap, or after a truncated segment). */
  restart: boolean;
  data: Buffer;
}

/**
 * Per-direction reassembly, simple on purpose: in-order data is appended, retransmitted data is
 * skipped, and anything else (a SYN, a gap, data after a truncated segment) starts a new stream.
 */
export function reassemble(segments: readonly TcpSegment[]): StreamChunk[] {
  const next = new Map<string, { seq: number; broken: boolean; last: Buffer }>();
  const out: StreamChunk[] = [];
  for (const s of segments) {
    const direction = `${s.src}:${s.srcPort}>${s.dst}:${s.dstPort}`;
    const state = next.get(direction);
    const start = s.syn ? (s.seq + 1) >>> 0 : s.seq;
    let restart = state === undefined || state.broken || s.syn;
    let data = s.payload;
    if (!restart && state) {
      const behind = (state.seq - start) >>> 0;
      if (behind === 0) restart = false;
      else if (behind < 0x80000000) {
        // A retransmission of the last segment is skipped; other old data (crafted captures
        // that replay a sequence number with new content) starts a new stream.
        if (behind >= data.length) {
          if (data.equals(state.last)) continue;
          restart = true;
        } else data = data.subarray(behind);
      } else restart = true;
    }
    next.set(direction, {
      seq: (start + s.payload.length) >>> 0,
      broken: s.truncated,
      last: s.payload,
    });
    if (data.length > 0 || restart) out.push({ segment: s, direction, restart, data });
  }
  return out;
}
