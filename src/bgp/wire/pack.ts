/**
 * Packing many prefixes that share attributes into as few UPDATEs as the negotiated maximum
 * length allows (RFC 4271 4.3, RFC 8654). The attributes are encoded once; prefixes are
 * written straight into the message buffer, and a prefix that does not fit starts the next
 * message. IPv4 unicast uses the withdrawn/NLRI fields, other families MP_UNREACH_NLRI /
 * MP_REACH_NLRI with the Extended Length flag so that the attribute can grow past 255 octets.
 *
 * `updateMessages` yields the messages one by one as they fill, so that a sender can put the
 * first UPDATEs of a large change on the wire while the rest is still to be encoded;
 * `encodeUpdates` returns them all.
 */
import type { CodecContext, Nlri, PathAttributes } from './types.js';
import { AFI_IPV4, AttrFlag, AttrType, MessageType, SAFI_UNICAST } from './types.js';
import { BgpEncodeError, encodeError } from './errors.js';
import { encodeAttributes } from './attributes/index.js';
import { encodeMpReachHead, familyKey, isPrefixFamily } from './mp.js';
import { writePrefix } from './prefix.js';
import { HEADER_LENGTH, maxMessageLength, writeHeader } from './header.js';

/** Largest encoded prefix: path id (4) + length (1) + 16 address octets. */
const MAX_PREFIX_OCTETS = 21;

export interface UpdateBatch {
  /** Family of the prefixes; IPv4 unicast (1/1) when left out. */
  afi?: number;
  safi?: number;
  /**
   * Attributes shared by every announced prefix. For IPv4 unicast they include `nextHop`; for
   * other families `mpReach`/`mpUnreach` are ignored and `nextHops` below is used.
   */
  attributes: PathAttributes;
  /**
   * MP_REACH_NLRI next hops (global, then link-local) for families other than IPv4 unicast.
   * Given for IPv4 unicast, the NLRI go in MP_REACH_NLRI with these next hops instead of the
   * NLRI field and NEXT_HOP: RFC 8950 4's IPv6 next hop for IPv4 NLRI (the caller checks that
   * the peer advertised the Extended Next Hop Encoding capability).
   */
  nextHops?: string[];
  /** Prefixes as Nlri, or as bare strings when they carry no path id. */
  announce?: readonly (Nlri | string)[];
  withdraw?: readonly (Nlri | string)[];
}

interface Layout {
  /** Message bytes before the prefix area (header, fields, attributes before the NLRI). */
  head: Buffer;
  /** Bytes after the prefix area. */
  tail: Buffer;
  /** Fix up length fields once the prefix area holds `prefixOctets` octets. */
  patch: (msg: Buffer, prefixOctets: number) => void;
}

function* packPrefixes(
  layout: Layout,
  prefixes: readonly (Nlri | string)[],
  afi: number,
  addPath: boolean,
  max: number,
): Generator<Buffer, void, undefined> {
  const { head, tail } = layout;
  const limit = max - tail.length;
  if (head.length + MAX_PREFIX_OCTETS > limit) {
    throw new BgpEncodeError('ERR_BGP_ENCODE_TOO_LONG', 'attributes leave no room for a prefix');
  }
  let buf = Buffer.allocUnsafe(max + MAX_PREFIX_OCTETS);
  head.copy(buf, 0);
  let p = head.length;
  const finish = (): Buffer => {
    tail.copy(buf, p);
    const length = p + tail.length;
    writeHeader(buf, length, MessageType.UPDATE);
    layout.patch(buf, p - head.length);
    return buf.subarray(0, length);
  };
  for (let i = 0; i < prefixes.length; i++) {
    // The buffer has MAX_PREFIX_OCTETS of slack past `max`, so writing first and checking
    // after is safe; a prefix that overflows is written again at the start of a new message.
    const next = writePrefix(buf, p, prefixes[i]!, afi, addPath);
    if (next <= limit) {
      p = next;
      continue;
    }
    yield finish();
    buf = Buffer.allocUnsafe(max + MAX_PREFIX_OCTETS);
    head.copy(buf, 0);
    p = writePrefix(buf, head.length, prefixes[i]!, afi, addPath);
  }
  if (p > head.length) yield finish();
}

function u16(v: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(v, 0);
  return b;
}

/**
 * Encodes `batch` into UPDATE messages: withdrawals first, then announcements, each message as
 * full as the negotiated maximum length allows. Throws BgpEncodeError for invalid values.
 */
