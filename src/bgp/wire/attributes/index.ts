/**
 * Path attributes (RFC 4271 4.3, 5): the registry of descriptors, and the decoder, encoder and
 * canonical key that all iterate it. Adding an attribute: a descriptor (./descriptor.ts) in
 * the file of its family, its entry in ATTRIBUTES below, its field in PathAttributes.
 *
 * Decoding checks flags and length per descriptor; what is wrong becomes a BgpWireError with
 * the descriptor's RFC 7606 handling (treat-as-withdraw, attribute-discard, session reset).
 * Session resets are thrown; the others are collected in `errors` while decoding goes on.
 */
import type { CodecContext, PathAttributes, RawAttribute } from '../types.js';
import { AttrFlag, AttrType } from '../types.js';
import type { BgpWireError, BgpWireErrorCode, ErrorHandling } from '../errors.js';
import { encodeError, updateError } from '../errors.js';
import { AS_TRANS, mergeAs4Path } from '../as-path.js';
import { WELL_KNOWN, type AttributeDescriptor, type AttributeInput } from './descriptor.js';
import { ATOMIC_AGGREGATE, LOCAL_PREF, MULTI_EXIT_DISC, NEXT_HOP, ORIGIN } from './basic.js';
import { AGGREGATOR, AS4_AGGREGATOR, AS4_PATH, AS_PATH } from './as-path.js';
import { COMMUNITIES, EXTENDED_COMMUNITIES, LARGE_COMMUNITIES } from './communities.js';
import { CLUSTER_LIST, ORIGINATOR_ID } from './reflection.js';
import { MP_REACH_NLRI, MP_UNREACH_NLRI } from './mp.js';
import { ONLY_TO_CUSTOMER } from './role.js';

export type { AttributeDescriptor } from './descriptor.js';

/** Every attribute speakersim interprets, in type order. */
export const ATTRIBUTES: readonly AttributeDescriptor[] = [
  ORIGIN,
  AS_PATH,
  NEXT_HOP,
  MULTI_EXIT_DISC,
  LOCAL_PREF,
  ATOMIC_AGGREGATE,
  AGGREGATOR,
  COMMUNITIES,
  ORIGINATOR_ID,
  CLUSTER_LIST,
  MP_REACH_NLRI,
  MP_UNREACH_NLRI,
  EXTENDED_COMMUNITIES,
  AS4_PATH,
  AS4_AGGREGATOR,
  LARGE_COMMUNITIES,
  ONLY_TO_CUSTOMER,
];

/** Descriptor by type code (a 256-slot array: one index per attribute on the hot path). */
const BY_TYPE: (AttributeDescriptor | undefined)[] = new Array<AttributeDescriptor | undefined>(
  256,
);
for (const d of ATTRIBUTES) {
  if (BY_TYPE[d.type]) throw new Error(`attribute ${d.type} registered twice`);
  BY_TYPE[d.type] = d;
}

export function attributeDescriptor(type: number): AttributeDescriptor | undefined {
  return BY_TYPE[type];
}

/** Descriptors that take part in the key of an attribute set. */
const KEYED = ATTRIBUTES.filter((d) => d.key !== undefined);

/**
 * The canonical key parts of `attrs`, one per keyed attribute in registry order (null when
 * absent): two attribute sets are the same exactly when their parts are.
 */
export function attributeKeyParts(attrs: PathAttributes): unknown[] {
  return KEYED.map((d) => d.key!(attrs) ?? null);
}

export interface DecodedAttributes {
  attributes: PathAttributes;
  /** Type codes that appeared (even if malformed), for the missing well-known check. */
  seen: Uint8Array;
}

class Input implements AttributeInput {
  start = 0;
  end = 0;
  len = 0;
  type = 0;
  attrStart = 0;
  handling: ErrorHandling = 'treat-as-withdraw';
  readonly later: AttributeInput['later'] = {};
  constructor(
    readonly msg: Buffer,
    readonly ctx: CodecContext,
    readonly errors: BgpWireError[],
  ) {}
  fail(code: BgpWireErrorCode, why: string, handling: ErrorHandling = this.handling): void {
    const err = updateError(code, why, handling, Buffer.from(this.attribute()), this.type);
    if (handling === 'session-reset') throw err;
    this.errors.push(err);
  }
  lengthError(): void {
    this.fail('ERR_BGP_ATTR_LENGTH', `attribute ${this.type} has bad length ${this.len}`);
  }
  attribute(): Buffer {
    return this.msg.subarray(this.attrStart, this.end);
  }
}

/**
 * Decodes the path attributes in `msg[start..end)`. Non-fatal errors are pushed to `errors`;
 * session-reset errors are thrown.
 */
