/**
 * Writes every BGP and BFD message speakersim sent and received as a classic libpcap file
 * (microsecond timestamps, little-endian) that Wireshark and tshark decode as BGP and BFD.
 *
 * speakersim's messages never pass through a real IP stack in the builtin backend, so the
 * writer synthesizes the lower layers: IPv4/IPv6, then TCP for BGP (RFC 4271 8: port 179)
 * with a three-way handshake and consistent sequence and acknowledgement numbers per
 * direction, so Wireshark reassembles each stream, or UDP for BFD (RFC 5881 4: port 3784
 * single-hop, RFC 5883 5: port 4784 multihop) with TTL 255 (RFC 5881 5: GTSM). Link type is
 * LINKTYPE_RAW (101) or LINKTYPE_ETHERNET (1) with MACs derived from the addresses.
 * Output is a pure function of the calls made: same calls, same bytes.
 */
import { writeFile } from 'node:fs/promises';
import { SpeakersimError } from '../../core/errors.js';
import { fnv1a } from '../../core/hash.js';
import {
  addressBytes,
  ethernetFrame,
  ipPacket,
  IPPROTO_TCP,
  IPPROTO_UDP,
  TCP_ACK,
  TCP_FIN,
  TCP_PSH,
  TCP_SYN,
  tcpSegment,
  udpDatagram,
  type IpAddressBytes,
} from './packet-headers.js';

export const LINKTYPE_ETHERNET = 1;
export const LINKTYPE_RAW = 101;
export const PCAP_MAGIC_MICROS = 0xa1b2c3d4;
export const BGP_PORT = 179;
export const BFD_SINGLE_HOP_PORT = 3784;
export const BFD_MULTIHOP_PORT = 4784;
/** RFC 5881 5: single-hop BFD is sent with TTL/Hop Limit 255. */
const BFD_TTL = 255;
/** Linux's default TTL for TCP; eBGP multihop is not modelled here. */
const BGP_TTL = 64;

export interface Endpoint {
  address: string;
  port: number;
}

export interface PcapWriterOptions {
  linkType?: 'raw' | 'ethernet';
  /** Largest TCP payload per segment; longer BGP data is split (default 1448). */
  mss?: number;
  snaplen?: number;
  /**
   * Ports that BGP listeners use (default [179]); the side on one of them is drawn as the
   * TCP server. Add a session's own port when a peer listens elsewhere (BGPPeer peerPort).
   */
  bgpServerPorts?: number[];
}

export class PcapError extends SpeakersimError {
  constructor(
    code: 'ERR_PCAP_BAD_ENDPOINT' | 'ERR_PCAP_MIXED_FAMILIES' | 'ERR_PCAP_FORMAT',
    message: string,
  ) {
    super(code, message);
  }
}

interface TcpConnection {
  client: Endpoint;
  server: Endpoint;
  /** Next sequence number each side will send, keyed by `address|port` of the sender. */
  next: Map<string, number>;
}

const endpointKey = (e: Endpoint) => `${e.address}|${e.port}`;

export class PcapWriter {
  private readonly records: Buffer[] = [];
  private readonly connections = new Map<string, TcpConnection>();
  private readonly linkType: number;
  private readonly mss: number;
  private readonly snaplen: number;
  private readonly serverPorts: Set<number>;
  private ipId = 1;
  /** Counts connections per 4-tuple so a reconnect on the same ports gets new ISNs. */
  private readonly generations = new Map<string, number>();

  constructor(options: PcapWriterOptions = {}) {
    this.linkType = options.linkType === 'ethernet' ? LINKTYPE_ETHERNET : LINKTYPE_RAW;
    this.mss = options.mss ?? 1448;
    this.snaplen = options.snaplen ?? 262144;
    this.serverPorts = new Set(options.bgpServerPorts ?? [BGP_PORT]);
  }

  get packetCount(): number {
    return this.records.length;
  }

  /**
   * One or more whole BGP messages sent from `from` to `to` at wall time `wallMs`. The first
   * data on a connection is preceded by a SYN, SYN-ACK, ACK handshake; the side on port 179
   * is taken as the server (the other side opened the connection).
   */
  addBgp(wallMs: number, from: Endpoint, to: Endpoint, data: Uint8Array): void {
    const { src, dst } = this.addresses(from, to);
    const conn = this.connection(wallMs, from, to, src, dst);
    for (let off = 0; off < data.length; off += this.mss) {
      const end = Math.min(data.length, off + this.mss);
      // PSH on the segment that ends the write, as a sender's TCP stack would set it.
      const flags = (end === data.length ? TCP_PSH : 0) | TCP_ACK;
      this.tcp(wallMs, conn, from, to, src, dst, flags, data.subarray(off, end));
    }
  }

  /** Closes a BGP connection with FIN from `from`, FIN from `to`, and the last ACK. */
  closeBgp(wallMs: number, from: Endpoint, to: Endpoint): void {
    const key = this.connectionKey(from, to);
    const conn = this.connections.get(key);
    if (!conn) return;
    const { src, dst } = this.addresses(from, to);
    this.tcp(wallMs, conn, from, to, src, dst, TCP_FIN | TCP_ACK, new Uint8Array(0), 1);
    this.tcp(wallMs, conn, to, from, dst, src, TCP_FIN | TCP_ACK, new Uint8Array(0), 1);
    this.tcp(wallMs, conn, from, to, src, dst, TCP_ACK, new Uint8Array(0));
    this.connections.delete(key);
  }

