/**
 * Path attribute encoding (RFC 4271 4.3, 5), and the attributes as they are passed on to other
 * peers (RFC 4271 9.1.3: unknown transitive attributes with Partial set).
 */
import type { Aggregator, CodecContext, PathAttributes, RawAttribute } from './types.js';
import { AttrFlag, AttrType } from './types.js';
import { encodeError } from './errors.js';
import { AS_TRANS, encodeAsPath, splitForOldSpeaker } from './as-path.js';
import { encodeMpReachValue, encodeMpUnreachValue } from './mp.js';
import { parseIpv4 } from './ip.js';
import { OPTIONAL_NON_TRANSITIVE, OPTIONAL_TRANSITIVE, WELL_KNOWN } from './attribute-rules.js';

/** Appends one attribute; Extended Length is used when needed or asked for in `flags`. */
export function attributeBytes(flags: number, type: number, value: Buffer): Buffer {
  if (value.length > 0xffff) throw encodeError(`attribute ${type} longer than 65535 octets`);
  const ext = value.length > 255 || (flags & AttrFlag.EXTENDED_LENGTH) !== 0;
  const head = Buffer.alloc(ext ? 4 : 3);
  head[0] = (flags & 0xe0) | (ext ? AttrFlag.EXTENDED_LENGTH : 0);
  head[1] = type;
  if (ext) head.writeUInt16BE(value.length, 2);
  else head[2] = value.length;
  return Buffer.concat([head, value]);
}

function u32(v: number, what: string): Buffer {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff)
    throw encodeError(`${what} ${v} out of range`);
  const b = Buffer.alloc(4);
  b.writeUInt32BE(v, 0);
  return b;
}

function ipv4(s: string, what: string): Buffer {
  const b = parseIpv4(s);
  if (!b) throw encodeError(`${what} ${s} is not a dotted quad`);
  return b;
}

function aggregatorValue(a: Aggregator, asnSize: 2 | 4): Buffer {
  const b = Buffer.alloc(asnSize + 4);
  if (asnSize === 4) u32(a.asn, 'aggregator AS').copy(b, 0);
  else {
    if (!Number.isInteger(a.asn) || a.asn < 0 || a.asn > 0xffff)
      throw encodeError('aggregator AS needs 4 octets');
    b.writeUInt16BE(a.asn, 0);
  }
  ipv4(a.address, 'aggregator address').copy(b, asnSize);
  return b;
}

export interface EncodeAttributesOptions {
  /** Leave MP_REACH_NLRI / MP_UNREACH_NLRI out (the UPDATE packer writes them itself). */
  withoutMp?: boolean;
}

/**
 * Encodes path attributes. RFC 7606 5.1: MP_REACH_NLRI / MP_UNREACH_NLRI first; then the
 * others in ascending type order (RFC 4271 5 SHOULD), unknown ones among them. On a 2-octet
 * session, 4-octet ASNs go out as AS_TRANS with AS4_PATH / AS4_AGGREGATOR (RFC 6793 4.2.2).
 */
