/** ORIGINATOR_ID and CLUSTER_LIST (RFC 4456 8). */
import { AttrType } from '../types.js';
import { formatIpv4 } from '../ip.js';
import {
  OPTIONAL_NON_TRANSITIVE,
  ipv4,
  ipv4Attribute,
  type AttributeDescriptor,
} from './descriptor.js';

export const ORIGINATOR_ID = ipv4Attribute(
  AttrType.ORIGINATOR_ID,
  'ORIGINATOR_ID',
  OPTIONAL_NON_TRANSITIVE,
  'originatorId',
);

export const CLUSTER_LIST: AttributeDescriptor = {
  type: AttrType.CLUSTER_LIST,
  name: 'CLUSTER_LIST',
  flags: OPTIONAL_NON_TRANSITIVE,
  malformed: 'treat-as-withdraw', // RFC 7606 7.10
  decode(input, attrs) {
    const { msg, start, end, len } = input;
    if (len === 0 || len % 4 !== 0) return input.lengthError();
    const ids: string[] = [];
    for (let q = start; q < end; q += 4) ids.push(formatIpv4(msg, q));
    attrs.clusterList = ids;
  },
  encode(attrs, _ctx, add) {
    const list = attrs.clusterList;
    if (list === undefined || list.length === 0) return;
    add(
      OPTIONAL_NON_TRANSITIVE,
      AttrType.CLUSTER_LIST,
      Buffer.concat(list.map((c) => ipv4(c, 'CLUSTER_LIST id'))),
    );
  },
  // The order of a CLUSTER_LIST is the reflection path: kept.
  key: (attrs) => attrs.clusterList,
};
