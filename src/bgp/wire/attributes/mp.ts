/**
 * MP_REACH_NLRI and MP_UNREACH_NLRI (RFC 4760 3, 4); their values are read and written by
 * ../mp.ts. RFC 7606 5.1: the encoder puts them first.
 */
import { AttrType } from '../types.js';
import { decodeMpReach, decodeMpUnreach, encodeMpReachValue, encodeMpUnreachValue } from '../mp.js';
import { OPTIONAL_NON_TRANSITIVE, type AttributeDescriptor } from './descriptor.js';

export const MP_REACH_NLRI: AttributeDescriptor = {
  type: AttrType.MP_REACH_NLRI,
  name: 'MP_REACH_NLRI',
  flags: OPTIONAL_NON_TRANSITIVE,
  malformed: 'session-reset', // RFC 7606 7.11 (AFI/SAFI disable being the alternative)
  decode(input, attrs) {
    const { msg, start, end, ctx } = input;
    attrs.mpReach = decodeMpReach(msg, start, end, input.attribute(), ctx, input.errors);
  },
  encode(attrs, ctx, add) {
    if (attrs.mpReach)
      add(OPTIONAL_NON_TRANSITIVE, AttrType.MP_REACH_NLRI, encodeMpReachValue(attrs.mpReach, ctx));
  },
  // Routes carry their next hops in the RIB key itself; the NLRI are not attributes of a route.
};

export const MP_UNREACH_NLRI: AttributeDescriptor = {
  type: AttrType.MP_UNREACH_NLRI,
  name: 'MP_UNREACH_NLRI',
  flags: OPTIONAL_NON_TRANSITIVE,
  malformed: 'session-reset', // RFC 7606 7.11
  decode(input, attrs) {
    attrs.mpUnreach = decodeMpUnreach(
      input.msg,
      input.start,
      input.end,
      input.attribute(),
      input.ctx,
    );
  },
  encode(attrs, ctx, add) {
    if (attrs.mpUnreach)
      add(
        OPTIONAL_NON_TRANSITIVE,
        AttrType.MP_UNREACH_NLRI,
        encodeMpUnreachValue(attrs.mpUnreach, ctx),
      );
  },
};