export function decodeAttributes(
  msg: Buffer,
  start: number,
  end: number,
  ctx: CodecContext,
  errors: BgpWireError[],
): DecodedAttributes {
  const attrs: PathAttributes = {};
  const seen = new Uint8Array(256);
  const input = new Input(msg, ctx, errors);
  let p = start;
  while (p < end) {
    const flags = msg[p]!;
    const headLen = flags & AttrFlag.EXTENDED_LENGTH ? 4 : 3;
    // RFC 7606 4: fewer octets left than an attribute header, or an attribute running past the
    // Total Path Attribute Length: treat-as-withdraw, and the NLRI are found from that length.
    if (end - p < headLen) {
      errors.push(
        updateError(
          'ERR_BGP_ATTR_LENGTH',
          'attribute header truncated',
          'treat-as-withdraw',
          Buffer.from(msg.subarray(p, end)),
        ),
      );
      break;
    }
    const type = msg[p + 1]!;
    const len = headLen === 4 ? msg.readUInt16BE(p + 2) : msg[p + 2]!;
    const vs = p + headLen;
    const ve = vs + len;
    if (ve > end) {
      errors.push(
        updateError(
          'ERR_BGP_ATTR_LENGTH',
          `attribute ${type} runs past the attribute list`,
          'treat-as-withdraw',
          Buffer.from(msg.subarray(p, end)),
          type,
        ),
      );
      break;
    }
    const d = BY_TYPE[type];
    input.attrStart = p;
    input.start = vs;
    input.end = ve;
    input.len = len;
    input.type = type;
    input.handling = d ? d.malformed : 'treat-as-withdraw';
    p = ve;

    if (seen[type]) {
      // RFC 7606 3(g): MP_REACH/MP_UNREACH twice -> Malformed Attribute List (session reset);
      // any other attribute: keep the first, discard the others.
      if (type === AttrType.MP_REACH_NLRI || type === AttrType.MP_UNREACH_NLRI) {
        input.fail('ERR_BGP_ATTR_LIST', `attribute ${type} appears twice`, 'session-reset');
      } else {
        input.fail(
          'ERR_BGP_ATTR_DUPLICATE',
          `attribute ${type} appears twice`,
          'attribute-discard',
        );
      }
      continue;
    }
    seen[type] = 1;

    if (d === undefined) {
      // RFC 4271 6.3: an unrecognized well-known attribute -> 3/2, data the attribute.
      if (!(flags & AttrFlag.OPTIONAL)) {
        input.fail(
          'ERR_BGP_ATTR_UNRECOGNIZED_WELL_KNOWN',
          `unrecognized well-known attribute ${type}`,
          'session-reset',
        );
      }
      // RFC 4271 9: unrecognized optional attributes are kept (transitive ones are passed on
      // with Partial set; non-transitive ones are dropped when re-advertising).
      (attrs.unknown ??= []).push({
        flags: flags & 0xf0,
        typeCode: type,
        value: Buffer.from(msg.subarray(vs, ve)),
      });
      continue;
    }
    // RFC 4271 6.3 / RFC 7606 3(c): Optional or Transitive bit in conflict with the type ->
    // Attribute Flags Error, data the attribute. A well-known attribute with Partial set is
    // also refused (RFC 4271 4.3: Partial is 0 for well-known attributes), as FRR does.
    if ((flags & 0xc0) !== d.flags || (d.flags === WELL_KNOWN && flags & AttrFlag.PARTIAL)) {
      input.fail('ERR_BGP_ATTR_FLAGS', `attribute ${type} has flags 0x${flags.toString(16)}`);
      continue;
    }
    d.decode(input, attrs);
  }
  // RFC 6793 4.2.3: on a 2-octet session, rebuild the real path and aggregator. If AGGREGATOR
  // carries an AS other than AS_TRANS, AS4_AGGREGATOR and AS4_PATH are ignored.
  const { as4Path, as4Aggregator } = input.later;
  if (!ctx.fourOctetAs && (as4Path || as4Aggregator)) {
    if (!attrs.aggregator || attrs.aggregator.asn === AS_TRANS) {
      if (as4Aggregator && attrs.aggregator) attrs.aggregator = as4Aggregator;
      if (as4Path && attrs.asPath) attrs.asPath = mergeAs4Path(attrs.asPath, as4Path);
    }
  }
  return { attributes: attrs, seen };
}

/** One attribute: Extended Length is used when needed or asked for in `flags`. */
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

export interface EncodeAttributesOptions {
  /** Leave MP_REACH_NLRI / MP_UNREACH_NLRI out (the UPDATE packer writes them itself). */
  withoutMp?: boolean;
}

const isMp = (type: number): boolean =>
  type === AttrType.MP_REACH_NLRI || type === AttrType.MP_UNREACH_NLRI;

/**
 * Encodes path attributes. RFC 7606 5.1: MP_REACH_NLRI / MP_UNREACH_NLRI first; then the
 * others in ascending type order (RFC 4271 5 SHOULD), unknown ones among them.
 */
export function encodeAttributes(
  attrs: PathAttributes,
  ctx: CodecContext,
  options: EncodeAttributesOptions = {},
): Buffer {
  const out: { rank: number; bytes: Buffer }[] = [];
  const add = (flags: number, type: number, value: Buffer): void => {
    out.push({ rank: isMp(type) ? type - 256 : type, bytes: attributeBytes(flags, type, value) });
  };
  for (const d of ATTRIBUTES) {
    if (options.withoutMp && isMp(d.type)) continue;
    d.encode(attrs, ctx, add);
  }
  for (const u of attrs.unknown ?? []) {
    if (!Number.isInteger(u.typeCode) || u.typeCode < 0 || u.typeCode > 255)
      throw encodeError(`attribute type ${u.typeCode}`);
    add(u.flags, u.typeCode, u.value);
  }
  out.sort((a, b) => a.rank - b.rank);
  return Buffer.concat(out.map((o) => o.bytes));
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
