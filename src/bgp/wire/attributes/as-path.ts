/**
 * AS_PATH and AGGREGATOR (RFC 4271 5.1.2, 5.1.7) with their 4-octet companions AS4_PATH and
 * AS4_AGGREGATOR (RFC 6793 4): on a 2-octet session the encoder writes AS_TRANS plus the AS4_*
 * attribute, and the decoder keeps AS4_* aside for merging once every attribute is read.
 */
import type { Aggregator } from '../types.js';
import { AttrType } from '../types.js';
import { encodeError } from '../errors.js';
import { AS_TRANS, decodeAsPath, encodeAsPath, splitForOldSpeaker } from '../as-path.js';
import { formatIpv4 } from '../ip.js';
import {
  OPTIONAL_TRANSITIVE,
  WELL_KNOWN,
  ipv4,
  u32,
  type AttributeDescriptor,
  type AttributeInput,
} from './descriptor.js';

export const AS_PATH: AttributeDescriptor = {
  type: AttrType.AS_PATH,
  name: 'AS_PATH',
  flags: WELL_KNOWN,
  malformed: 'treat-as-withdraw', // RFC 7606 7.2
  decode(input, attrs) {
    const path = decodeAsPath(input.msg, input.start, input.end, input.ctx.fourOctetAs ? 4 : 2);
    // RFC 4271 6.3 / RFC 7606 7.2: malformed AS_PATH -> 3/11, treat-as-withdraw.
    if (path === undefined) input.fail('ERR_BGP_AS_PATH', 'malformed AS_PATH');
    else attrs.asPath = path;
  },
  encode(attrs, ctx, add) {
    if (attrs.asPath === undefined) return;
    if (ctx.fourOctetAs) return add(WELL_KNOWN, AttrType.AS_PATH, encodeAsPath(attrs.asPath, 4));
    // RFC 6793 4.2.2: 4-octet ASNs go out as AS_TRANS, the real path in AS4_PATH.
    const { asPath, as4Path } = splitForOldSpeaker(attrs.asPath);
    add(WELL_KNOWN, AttrType.AS_PATH, encodeAsPath(asPath, 2));
    if (as4Path) add(OPTIONAL_TRANSITIVE, AttrType.AS4_PATH, encodeAsPath(as4Path, 4));
  },
  key: (attrs) => attrs.asPath,
};

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

export const AGGREGATOR: AttributeDescriptor = {
  type: AttrType.AGGREGATOR,
  name: 'AGGREGATOR',
  flags: OPTIONAL_TRANSITIVE,
  malformed: 'attribute-discard', // RFC 7606 7.7
  decode(input, attrs) {
    const asnSize = input.ctx.fourOctetAs ? 4 : 2;
    if (input.len !== asnSize + 4) return input.lengthError();
    const { msg, start } = input;
    const asn = asnSize === 4 ? msg.readUInt32BE(start) : msg.readUInt16BE(start);
    // RFC 7607 2: AS 0 in AGGREGATOR is malformed (RFC 7606 7.7: attribute discard).
    if (asn === 0) input.fail('ERR_BGP_OPTIONAL_ATTR', 'AGGREGATOR AS 0');
    else attrs.aggregator = { asn, address: formatIpv4(msg, start + asnSize) };
  },
  encode(attrs, ctx, add) {
    const a = attrs.aggregator;
    if (a === undefined) return;
    if (ctx.fourOctetAs) add(OPTIONAL_TRANSITIVE, AttrType.AGGREGATOR, aggregatorValue(a, 4));
    else if (a.asn > 0xffff) {
      const trans = { asn: AS_TRANS, address: a.address };
      add(OPTIONAL_TRANSITIVE, AttrType.AGGREGATOR, aggregatorValue(trans, 2));
      add(OPTIONAL_TRANSITIVE, AttrType.AS4_AGGREGATOR, aggregatorValue(a, 4));
    } else add(OPTIONAL_TRANSITIVE, AttrType.AGGREGATOR, aggregatorValue(a, 2));
  },
  key: (attrs) => attrs.aggregator && [attrs.aggregator.asn, attrs.aggregator.address],
};

/** RFC 6793 4.1: a NEW speaker never sends AS4_* to a NEW speaker; received anyway, discarded. */
function refusedOnFourOctetSession(input: AttributeInput, type: number): boolean {
  if (!input.ctx.fourOctetAs) return false;
  input.fail('ERR_BGP_AS4_ATTR', `attribute ${type} on a 4-octet AS session`, 'attribute-discard');
  return true;
}

/** Written by AS_PATH's encoder; read here and merged by decodeAttributes (RFC 6793 4.2.3). */
export const AS4_PATH: AttributeDescriptor = {
  type: AttrType.AS4_PATH,
  name: 'AS4_PATH',
  flags: OPTIONAL_TRANSITIVE,
  malformed: 'attribute-discard', // RFC 6793 6, RFC 7606 7.12
  decode(input) {
    if (refusedOnFourOctetSession(input, AttrType.AS4_PATH)) return;
    const path = decodeAsPath(input.msg, input.start, input.end, 4);
    // RFC 6793 6: a malformed AS4_PATH is discarded; so are confed segments in it.
    if (
      path === undefined ||
      path.some((s) => s.type === 'AS_CONFED_SEQUENCE' || s.type === 'AS_CONFED_SET')
    ) {
      input.fail('ERR_BGP_AS4_ATTR', 'malformed AS4_PATH');
    } else input.later.as4Path = path;
  },
  encode() {},
};

/** Written by AGGREGATOR's encoder; read here and merged by decodeAttributes. */
export const AS4_AGGREGATOR: AttributeDescriptor = {
  type: AttrType.AS4_AGGREGATOR,
  name: 'AS4_AGGREGATOR',
  flags: OPTIONAL_TRANSITIVE,
  malformed: 'attribute-discard', // RFC 6793 6
  decode(input) {
    if (refusedOnFourOctetSession(input, AttrType.AS4_AGGREGATOR)) return;
    const { msg, start } = input;
    if (input.len !== 8) input.fail('ERR_BGP_AS4_ATTR', 'AS4_AGGREGATOR length is not 8');
    else if (msg.readUInt32BE(start) === 0) input.fail('ERR_BGP_AS4_ATTR', 'AS4_AGGREGATOR AS 0');
    else
      input.later.as4Aggregator = {
        asn: msg.readUInt32BE(start),
        address: formatIpv4(msg, start + 4),
      };
  },
  encode() {},
};