export function encodeUpdates(batch: UpdateBatch, ctx: CodecContext): Buffer[] {
  return [...updateMessages(batch, ctx)];
}

/**
 * The messages of encodeUpdates, each yielded as soon as it is full. An invalid value throws
 * BgpEncodeError from the `next()` that reaches it: attributes before the first message, a bad
 * prefix after the messages that precede it.
 */
export function* updateMessages(
  batch: UpdateBatch,
  ctx: CodecContext,
): Generator<Buffer, void, undefined> {
  const afi = batch.afi ?? AFI_IPV4;
  const safi = batch.safi ?? SAFI_UNICAST;
  if (!isPrefixFamily(afi, safi)) throw encodeError(`family ${afi}/${safi} has no prefix NLRI`);
  const addPath = ctx.addPathSend?.has(familyKey(afi, safi)) ?? false;
  const max = maxMessageLength(ctx);
  const header = Buffer.alloc(HEADER_LENGTH);
  const ipv4Unicast = afi === AFI_IPV4 && safi === SAFI_UNICAST;
  const withdraw = batch.withdraw ?? [];
  const announce = batch.announce ?? [];

  if (withdraw.length > 0) {
    if (ipv4Unicast) {
      // header | withdrawn length | withdrawn routes | total attribute length 0
      const layout: Layout = {
        head: Buffer.concat([header, u16(0)]),
        tail: u16(0),
        patch: (msg, n) => msg.writeUInt16BE(n, HEADER_LENGTH),
      };
      yield* packPrefixes(layout, withdraw, afi, addPath, max);
    } else {
      // header | 0 | attribute length | MP_UNREACH_NLRI (flags, type, 2-octet length, AFI, SAFI) | routes
      const mpHead = Buffer.from([
        AttrFlag.OPTIONAL | AttrFlag.EXTENDED_LENGTH,
        AttrType.MP_UNREACH_NLRI,
        0,
        0,
        afi >> 8,
        afi & 0xff,
        safi,
      ]);
      const head = Buffer.concat([header, u16(0), u16(0), mpHead]);
      const layout: Layout = {
        head,
        tail: Buffer.alloc(0),
        patch: (msg, n) => {
          msg.writeUInt16BE(mpHead.length + n, HEADER_LENGTH + 2);
          msg.writeUInt16BE(3 + n, HEADER_LENGTH + 6);
        },
      };
      yield* packPrefixes(layout, withdraw, afi, addPath, max);
    }
  }

  if (announce.length > 0) {
    const { mpReach: _r, mpUnreach: _u, ...shared } = batch.attributes;
    if (ipv4Unicast && !batch.nextHops) {
      if (shared.nextHop === undefined)
        throw encodeError('IPv4 unicast announcements need a NEXT_HOP');
      const attrs = encodeAttributes(shared, ctx);
      const layout: Layout = {
        head: Buffer.concat([header, u16(0), u16(attrs.length), attrs]),
        tail: Buffer.alloc(0),
        patch: () => undefined,
      };
      yield* packPrefixes(layout, announce, afi, addPath, max);
    } else {
      const { nextHop: _n, ...mpShared } = shared;
      const nextHops = batch.nextHops ?? batch.attributes.mpReach?.nextHops ?? [];
      if (nextHops.length === 0) throw encodeError('MP_REACH_NLRI announcements need a next hop');
      const reachHead = encodeMpReachHead({ afi, safi, nextHops, nlri: [] });
      const mpHead = Buffer.concat([
        Buffer.from([AttrFlag.OPTIONAL | AttrFlag.EXTENDED_LENGTH, AttrType.MP_REACH_NLRI, 0, 0]),
        reachHead,
      ]);
      // RFC 7606 5.1: MP_REACH_NLRI first, so the other attributes follow the NLRI it carries.
      const others = encodeAttributes(mpShared, ctx);
      const layout: Layout = {
        head: Buffer.concat([header, u16(0), u16(0), mpHead]),
        tail: others,
        patch: (msg, n) => {
          msg.writeUInt16BE(mpHead.length + n + others.length, HEADER_LENGTH + 2);
          msg.writeUInt16BE(reachHead.length + n, HEADER_LENGTH + 6);
        },
      };
      yield* packPrefixes(layout, announce, afi, addPath, max);
    }
  }
}
