/** COMMUNITIES (RFC 1997), EXTENDED_COMMUNITIES (RFC 4360), LARGE_COMMUNITIES (RFC 8092). */
import type { LargeCommunity } from '../types.js';
import { AttrType } from '../types.js';
import { encodeError } from '../errors.js';
import { OPTIONAL_TRANSITIVE, u32, type AttributeDescriptor } from './descriptor.js';

export const COMMUNITIES: AttributeDescriptor = {
  type: AttrType.COMMUNITIES,
  name: 'COMMUNITIES',
  flags: OPTIONAL_TRANSITIVE,
  malformed: 'treat-as-withdraw', // RFC 7606 7.8
  decode(input, attrs) {
    const { msg, start, len } = input;
    if (len === 0 || len % 4 !== 0) return input.lengthError();
    const list = new Array<number>(len / 4);
    for (let i = 0; i < list.length; i++) list[i] = msg.readUInt32BE(start + 4 * i);
    attrs.communities = list;
  },
  encode(attrs, _ctx, add) {
    const list = attrs.communities;
    if (list === undefined || list.length === 0) return;
    add(
      OPTIONAL_TRANSITIVE,
      AttrType.COMMUNITIES,
      Buffer.concat(list.map((c) => u32(c, 'community'))),
    );
  },
  // RFC 1997: a set; the order carries no meaning.
  key: (attrs) =>
    attrs.communities?.length ? [...attrs.communities].sort((x, y) => x - y) : undefined,
};

export const EXTENDED_COMMUNITIES: AttributeDescriptor = {
  type: AttrType.EXTENDED_COMMUNITIES,
  name: 'EXTENDED_COMMUNITIES',
  flags: OPTIONAL_TRANSITIVE,
  malformed: 'treat-as-withdraw', // RFC 7606 7.14
  decode(input, attrs) {
    const { msg, start, end, len } = input;
    if (len === 0 || len % 8 !== 0) return input.lengthError();
    const list: Buffer[] = [];
    for (let q = start; q < end; q += 8) list.push(Buffer.from(msg.subarray(q, q + 8)));
    attrs.extendedCommunities = list;
  },
  encode(attrs, _ctx, add) {
    const list = attrs.extendedCommunities;
    if (list === undefined || list.length === 0) return;
    for (const ec of list)
      if (ec.length !== 8) throw encodeError('extended community is not 8 octets');
    add(OPTIONAL_TRANSITIVE, AttrType.EXTENDED_COMMUNITIES, Buffer.concat(list));
  },
  key: (attrs) =>
    attrs.extendedCommunities?.length
      ? attrs.extendedCommunities.map((b) => b.toString('hex')).sort()
      : undefined,
};

export const LARGE_COMMUNITIES: AttributeDescriptor = {
  type: AttrType.LARGE_COMMUNITIES,
  name: 'LARGE_COMMUNITIES',
  flags: OPTIONAL_TRANSITIVE,
  malformed: 'treat-as-withdraw', // RFC 8092 6
  decode(input, attrs) {
    const { msg, start, end, len } = input;
    // RFC 8092 6: length not a non-zero multiple of 12 -> treat-as-withdraw.
    if (len === 0 || len % 12 !== 0) return input.lengthError();
    const list: LargeCommunity[] = [];
    for (let q = start; q < end; q += 12) {
      list.push([msg.readUInt32BE(q), msg.readUInt32BE(q + 4), msg.readUInt32BE(q + 8)]);
    }
    attrs.largeCommunities = list;
  },
  encode(attrs, _ctx, add) {
    const list = attrs.largeCommunities;
    if (list === undefined || list.length === 0) return;
    add(
      OPTIONAL_TRANSITIVE,
      AttrType.LARGE_COMMUNITIES,
      Buffer.concat(
        list.flatMap((c) => [
          u32(c[0], 'large community'),
          u32(c[1], 'large community'),
          u32(c[2], 'large community'),
        ]),
      ),
    );
  },
  // RFC 8092: a set, like RFC 1997 communities.
  key: (attrs) =>
    attrs.largeCommunities?.length
      ? [...attrs.largeCommunities].sort((x, y) => x[0] - y[0] || x[1] - y[1] || x[2] - y[2])
      : undefined,
};
