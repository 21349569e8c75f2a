/**
 * Path attribute decoding (RFC 4271 4.3, 5): flags (1), type (1), length (1, or 2 with the
 * Extended Length flag), value. Each recognized attribute is checked for flags and length; what
 * is wrong becomes a BgpWireError whose handling follows RFC 7606 7.x (treat-as-withdraw for
 * most, attribute-discard for ATOMIC_AGGREGATE, AGGREGATOR, AS4_PATH, AS4_AGGREGATOR, session
 * reset for MP_REACH/MP_UNREACH). Session resets are thrown; the others are collected in
 * `errors` while decoding goes on, so that the UPDATE is never thrown away.
 */
import type {
  Aggregator,
  AsPathSegment,
  CodecContext,
  LargeCommunity,
  PathAttributes,
} from './types.js';
import { AttrFlag, AttrType } from './types.js';
import type { BgpWireError, BgpWireErrorCode } from './errors.js';
import { updateError } from './errors.js';
import { AS_TRANS, decodeAsPath, mergeAs4Path } from './as-path.js';
import { decodeMpReach, decodeMpUnreach } from './mp.js';
import { formatIpv4 } from './ip.js';
import { EXPECTED_FLAGS, WELL_KNOWN, malformedHandling } from './attribute-rules.js';