export function encodeAttributes(
  attrs: PathAttributes,
  ctx: CodecContext,
  options: EncodeAttributesOptions = {},
): Buffer {
  const out: { type: number; bytes: Buffer }[] = [];
  const add = (flags: number, type: number, value: Buffer) =>
    out.push({ type, bytes: attributeBytes(flags, type, value) });
  if (attrs.origin !== undefined) {
    if (attrs.origin !== 0 && attrs.origin !== 1 && attrs.origin !== 2)
      throw encodeError(`ORIGIN ${String(attrs.origin)}`);
    add(WELL_KNOWN, AttrType.ORIGIN, Buffer.from([attrs.origin]));
  }
  if (attrs.asPath !== undefined) {
    if (ctx.fourOctetAs) add(WELL_KNOWN, AttrType.AS_PATH, encodeAsPath(attrs.asPath, 4));
    else {
      const { asPath, as4Path } = splitForOldSpeaker(attrs.asPath);
      add(WELL_KNOWN, AttrType.AS_PATH, encodeAsPath(asPath, 2));
      if (as4Path) add(OPTIONAL_TRANSITIVE, AttrType.AS4_PATH, encodeAsPath(as4Path, 4));
    }
  }
  if (attrs.nextHop !== undefined)
    add(WELL_KNOWN, AttrType.NEXT_HOP, ipv4(attrs.nextHop, 'NEXT_HOP'));
  if (attrs.med !== undefined)
    add(OPTIONAL_NON_TRANSITIVE, AttrType.MULTI_EXIT_DISC, u32(attrs.med, 'MED'));
  if (attrs.localPref !== undefined)
    add(WELL_KNOWN, AttrType.LOCAL_PREF, u32(attrs.localPref, 'LOCAL_PREF'));
  if (attrs.atomicAggregate) add(WELL_KNOWN, AttrType.ATOMIC_AGGREGATE, Buffer.alloc(0));
  if (attrs.aggregator !== undefined) {
    const a = attrs.aggregator;
    if (ctx.fourOctetAs) add(OPTIONAL_TRANSITIVE, AttrType.AGGREGATOR, aggregatorValue(a, 4));
    else if (a.asn > 0xffff) {
      add(
        OPTIONAL_TRANSITIVE,
        AttrType.AGGREGATOR,
        aggregatorValue({ asn: AS_TRANS, address: a.address }, 2),
      );
      add(OPTIONAL_TRANSITIVE, AttrType.AS4_AGGREGATOR, aggregatorValue(a, 4));
    } else add(OPTIONAL_TRANSITIVE, AttrType.AGGREGATOR, aggregatorValue(a, 2));
  }
  if (attrs.communities !== undefined && attrs.communities.length > 0) {
    add(
      OPTIONAL_TRANSITIVE,
      AttrType.COMMUNITIES,
      Buffer.concat(attrs.communities.map((c) => u32(c, 'community'))),
    );
  }
  if (attrs.originatorId !== undefined)
    add(OPTIONAL_NON_TRANSITIVE, AttrType.ORIGINATOR_ID, ipv4(attrs.originatorId, 'ORIGINATOR_ID'));
  if (attrs.clusterList !== undefined && attrs.clusterList.length > 0) {
    add(
      OPTIONAL_NON_TRANSITIVE,
      AttrType.CLUSTER_LIST,
      Buffer.concat(attrs.clusterList.map((c) => ipv4(c, 'CLUSTER_LIST id'))),
    );
  }
  if (attrs.extendedCommunities !== undefined && attrs.extendedCommunities.length > 0) {
    for (const ec of attrs.extendedCommunities)
      if (ec.length !== 8) throw encodeError('extended community is not 8 octets');
    add(
      OPTIONAL_TRANSITIVE,
      AttrType.EXTENDED_COMMUNITIES,
      Buffer.concat(attrs.extendedCommunities),
    );
  }
  if (attrs.largeCommunities !== undefined && attrs.largeCommunities.length > 0) {
    add(
      OPTIONAL_TRANSITIVE,
      AttrType.LARGE_COMMUNITIES,
      Buffer.concat(
        attrs.largeCommunities.flatMap((c) => [
          u32(c[0], 'large community'),
          u32(c[1], 'large community'),
          u32(c[2], 'large community'),
        ]),
      ),
    );
  }
  for (const u of attrs.unknown ?? []) {
    if (!Number.isInteger(u.typeCode) || u.typeCode < 0 || u.typeCode > 255)
      throw encodeError(`attribute type ${u.typeCode}`);
    add(u.flags, u.typeCode, u.value);
  }
  out.sort((a, b) => a.type - b.type);
  const mp: Buffer[] = [];
  if (!options.withoutMp) {
    if (attrs.mpReach)
      mp.push(
        attributeBytes(
          OPTIONAL_NON_TRANSITIVE,
          AttrType.MP_REACH_NLRI,
          encodeMpReachValue(attrs.mpReach, ctx),
        ),
      );
    if (attrs.mpUnreach)
      mp.push(
        attributeBytes(
          OPTIONAL_NON_TRANSITIVE,
          AttrType.MP_UNREACH_NLRI,
          encodeMpUnreachValue(attrs.mpUnreach, ctx),
        ),
      );
  }
  return Buffer.concat([...mp, ...out.map((o) => o.bytes)]);
}

/**
 * The attributes as the speaker passes them on (RFC 4271 5 / 9.1.3): unrecognized optional
 * transitive attributes keep going with the Partial bit set; unrecognized optional
 * non-transitive ones are dropped.
 */
export function attributesForReadvertise(attrs: PathAttributes): PathAttributes {
  const { unknown, ...rest } = attrs;
  if (!unknown) return { ...rest };
  const kept: RawAttribute[] = unknown
    .filter((u) => (u.flags & AttrFlag.TRANSITIVE) !== 0)
    .map((u) => ({ ...u, flags: u.flags | AttrFlag.PARTIAL }));
  return kept.length > 0 ? { ...rest, unknown: kept } : { ...rest };
}
