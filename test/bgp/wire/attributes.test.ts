/**
 * The attribute registry (src/bgp/wire/attributes): RFC 7606 7.5 LOCAL_PREF from an external
 * peer, and the registry's own consistency (every descriptor decodes what it encodes).
 */
import { describe, expect, it } from 'vitest';
import {
  ATTRIBUTES,
  DEFAULT_CONTEXT,
  decodeMessage,
  encodeMessage,
  type CodecContext,
  type UpdateMessage,
} from '../../../src/bgp/wire/index.js';
import { codecContextOf } from '../../../src/bgp/fsm/index.js';
import { message } from './support/hex.js';

const IBGP: CodecContext = { fourOctetAs: true, extendedMessage: false, externalPeer: false };
const EBGP: CodecContext = { fourOctetAs: true, extendedMessage: false, externalPeer: true };

const WITH_LOCAL_PREF = message(
  2,
  `
  0000                  // withdrawn routes length 0
  001b                  // total path attribute length 27
  40 01 01 00           // ORIGIN IGP
  40 02 06 02 01 0000fde8 // AS_PATH AS_SEQUENCE [65000]
  40 03 04 c6120001     // NEXT_HOP 198.18.0.1
  40 05 04 000000c8     // LOCAL_PREF 200 (well-known)
  20 c6120005           // NLRI 198.18.0.5/32
`,
);

describe('LOCAL_PREF (RFC 4271 5.1.5, RFC 7606 7.5)', () => {
  it('is kept from an internal peer', () => {
    const r = decodeMessage(WITH_LOCAL_PREF, IBGP);
    expect(r.ok && r.message.type === 'UPDATE' && r.message.attributes.localPref).toBe(200);
  });

  it('is discarded from an external peer; the route and the rest stay, no error', () => {
    const r = decodeMessage(WITH_LOCAL_PREF, EBGP);
    if (!r.ok || r.message.type !== 'UPDATE') throw new Error('decode failed');
    expect(r.message.attributes.localPref).toBeUndefined();
    expect(r.message.attributes.nextHop).toBe('198.18.0.1');
    expect(r.message.nlri).toEqual([{ prefix: '198.18.0.5/32' }]);
    expect(r.errors).toEqual([]);
    expect(r.treatAsWithdraw).toBe(false);
  });

  it('a bad length is treat-as-withdraw from an internal peer, discarded from an external one', () => {
    const bad = message(
      2,
      `
      0000                    // withdrawn routes length 0
      001a                    // total path attribute length 26
      40 01 01 00             // ORIGIN IGP
      40 02 06 02 01 0000fde8 // AS_PATH AS_SEQUENCE [65000]
      40 03 04 c6120001       // NEXT_HOP 198.18.0.1
      40 05 03 0000c8         // LOCAL_PREF with length 3: malformed
      20 c6120005             // NLRI 198.18.0.5/32
    `,
    );
    const r = decodeMessage(bad, IBGP);
    expect(r.ok && r.errors.map((e) => [e.code, e.notifyCode, e.notifySubcode])).toEqual([
      ['ERR_BGP_ATTR_LENGTH', 3, 5],
    ]);
    expect(r.ok && r.treatAsWithdraw).toBe(true);
    const e = decodeMessage(bad, EBGP);
    expect(e.ok && [e.errors, e.treatAsWithdraw]).toEqual([[], false]);
  });

  it('the session context says external exactly when the peer AS differs', () => {
    const base = {
      peerAsn: 64500,
      peerBgpId: '198.18.0.1',
      holdTimeSeconds: 90,
      keepaliveTimeMs: 30_000,
      fourOctetAs: true,
      extendedMessage: false,
      routeRefresh: true,
      enhancedRouteRefresh: false,
      families: [],
      addPath: [],
      extendedNextHop: [],
      peerCapabilities: [],
    };
    expect(codecContextOf({ ...base, internal: false }).externalPeer).toBe(true);
    expect(codecContextOf({ ...base, internal: true }).externalPeer).toBe(false);
  });
});

describe('attribute registry', () => {
  it('has one descriptor per type code, in type order', () => {
    const types = ATTRIBUTES.map((d) => d.type);
    expect(types).toEqual([...types].sort((a, b) => a - b));
    expect(new Set(types).size).toBe(types.length);
  });

  it('round-trips a route carrying every attribute an originated route can carry', () => {
    const update: UpdateMessage = {
      type: 'UPDATE',
      withdrawn: [],
      nlri: [{ prefix: '198.18.0.5/32' }],
      attributes: {
        origin: 1,
        asPath: [{ type: 'AS_SEQUENCE', asns: [65000, 4200000000] }],
        nextHop: '198.18.0.1',
        med: 7,
        localPref: 300,
        atomicAggregate: true,
        aggregator: { asn: 4200000000, address: '198.18.0.2' },
        communities: [0xfde80001],
        originatorId: '198.18.0.3',
        clusterList: ['198.18.0.4'],
        extendedCommunities: [Buffer.from('0002fde800000001', 'hex')],
        largeCommunities: [[4200000000, 1, 2]],
      },
    };
    for (const ctx of [IBGP, DEFAULT_CONTEXT]) {
      const r = decodeMessage(encodeMessage(update, ctx), ctx);
      expect(r.ok && r.errors).toEqual([]);
      expect(r.ok && r.message).toEqual(update);
    }
  });
});