export interface DecodedAttributes {
  attributes: PathAttributes;
  /** Type codes that appeared (even if malformed), for the missing well-known check. */
  seen: Uint8Array;
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
  let as4Path: AsPathSegment[] | undefined;
  let as4Aggregator: Aggregator | undefined;
  let p = start;
  while (p < end) {
    const attrStart = p;
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
    p = ve;
    const attr = msg.subarray(attrStart, ve);
    const fail = (
      code: BgpWireErrorCode,
      why: string,
      handling = malformedHandling(type),
    ): void => {
      const err = updateError(code, why, handling, Buffer.from(attr), type);
      if (handling === 'session-reset') throw err;
      errors.push(err);
    };

    if (seen[type]) {
      // RFC 7606 3(g): MP_REACH/MP_UNREACH twice -> Malformed Attribute List (session reset);
      // any other attribute: keep the first, discard the others.
      if (type === AttrType.MP_REACH_NLRI || type === AttrType.MP_UNREACH_NLRI) {
        fail('ERR_BGP_ATTR_LIST', `attribute ${type} appears twice`, 'session-reset');
      } else {
        fail('ERR_BGP_ATTR_DUPLICATE', `attribute ${type} appears twice`, 'attribute-discard');
      }
      continue;
    }
    seen[type] = 1;

    const expected = EXPECTED_FLAGS[type];
    if (expected === undefined) {
      // RFC 4271 6.3: an unrecognized well-known attribute -> 3/2, data the attribute.
      if (!(flags & AttrFlag.OPTIONAL)) {
        fail(
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
    if ((flags & 0xc0) !== expected || (expected === WELL_KNOWN && flags & AttrFlag.PARTIAL)) {
      fail('ERR_BGP_ATTR_FLAGS', `attribute ${type} has flags 0x${flags.toString(16)}`);
      continue;
    }
    const lengthError = () =>
      fail('ERR_BGP_ATTR_LENGTH', `attribute ${type} has bad length ${len}`);
    switch (type) {
      case AttrType.ORIGIN: {
        if (len !== 1) lengthError();
        // RFC 4271 6.3: undefined ORIGIN value -> 3/6 Invalid ORIGIN Attribute.
        else if (msg[vs]! > 2) fail('ERR_BGP_ORIGIN', `ORIGIN ${msg[vs]}`);
        else attrs.origin = msg[vs] as 0 | 1 | 2;
        break;
      }
      case AttrType.AS_PATH: {
        const path = decodeAsPath(msg, vs, ve, ctx.fourOctetAs ? 4 : 2);
        // RFC 4271 6.3 / RFC 7606 7.2: malformed AS_PATH -> 3/11, treat-as-withdraw.
        if (path === undefined) fail('ERR_BGP_AS_PATH', 'malformed AS_PATH');
        else attrs.asPath = path;
        break;
      }
      case AttrType.NEXT_HOP: {
        if (len !== 4) {
          lengthError();
          break;
        }
        // Its meaning is checked in decodeUpdate, which knows whether IPv4 NLRI use it.
        attrs.nextHop = formatIpv4(msg, vs);
        break;
      }
      case AttrType.MULTI_EXIT_DISC:
        if (len !== 4) lengthError();
        else attrs.med = msg.readUInt32BE(vs);
        break;
      case AttrType.LOCAL_PREF:
        if (len !== 4) lengthError();
        else attrs.localPref = msg.readUInt32BE(vs);
        break;
      case AttrType.ATOMIC_AGGREGATE:
        if (len !== 0) lengthError();
        else attrs.atomicAggregate = true;
        break;
      case AttrType.AGGREGATOR: {
        const asnSize = ctx.fourOctetAs ? 4 : 2;
        if (len !== asnSize + 4) {
          lengthError();
          break;
        }
        const asn = asnSize === 4 ? msg.readUInt32BE(vs) : msg.readUInt16BE(vs);
        // RFC 7607 2: AS 0 in AGGREGATOR is malformed (RFC 7606 7.7: attribute discard).
        if (asn === 0) fail('ERR_BGP_OPTIONAL_ATTR', 'AGGREGATOR AS 0');
        else attrs.aggregator = { asn, address: formatIpv4(msg, vs + asnSize) };
        break;
      }
      case AttrType.COMMUNITIES: {
        if (len === 0 || len % 4 !== 0) {
          lengthError();
          break;
        }
        const list = new Array<number>(len / 4);
        for (let i = 0; i < list.length; i++) list[i] = msg.readUInt32BE(vs + 4 * i);
        attrs.communities = list;
        break;
      }
      case AttrType.ORIGINATOR_ID:
        if (len !== 4) lengthError();
        else attrs.originatorId = formatIpv4(msg, vs);
        break;
      case AttrType.CLUSTER_LIST: {
        if (len === 0 || len % 4 !== 0) {
          lengthError();
          break;
        }
        const ids: string[] = [];
        for (let q = vs; q < ve; q += 4) ids.push(formatIpv4(msg, q));
        attrs.clusterList = ids;
        break;
      }
      case AttrType.MP_REACH_NLRI:
        attrs.mpReach = decodeMpReach(msg, vs, ve, attr, ctx, errors);
        break;
      case AttrType.MP_UNREACH_NLRI:
        attrs.mpUnreach = decodeMpUnreach(msg, vs, ve, attr, ctx);
        break;
      case AttrType.EXTENDED_COMMUNITIES: {
        if (len === 0 || len % 8 !== 0) {
          lengthError();
          break;
        }
        const list: Buffer[] = [];
        for (let q = vs; q < ve; q += 8) list.push(Buffer.from(msg.subarray(q, q + 8)));
        attrs.extendedCommunities = list;
        break;
      }
      case AttrType.AS4_PATH:
      case AttrType.AS4_AGGREGATOR: {
        // RFC 6793 4.1: a NEW speaker never sends these to a NEW speaker; received anyway, they
        // are discarded.
        if (ctx.fourOctetAs) {
          fail(
            'ERR_BGP_AS4_ATTR',
            `attribute ${type} on a 4-octet AS session`,
            'attribute-discard',
          );
          break;
        }
        if (type === AttrType.AS4_PATH) {
          const path = decodeAsPath(msg, vs, ve, 4);
          // RFC 6793 6: a malformed AS4_PATH is discarded; so are confed segments in it.
          if (
            path === undefined ||
            path.some((s) => s.type === 'AS_CONFED_SEQUENCE' || s.type === 'AS_CONFED_SET')
          ) {
            fail('ERR_BGP_AS4_ATTR', 'malformed AS4_PATH');
          } else as4Path = path;
        } else if (len !== 8) fail('ERR_BGP_AS4_ATTR', 'AS4_AGGREGATOR length is not 8');
        else if (msg.readUInt32BE(vs) === 0) fail('ERR_BGP_AS4_ATTR', 'AS4_AGGREGATOR AS 0');
        else as4Aggregator = { asn: msg.readUInt32BE(vs), address: formatIpv4(msg, vs + 4) };
        break;
      }
      case AttrType.LARGE_COMMUNITIES: {
        // RFC 8092 6: length not a non-zero multiple of 12 -> treat-as-withdraw.
        if (len === 0 || len % 12 !== 0) {
          lengthError();
          break;
        }
        const list: LargeCommunity[] = [];
        for (let q = vs; q < ve; q += 12) {
          list.push([msg.readUInt32BE(q), msg.readUInt32BE(q + 4), msg.readUInt32BE(q + 8)]);
        }
        attrs.largeCommunities = list;
        break;
      }
    }
  }
  // RFC 6793 4.2.3: on a 2-octet session, rebuild the real path and aggregator. If AGGREGATOR
  // carries an AS other than AS_TRANS, AS4_AGGREGATOR and AS4_PATH are ignored.
  if (!ctx.fourOctetAs && (as4Path || as4Aggregator)) {
    if (!attrs.aggregator || attrs.aggregator.asn === AS_TRANS) {
      if (as4Aggregator && attrs.aggregator) attrs.aggregator = as4Aggregator;
      if (as4Path && attrs.asPath) attrs.asPath = mergeAs4Path(attrs.asPath, as4Path);
    }
  }
  return { attributes: attrs, seen };
}
