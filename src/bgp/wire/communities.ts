/**
 * Community values and their text forms: RFC 1997 communities ("65000:100" and the
 * well-known names), RFC 8092 large communities ("1:2:3"), RFC 4360 extended communities
 * (route target / route origin in the "RT:65000:100" style, else hex).
 */
import type { LargeCommunity } from './types.js';
import { SpeakersimError } from '../../core/errors.js';
import { formatIpv4, parseIpv4 } from './ip.js';

export class CommunityParseError extends SpeakersimError {
  declare readonly code: 'ERR_BGP_COMMUNITY_SYNTAX';
  constructor(text: string) {
    super('ERR_BGP_COMMUNITY_SYNTAX', `not a community: ${JSON.stringify(text)}`);
  }
}

/** Well-known communities (IANA "BGP Well-known Communities" registry). */
export const WellKnownCommunity = {
  GRACEFUL_SHUTDOWN: 0xffff0000, // RFC 8326
  ACCEPT_OWN: 0xffff0001, // RFC 7611
  LLGR_STALE: 0xffff0006, // RFC 9494
  NO_LLGR: 0xffff0007, // RFC 9494
  ACCEPT_OWN_NEXTHOP: 0xffff0008, // draft-ietf-idr-accept-own-nexthop
  BLACKHOLE: 0xffff029a, // RFC 7999
  NO_EXPORT: 0xffffff01, // RFC 1997
  NO_ADVERTISE: 0xffffff02, // RFC 1997
  NO_EXPORT_SUBCONFED: 0xffffff03, // RFC 1997
  NO_PEER: 0xffffff04, // RFC 3765
} as const;

export type WellKnownCommunityName = keyof typeof WellKnownCommunity;

const NAME_BY_VALUE = new Map<number, WellKnownCommunityName>(
  Object.entries(WellKnownCommunity).map(([k, v]) => [v, k as WellKnownCommunityName]),
);

/** FRR's spelling of the same names ("no-export", "local-AS", ...), accepted by the parser. */
const FRR_NAMES: Record<string, number> = {
  'graceful-shutdown': WellKnownCommunity.GRACEFUL_SHUTDOWN,
  'accept-own': WellKnownCommunity.ACCEPT_OWN,
  'llgr-stale': WellKnownCommunity.LLGR_STALE,
  'no-llgr': WellKnownCommunity.NO_LLGR,
  'accept-own-nexthop': WellKnownCommunity.ACCEPT_OWN_NEXTHOP,
  blackhole: WellKnownCommunity.BLACKHOLE,
  'no-export': WellKnownCommunity.NO_EXPORT,
  'no-advertise': WellKnownCommunity.NO_ADVERTISE,
  'local-as': WellKnownCommunity.NO_EXPORT_SUBCONFED,
  'no-peer': WellKnownCommunity.NO_PEER,
};

function parseUint(text: string, max: number): number | undefined {
  if (!/^\d{1,10}$/.test(text)) return undefined;
  const v = Number(text);
  return v <= max ? v : undefined;
}

/** "65000:100", a well-known name ("NO_EXPORT", "no-export") or a plain 32-bit number. */
export function parseCommunity(text: string): number {
  const t = text.trim();
  const known =
    (WellKnownCommunity as Record<string, number>)[t.toUpperCase()] ?? FRR_NAMES[t.toLowerCase()];
  if (known !== undefined) return known;
  const parts = t.split(':');
  if (parts.length === 2) {
    const hi = parseUint(parts[0]!, 0xffff);
    const lo = parseUint(parts[1]!, 0xffff);
    if (hi !== undefined && lo !== undefined) return ((hi << 16) | lo) >>> 0;
  } else if (parts.length === 1) {
    const v = parseUint(t, 0xffffffff);
    if (v !== undefined) return v;
  }
  throw new CommunityParseError(text);
}

/** "65000:100", or the well-known name unless `numeric` is set. */
export function formatCommunity(value: number, options: { numeric?: boolean } = {}): string {
  if (!options.numeric) {
    const name = NAME_BY_VALUE.get(value >>> 0);
    if (name) return name;
  }
  return `${value >>> 16}:${value & 0xffff}`;
}

export function parseLargeCommunity(text: string): LargeCommunity {
  const parts = text.trim().split(':');
  if (parts.length === 3) {
    const v = parts.map((x) => parseUint(x, 0xffffffff));
    if (v.every((x) => x !== undefined)) return v as LargeCommunity;
  }
  throw new CommunityParseError(text);
}

export function formatLargeCommunity(c: LargeCommunity): string {
  return `${c[0]}:${c[1]}:${c[2]}`;
}

/**
 * RFC 4360 3.1-3.3 / RFC 5668: route target (sub-type 2) and route origin (sub-type 3) for the
 * 2-octet AS, IPv4 address and 4-octet AS types, as "RT:65000:100", "SoO:192.0.2.1:7";
 * anything else as 16 hex digits.
 */
export function formatExtendedCommunity(ec: Buffer): string {
  if (ec.length !== 8) return ec.toString('hex');
  const type = ec[0]! & 0xbf; // the IANA-authority bit does not change the layout
  const sub = ec[1]!;
  const label = sub === 2 ? 'RT' : sub === 3 ? 'SoO' : undefined;
  if (label) {
    if (type === 0x00) return `${label}:${ec.readUInt16BE(2)}:${ec.readUInt32BE(4)}`;
    if (type === 0x01) return `${label}:${formatIpv4(ec, 2)}:${ec.readUInt16BE(6)}`;
    if (type === 0x02) return `${label}:${ec.readUInt32BE(2)}:${ec.readUInt16BE(6)}`;
  }
  return ec.toString('hex');
}

/** Inverse of formatExtendedCommunity. A 4-octet AS is used when the ASN needs it. */
export function parseExtendedCommunity(text: string): Buffer {
  const t = text.trim();
  if (/^[0-9a-fA-F]{16}$/.test(t)) return Buffer.from(t, 'hex');
  const m = /^(RT|SoO):(.+):(\d+)$/.exec(t);
  if (m) {
    const sub = m[1] === 'RT' ? 2 : 3;
    const b = Buffer.alloc(8);
    b[1] = sub;
    const ip = parseIpv4(m[2]!);
    if (ip) {
      const local = parseUint(m[3]!, 0xffff);
      if (local === undefined) throw new CommunityParseError(text);
      b[0] = 0x01;
      ip.copy(b, 2);
      b.writeUInt16BE(local, 6);
      return b;
    }
    const asn = parseUint(m[2]!, 0xffffffff);
    const local = parseUint(m[3]!, 0xffffffff);
    if (asn !== undefined && local !== undefined) {
      if (asn <= 0xffff) {
        b[0] = 0x00;
        b.writeUInt16BE(asn, 2);
        b.writeUInt32BE(local, 4);
        return b;
      }
      if (local <= 0xffff) {
        b[0] = 0x02;
        b.writeUInt32BE(asn, 2);
        b.writeUInt16BE(local, 6);
        return b;
      }
    }
  }
  throw new CommunityParseError(text);
}
