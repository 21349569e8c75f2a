/**
 * The per-peer socket option entries a transport holds (see PeerSocketOptionControl), looked
 * up by (local address, peer address) as the kernel matches TCP MD5 keys: by the peer's
 * address, here also narrowed to one of our addresses when the entry names one.
 */
import { formatIpv6, parseIpv6 } from '../wire/ip.js';
import type { PeerSocketOptions } from './socket-options.js';
import type { PeerSocketSelector } from './transport.js';

/** One spelling per address: IPv4-mapped IPv6 as IPv4, IPv6 compressed (RFC 5952). */
export function canonicalPeerAddress(address: string): string {
  const v6 = address.includes(':') ? parseIpv6(address) : undefined;
  if (!v6) return address;
  const text = formatIpv6(v6, 0);
  return text.startsWith('::ffff:') && text.includes('.') ? text.slice(7) : text;
}

export interface PeerOptionEntry {
  localAddress?: string;
  peerAddress: string;
  options: PeerSocketOptions;
}

function keyOf(local: string | undefined, peer: string): string {
  return `${local ?? '*'}|${peer}`;
}

export class PeerOptionTable {
  private readonly entries = new Map<string, PeerOptionEntry>();
  /** The same entries by local address ('*': entries for any), for listeners' lookups. */
  private readonly byLocal = new Map<string, Map<string, PeerOptionEntry>>();

  /** Stores or (options undefined) removes an entry; returns the one it replaced. */
  set(
    selector: PeerSocketSelector,
    options: PeerSocketOptions | undefined,
  ): PeerOptionEntry | undefined {
    const local =
      selector.localAddress === undefined ? undefined : canonicalPeerAddress(selector.localAddress);
    const peer = canonicalPeerAddress(selector.peerAddress);
    const key = keyOf(local, peer);
    const prior = this.entries.get(key);
    const bucket = local ?? '*';
    if (options === undefined) {
      if (!prior) return undefined;
      this.entries.delete(key);
      const m = this.byLocal.get(bucket);
      m?.delete(peer);
      if (m?.size === 0) this.byLocal.delete(bucket);
    } else {
      const entry = { localAddress: local, peerAddress: peer, options: { ...options } };
      this.entries.set(key, entry);
      let m = this.byLocal.get(bucket);
      if (!m) this.byLocal.set(bucket, (m = new Map()));
      m.set(peer, entry);
    }
    return prior;
  }

  /** The options for a connection between `local` and `peer`: an exact entry, else a wildcard one. */
  lookup(local: string | undefined, peer: string): PeerSocketOptions | undefined {
    const p = canonicalPeerAddress(peer);
    const exact =
      local === undefined ? undefined : this.entries.get(keyOf(canonicalPeerAddress(local), p));
    return (exact ?? this.entries.get(keyOf(undefined, p)))?.options;
  }

  /**
   * Entries that apply to connections reaching `local` (a wildcard address: all of them); for
   * one address, the entries for any address first, so that an exact entry for the same peer
   * comes last and wins where the caller keeps one per peer, as `lookup` prefers it.
   */
  forLocal(local: string): PeerOptionEntry[] {
    const l = canonicalPeerAddress(local);
    if (l === '0.0.0.0' || l === '::') return [...this.entries.values()];
    return [...(this.byLocal.get('*')?.values() ?? []), ...(this.byLocal.get(l)?.values() ?? [])];
  }
}

/** True when two option sets ask the kernel for the same. */
export function sameSocketOptions(a: PeerSocketOptions, b: PeerSocketOptions): boolean {
  return a.md5Key === b.md5Key && a.ttl === b.ttl && a.minTtl === b.minTtl;
}

/** Handshakes that per-peer options refused, named after Linux's TcpExt counters. */
export interface TcpOptionDropCounters {
  /** TCPMD5NotFound: we have a key for the peer, its segment carries no signature. */
  md5NotFound: number;
  /** TCPMD5Unexpected: the segment carries a signature, we have no key for the peer. */
  md5Unexpected: number;
  /** TCPMD5Failure: both have a key and the signature does not verify. */
  md5Failure: number;
  /** TCPMinTTLDrop: the segment's TTL is below our minimum (RFC 5082). */
  minTtlDrop: number;
}

const TCPEXT_NAMES: Record<keyof TcpOptionDropCounters, string> = {
  md5NotFound: 'TCPMD5NotFound',
  md5Unexpected: 'TCPMD5Unexpected',
  md5Failure: 'TCPMD5Failure',
  minTtlDrop: 'TCPMinTTLDrop',
};

/** The drop counters from Linux's /proc/net/netstat text (per network namespace). */
export function parseTcpExtCounters(netstat: string): TcpOptionDropCounters {
  const lines = netstat.split('\n').filter((l) => l.startsWith('TcpExt:'));
  const names = (lines[0] ?? '').split(/\s+/).slice(1);
  const values = (lines[1] ?? '').split(/\s+/).slice(1).map(Number);
  const get = (name: string): number => {
    const i = names.indexOf(name);
    return i >= 0 ? (values[i] ?? 0) : 0;
  };
  return {
    md5NotFound: get(TCPEXT_NAMES.md5NotFound),
    md5Unexpected: get(TCPEXT_NAMES.md5Unexpected),
    md5Failure: get(TCPEXT_NAMES.md5Failure),
    minTtlDrop: get(TCPEXT_NAMES.minTtlDrop),
  };
}