  /** One BFD Control packet (RFC 5880 4.1) in a UDP datagram from `from` to `to`. */
  addBfd(wallMs: number, from: Endpoint, to: Endpoint, packet: Uint8Array): void {
    const { src, dst } = this.addresses(from, to);
    const udp = udpDatagram(src, dst, from.port, to.port, packet);
    this.record(wallMs, src, dst, ipPacket(src, dst, IPPROTO_UDP, BFD_TTL, this.ipId++, udp));
  }

  /** The whole file: global header (pcap-savefile(5)) followed by the records. */
  toBuffer(): Buffer {
    const header = Buffer.alloc(24);
    header.writeUInt32LE(PCAP_MAGIC_MICROS, 0);
    header.writeUInt16LE(2, 4);
    header.writeUInt16LE(4, 6);
    header.writeInt32LE(0, 8); // thiszone
    header.writeUInt32LE(0, 12); // sigfigs
    header.writeUInt32LE(this.snaplen, 16);
    header.writeUInt32LE(this.linkType, 20);
    return Buffer.concat([header, ...this.records]);
  }

  async writeFile(path: string): Promise<void> {
    await writeFile(path, this.toBuffer());
  }

  private addresses(from: Endpoint, to: Endpoint): { src: IpAddressBytes; dst: IpAddressBytes } {
    let src: IpAddressBytes;
    let dst: IpAddressBytes;
    try {
      src = addressBytes(from.address);
      dst = addressBytes(to.address);
    } catch {
      throw new PcapError(
        'ERR_PCAP_BAD_ENDPOINT',
        `not an IP address: ${from.address} or ${to.address}`,
      );
    }
    for (const port of [from.port, to.port]) {
      if (!Number.isInteger(port) || port < 0 || port > 65535) {
        throw new PcapError('ERR_PCAP_BAD_ENDPOINT', `port out of range: ${port}`);
      }
    }
    if (src.version !== dst.version) {
      throw new PcapError(
        'ERR_PCAP_MIXED_FAMILIES',
        `${from.address} and ${to.address} are of different families`,
      );
    }
    return { src, dst };
  }

  private connectionKey(a: Endpoint, b: Endpoint): string {
    return [endpointKey(a), endpointKey(b)].sort().join(' ');
  }

  private connection(
    wallMs: number,
    from: Endpoint,
    to: Endpoint,
    src: IpAddressBytes,
    dst: IpAddressBytes,
  ): TcpConnection {
    const key = this.connectionKey(from, to);
    const existing = this.connections.get(key);
    if (existing) return existing;
    const fromIsServer = this.serverPorts.has(from.port) && !this.serverPorts.has(to.port);
    const client = fromIsServer ? to : from;
    const server = fromIsServer ? from : to;
    const generation = (this.generations.get(key) ?? 0) + 1;
    this.generations.set(key, generation);
    const conn: TcpConnection = {
      client,
      server,
      next: new Map([
        [endpointKey(client), fnv1a(`${key} ${generation} c`)],
        [endpointKey(server), fnv1a(`${key} ${generation} s`)],
      ]),
    };
    this.connections.set(key, conn);
    const [cAddr, sAddr] = fromIsServer ? [dst, src] : [src, dst];
    // RFC 9293 3.5: SYN, SYN-ACK, ACK; each SYN consumes one sequence number.
    this.tcp(wallMs, conn, client, server, cAddr, sAddr, TCP_SYN, new Uint8Array(0), 1, this.mss);
    this.tcp(
      wallMs,
      conn,
      server,
      client,
      sAddr,
      cAddr,
      TCP_SYN | TCP_ACK,
      new Uint8Array(0),
      1,
      this.mss,
    );
    this.tcp(wallMs, conn, client, server, cAddr, sAddr, TCP_ACK, new Uint8Array(0));
    return conn;
  }

  private tcp(
    wallMs: number,
    conn: TcpConnection,
    from: Endpoint,
    to: Endpoint,
    src: IpAddressBytes,
    dst: IpAddressBytes,
    flags: number,
    payload: Uint8Array,
    extraSeq = 0,
    mss?: number,
  ): void {
    const seq = conn.next.get(endpointKey(from))!;
    const ack = flags & TCP_ACK ? conn.next.get(endpointKey(to))! : 0;
    const segment = tcpSegment(
      src,
      dst,
      {
        srcPort: from.port,
        dstPort: to.port,
        seq,
        ack,
        flags,
        ...(mss !== undefined ? { mss } : {}),
      },
      payload,
    );
    conn.next.set(endpointKey(from), (seq + payload.length + extraSeq) >>> 0);
    this.record(wallMs, src, dst, ipPacket(src, dst, IPPROTO_TCP, BGP_TTL, this.ipId++, segment));
  }

  private record(wallMs: number, src: IpAddressBytes, dst: IpAddressBytes, ip: Buffer): void {
    const frame = this.linkType === LINKTYPE_ETHERNET ? ethernetFrame(src, dst, ip) : ip;
    const captured = frame.subarray(0, this.snaplen);
    const h = Buffer.alloc(16);
    const micros = Math.round(wallMs * 1000);
    h.writeUInt32LE(Math.floor(micros / 1e6) >>> 0, 0);
    h.writeUInt32LE(micros % 1e6, 4);
    h.writeUInt32LE(captured.length, 8);
    h.writeUInt32LE(frame.length, 12);
    this.records.push(Buffer.concat([h, captured]));
  }
}
