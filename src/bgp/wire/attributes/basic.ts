/** ORIGIN, NEXT_HOP, MULTI_EXIT_DISC, LOCAL_PREF, ATOMIC_AGGREGATE (RFC 4271 5.1). */
import { AttrType } from '../types.js';
import { encodeError } from '../errors.js';
import {
  OPTIONAL_NON_TRANSITIVE,
  WELL_KNOWN,
  ipv4Attribute,
  u32Attribute,
  type AttributeDescriptor,
} from './descriptor.js';

export const ORIGIN: AttributeDescriptor = {
  type: AttrType.ORIGIN,
  name: 'ORIGIN',
  flags: WELL_KNOWN,
  malformed: 'treat-as-withdraw', // RFC 7606 7.1
  decode(input, attrs) {
    if (input.len !== 1) return input.lengthError();
    const v = input.msg[input.start]!;
    // RFC 4271 6.3: undefined ORIGIN value -> 3/6 Invalid ORIGIN Attribute.
    if (v > 2) input.fail('ERR_BGP_ORIGIN', `ORIGIN ${v}`);
    else attrs.origin = v as 0 | 1 | 2;
  },
  encode(attrs, _ctx, add) {
    const o = attrs.origin;
    if (o === undefined) return;
    if (o !== 0 && o !== 1 && o !== 2) throw encodeError(`ORIGIN ${String(o)}`);
    add(WELL_KNOWN, AttrType.ORIGIN, Buffer.from([o]));
  },
  // An originated route without ORIGIN goes out as IGP (RFC 4271 5.1.1), so absent is 0.
  key: (attrs) => attrs.origin ?? 0,
};

// Its meaning is checked in decodeUpdate, which knows whether IPv4 NLRI use it.
export const NEXT_HOP = ipv4Attribute(AttrType.NEXT_HOP, 'NEXT_HOP', WELL_KNOWN, 'nextHop');

export const MULTI_EXIT_DISC = u32Attribute(
  AttrType.MULTI_EXIT_DISC,
  'MULTI_EXIT_DISC',
  OPTIONAL_NON_TRANSITIVE,
  'med',
);

/**
 * RFC 4271 5.1.5 / RFC 7606 7.5: LOCAL_PREF received from an external peer SHALL be discarded
 * (attribute discard: the route stays, without it), whatever its length; only from an internal
 * peer is a length other than 4 malformed (treat-as-withdraw). Not reported: FRR is silent too.
 */
export const LOCAL_PREF = u32Attribute(
  AttrType.LOCAL_PREF,
  'LOCAL_PREF',
  WELL_KNOWN,
  'localPref',
  (ctx) => ctx.externalPeer !== true,
);

export const ATOMIC_AGGREGATE: AttributeDescriptor = {
  type: AttrType.ATOMIC_AGGREGATE,
  name: 'ATOMIC_AGGREGATE',
  flags: WELL_KNOWN,
  malformed: 'attribute-discard', // RFC 7606 7.6
  decode(input, attrs) {
    if (input.len !== 0) input.lengthError();
    else attrs.atomicAggregate = true;
  },
  encode(attrs, _ctx, add) {
    if (attrs.atomicAggregate) add(WELL_KNOWN, AttrType.ATOMIC_AGGREGATE, Buffer.alloc(0));
  },
  key: (attrs) => attrs.atomicAggregate || undefined,
};
