/**
 * Annotated byte tables run both ways: decode to the expected message, encode back to the same
 * bytes (rows marked `exact`), round trip, and the stream split at every offset through
 * BgpFramer.
 */
import { describe, expect, it } from 'vitest';
import {
  BgpFramer,
  DEFAULT_CONTEXT,
  decodeMessage,
  encodeMessage,
  endOfRib,
  endOfRibFamily,
  isEndOfRib,
} from '../../../src/bgp/wire/index.js';
import type { BgpMessage, CodecContext } from '../../../src/bgp/wire/index.js';
import { message } from './support/hex.js';

const FOUR: CodecContext = { fourOctetAs: true, extendedMessage: false };
const ADDPATH: CodecContext = {
  fourOctetAs: true,
  extendedMessage: false,
  addPathReceive: new Set(['1/1', '2/1']),
  addPathSend: new Set(['1/1', '2/1']),
};

interface Row {
  name: string;
  ctx: CodecContext;
  bytes: Buffer;
  message: BgpMessage;
  /** encodeMessage(message) gives back exactly `bytes`. */
  exact: boolean;
}

const rows: Row[] = [
  {
    name: 'KEEPALIVE',
    ctx: DEFAULT_CONTEXT,
    bytes: message(4, ''),
    message: { type: 'KEEPALIVE' },
    exact: true,
  },
  {
    name: 'OPEN as FRR sends it: all capabilities in one optional parameter',
    ctx: DEFAULT_CONTEXT,
    bytes: message(
      1,
      `
      04                 // version 4
      5ba0               // My AS 23456 (AS_TRANS)
      00b4               // hold time 180
      c6120001           // BGP Identifier 198.18.0.1
      36                 // optional parameters length 54
      02 34              // parameter: capabilities, 52 octets
        01 04 0001 00 01 // multiprotocol IPv4 unicast
        01 04 0002 00 01 // multiprotocol IPv6 unicast
        02 00            // route refresh
        80 00            // route refresh (old Cisco code)
        46 00            // enhanced route refresh
        06 00            // extended message
        41 04 fa56ea00   // 4-octet AS 4200000000
        45 04 0001 01 03 // ADD-PATH IPv4 unicast send+receive
        49 07 03 667272 02 6c62 // hostname "frr", domain "lb"
        40 06 c078 0001 01 80   // graceful restart R+N, 120 s, IPv4 unicast F
        09 01 03         // role: customer
      `,
    ),
    message: {
      type: 'OPEN',
      version: 4,
      myAsn: 23456,
      holdTime: 180,
      bgpId: '198.18.0.1',
      capabilities: [
        { kind: 'multiprotocol', afi: 1, safi: 1 },
        { kind: 'multiprotocol', afi: 2, safi: 1 },
        { kind: 'route-refresh' },
        { kind: 'route-refresh-old' },
        { kind: 'enhanced-route-refresh' },
        { kind: 'extended-message' },
        { kind: 'four-octet-as', asn: 4200000000 },
        { kind: 'add-path', families: [{ afi: 1, safi: 1, sendReceive: 3 }] },
        { kind: 'fqdn', hostname: 'frr', domain: 'lb' },
        {
          kind: 'graceful-restart',
          restarting: true,
          notification: true,
          restartTime: 120,
          families: [{ afi: 1, safi: 1, forwardingPreserved: true }],
        },
        { kind: 'role', role: 3 },
      ],
    },
    exact: true,
  },
  {
    name: 'OPEN with one capability per optional parameter, and an unknown capability',
    ctx: DEFAULT_CONTEXT,
    bytes: message(
      1,
      `
      04 fde8 005a 0a000001 // version 4, AS 65000, hold 90, id 10.0.0.1
      0e                    // optional parameters length 14
      02 06 01 04 0001 0001 // parameter: multiprotocol IPv4 unicast
      02 04 ab 02 beef      // parameter: unknown capability 171, value beef
      `,
    ),
    message: {
      type: 'OPEN',
      version: 4,
      myAsn: 65000,
      holdTime: 90,
      bgpId: '10.0.0.1',
      capabilities: [
        { kind: 'multiprotocol', afi: 1, safi: 1 },
        { kind: 'unknown', code: 171, value: Buffer.from('beef', 'hex') },
      ],
    },
    exact: false,
  },
  {
    name: 'OPEN with RFC 9072 extended optional parameters length',
    ctx: DEFAULT_CONTEXT,
    bytes: message(
      1,
      `
      04 fde8 0000 0a000001 // version 4, AS 65000, hold 0, id 10.0.0.1
      ff                    // non-ext OP len 255
      ff                    // non-ext OP type 255: extended form
      0009                  // extended optional parameters length 9
      02 0006               // parameter: capabilities, 2-octet length 6
        41 04 0000fde8      // 4-octet AS 65000
      `,
    ),
    message: {
      type: 'OPEN',
      version: 4,
      myAsn: 65000,
      holdTime: 0,
      bgpId: '10.0.0.1',
      capabilities: [{ kind: 'four-octet-as', asn: 65000 }],
      extendedOptionalParameters: true,
    },
    exact: true,
  },
  {
    name: 'UPDATE IPv4 unicast, 4-octet AS session',
    ctx: FOUR,
    bytes: message(
      2,
      `
      0000                 // withdrawn routes length 0
      0035                 // total path attribute length 53
      40 01 01 00          // ORIGIN IGP
      40 02 0e 02 03 0000fde8 fa56ea00 00000001 // AS_PATH: AS_SEQUENCE 65000 4200000000 1
      40 03 04 c6120001    // NEXT_HOP 198.18.0.1
      80 04 04 00000064    // MED 100
      40 05 04 000000c8    // LOCAL_PREF 200
      c0 08 08 fde80064 ffffff01 // COMMUNITIES 65000:100 NO_EXPORT
      20 c6120005          // NLRI 198.18.0.5/32
      18 c61201            // NLRI 198.18.1.0/24
      `,
    ),
    message: {
      type: 'UPDATE',
      withdrawn: [],
      attributes: {
        origin: 0,
        asPath: [{ type: 'AS_SEQUENCE', asns: [65000, 4200000000, 1] }],
        nextHop: '198.18.0.1',
        med: 100,
        localPref: 200,
        communities: [0xfde80064, 0xffffff01],
      },
      nlri: [{ prefix: '198.18.0.5/32' }, { prefix: '198.18.1.0/24' }],
    },
    exact: true,
  },
  {
    name: 'UPDATE on a 2-octet session: AS_TRANS in AS_PATH, AS4_PATH and AS4_AGGREGATOR merged (RFC 6793 4.2.3)',
    ctx: DEFAULT_CONTEXT,
    bytes: message(
      2,
      `
      0000 0035            // no withdrawn; attributes 53 octets
      40 01 01 02          // ORIGIN INCOMPLETE
      40 02 06 02 02 fde8 5ba0 // AS_PATH: AS_SEQUENCE 65000 23456
      40 03 04 c6120001    // NEXT_HOP 198.18.0.1
      c0 07 06 5ba0 c6120009 // AGGREGATOR AS_TRANS 198.18.0.9
      c0 11 0a 02 02 0000fde8 fa56ea00 // AS4_PATH: AS_SEQUENCE 65000 4200000000
      c0 12 08 fa56ea00 c6120009 // AS4_AGGREGATOR 4200000000 198.18.0.9
      00                   // NLRI 0.0.0.0/0
      `,
    ),
    message: {
      type: 'UPDATE',
      withdrawn: [],
      attributes: {
        origin: 2,
        asPath: [{ type: 'AS_SEQUENCE', asns: [65000, 4200000000] }],
        nextHop: '198.18.0.1',
        aggregator: { asn: 4200000000, address: '198.18.0.9' },
      },
      nlri: [{ prefix: '0.0.0.0/0' }],
    },
    exact: true,
  },
  {
    name: 'UPDATE withdrawing IPv4 routes only',
    ctx: FOUR,
    bytes: message(
      2,
      `
      000a                 // withdrawn routes length 10
      20 c6120005          // 198.18.0.5/32
      19 c6120080          // 198.18.0.128/25
      0000                 // no attributes, no NLRI
      `,
    ),
    message: {
      type: 'UPDATE',
      withdrawn: [{ prefix: '198.18.0.5/32' }, { prefix: '198.18.0.128/25' }],
      attributes: {},
      nlri: [],
    },
    exact: true,
  },
  {
    name: 'End-of-RIB IPv4 unicast (RFC 4724 2): empty UPDATE',
    ctx: FOUR,
    bytes: message(2, `0000 0000 // nothing at all`),
    message: endOfRib(1, 1),
    exact: true,
  },
  {
    name: 'End-of-RIB IPv6 unicast: MP_UNREACH_NLRI with no routes',
    ctx: FOUR,
    bytes: message(
      2,
      `
      0000 0006            // no withdrawn; attributes 6 octets
      80 0f 03 0002 01     // MP_UNREACH_NLRI AFI 2 SAFI 1, no routes
      `,
    ),
    message: endOfRib(2, 1),
    exact: true,
  },
  {
    name: 'UPDATE IPv6 unicast: MP_REACH_NLRI with global and link-local next hops (RFC 2545 3)',
    ctx: FOUR,
    bytes: message(
      2,
      `
      0000 004b            // no withdrawn; attributes 75 octets
      80 0e 3b             // MP_REACH_NLRI, 59 octets
        0002 01            // AFI 2 SAFI 1
        20 20010db8000000000000000000000001 fe800000000000000000000000000001 // next hops 2001:db8::1, fe80::1
        00                 // reserved
        80 20010db8000000000000000000000005 // 2001:db8::5/128
        20 20010db8        // 2001:db8::/32
      40 01 01 00          // ORIGIN IGP
      40 02 06 02 01 0000fde8 // AS_PATH 65000
      `,
    ),
    message: {
      type: 'UPDATE',
      withdrawn: [],
      attributes: {
        mpReach: {
          afi: 2,
          safi: 1,
          nextHops: ['2001:db8::1', 'fe80::1'],
          nlri: [{ prefix: '2001:db8::5/128' }, { prefix: '2001:db8::/32' }],
        },
        origin: 0,
        asPath: [{ type: 'AS_SEQUENCE', asns: [65000] }],
      },
      nlri: [],
    },
    exact: true,
  },
  {
    name: 'OPEN of an unnumbered peer: extended next hop IPv4 unicast over IPv6 (RFC 8950 3)',
    ctx: DEFAULT_CONTEXT,
    bytes: message(
      1,
      `
      04 fbf5 00b4 c6120001 // version 4, AS 64501, hold 180, id 198.18.0.1
      10                    // optional parameters length 16
      02 0e                 // parameter: capabilities, 14 octets
        01 04 0001 00 01    // multiprotocol IPv4 unicast
        05 06 0001 0001 0002 // extended next hop: AFI 1, SAFI 1 (2 octets), next hop AFI 2
      `,
    ),
    message: {
      type: 'OPEN',
      version: 4,
      myAsn: 64501,
      holdTime: 180,
      bgpId: '198.18.0.1',
      capabilities: [
        { kind: 'multiprotocol', afi: 1, safi: 1 },
        { kind: 'extended-nexthop', families: [{ afi: 1, safi: 1, nextHopAfi: 2 }] },
      ],
    },
    exact: true,
  },
  {
    name: 'UPDATE IPv4 unicast in MP_REACH_NLRI with a link-local IPv6 next hop (RFC 8950 3)',
    ctx: FOUR,
    bytes: message(
      2,
      `
      0000 002a            // no withdrawn; attributes 42 octets
      80 0e 1a             // MP_REACH_NLRI, 26 octets
        0001 01            // AFI 1 SAFI 1
        10 fe80000000000000020000fffe000101 // next hop length 16: fe80::200:ff:fe00:101
        00                 // reserved
        20 c6126414        // 198.18.100.20/32
      40 01 01 00          // ORIGIN IGP
      40 02 06 02 01 0000fbf5 // AS_PATH 64501
      `,
    ),
    message: {
      type: 'UPDATE',
      withdrawn: [],
      attributes: {
        mpReach: {
          afi: 1,
          safi: 1,
          nextHops: ['fe80::200:ff:fe00:101'],
          nlri: [{ prefix: '198.18.100.20/32' }],
        },
        origin: 0,
        asPath: [{ type: 'AS_SEQUENCE', asns: [64501] }],
      },
      nlri: [],
    },
    exact: true,
  },
  {
    name: 'UPDATE IPv4 unicast in MP_REACH_NLRI with global and link-local next hops (RFC 8950 3)',
    ctx: FOUR,
    bytes: message(
      2,
      `
      0000 003a            // no withdrawn; attributes 58 octets
      80 0e 2a             // MP_REACH_NLRI, 42 octets
        0001 01            // AFI 1 SAFI 1
        20 20010db8000000000000000000000101 fe80000000000000020000fffe000101 // 32 octets: 2001:db8::101, fe80::200:ff:fe00:101
        00                 // reserved
        20 c6126414        // 198.18.100.20/32
      40 01 01 00          // ORIGIN IGP
      40 02 06 02 01 0000fbf5 // AS_PATH 64501
      `,
    ),
    message: {
      type: 'UPDATE',
      withdrawn: [],
      attributes: {
        mpReach: {
          afi: 1,
          safi: 1,
          nextHops: ['2001:db8::101', 'fe80::200:ff:fe00:101'],
          nlri: [{ prefix: '198.18.100.20/32' }],
        },
        origin: 0,
        asPath: [{ type: 'AS_SEQUENCE', asns: [64501] }],
      },
      nlri: [],
    },
    exact: true,
  },
  {
    name: 'UPDATE with aggregation, route reflection and every community kind',
    ctx: FOUR,
    bytes: message(
      2,
      `
      0000 006a            // no withdrawn; attributes 106 octets
      40 01 01 01          // ORIGIN EGP
      40 02 16 01 02 0000fde9 0000fdea 03 01 0000fdeb 02 01 0000fde8 // AS_SET {65001,65002}, AS_CONFED_SEQUENCE (65003), AS_SEQUENCE 65000
      40 03 04 c6120001    // NEXT_HOP
      40 06 00             // ATOMIC_AGGREGATE
      c0 07 08 0000fde8 c6120002 // AGGREGATOR 65000 198.18.0.2
      80 09 04 c6120003    // ORIGINATOR_ID 198.18.0.3
      80 0a 08 c6120004 c6120005 // CLUSTER_LIST
      c0 10 08 0002fde800000064 // EXTENDED_COMMUNITIES RT:65000:100
      c0 20 18 00000001 00000002 00000003 ffffffff ffffffff ffffffff // LARGE_COMMUNITIES 1:2:3 and max
      18 c61202            // NLRI 198.18.2.0/24
      `,
    ),
    message: {
      type: 'UPDATE',
      withdrawn: [],
      attributes: {
        origin: 1,
        asPath: [
          { type: 'AS_SET', asns: [65001, 65002] },
          { type: 'AS_CONFED_SEQUENCE', asns: [65003] },
          { type: 'AS_SEQUENCE', asns: [65000] },
        ],
        nextHop: '198.18.0.1',
        atomicAggregate: true,
        aggregator: { asn: 65000, address: '198.18.0.2' },
        originatorId: '198.18.0.3',
        clusterList: ['198.18.0.4', '198.18.0.5'],
        extendedCommunities: [Buffer.from('0002fde800000064', 'hex')],
        largeCommunities: [
          [1, 2, 3],
          [4294967295, 4294967295, 4294967295],
        ],
      },
      nlri: [{ prefix: '198.18.2.0/24' }],
    },
    exact: true,
  },
  {
    name: 'UPDATE with unknown optional attributes kept raw (AIGP 26, type 254) beside OTC 35',
    ctx: FOUR,
    bytes: message(
      2,
      `
      0000 0029            // no withdrawn; attributes 41 octets
      40 01 01 00          // ORIGIN
      40 02 00             // AS_PATH empty (iBGP)
      40 03 04 c6120001    // NEXT_HOP
      80 1a 0b 01000b0000000000000064 // AIGP (26), optional non-transitive, raw
      c0 23 04 0000fde8    // ONLY_TO_CUSTOMER (35, RFC 9234), optional transitive, AS 65000
      d0 fe 0002 abcd      // type 254, optional transitive, extended length, raw
      20 c6120007          // NLRI 198.18.0.7/32
      `,
    ),
    message: {
      type: 'UPDATE',
      withdrawn: [],
      attributes: {
        origin: 0,
        asPath: [],
        nextHop: '198.18.0.1',
        onlyToCustomer: 65000,
        unknown: [
          { flags: 0x80, typeCode: 26, value: Buffer.from('01000b0000000000000064', 'hex') },
          { flags: 0xd0, typeCode: 254, value: Buffer.from('abcd', 'hex') },
        ],
      },
      nlri: [{ prefix: '198.18.0.7/32' }],
    },
    exact: true,
  },
  {
    name: 'UPDATE with ADD-PATH path identifiers (RFC 7911 3)',
    ctx: ADDPATH,
    bytes: message(
      2,
      `
      0009 00000002 20 c6120005 // withdrawn: path 2, 198.18.0.5/32
      000e                 // attributes 14 octets
      40 01 01 00          // ORIGIN
      40 02 00             // AS_PATH empty
      40 03 04 c6120001    // NEXT_HOP
      00000001 20 c6120005 // NLRI: path 1, 198.18.0.5/32
      `,
    ),
    message: {
      type: 'UPDATE',
      withdrawn: [{ prefix: '198.18.0.5/32', pathId: 2 }],
      attributes: { origin: 0, asPath: [], nextHop: '198.18.0.1' },
      nlri: [{ prefix: '198.18.0.5/32', pathId: 1 }],
    },
    exact: true,
  },
  {
    name: 'UPDATE with an EVPN MP_REACH_NLRI kept raw (family not interpreted)',
    ctx: FOUR,
    bytes: message(
      2,
      `
      0000 001b            // attributes 27 octets
      80 0e 11 0019 46     // MP_REACH_NLRI AFI 25 (L2VPN) SAFI 70 (EVPN)
        04 c6120001 00     // next hop 198.18.0.1, reserved
        03 06 aabbccddeeff // EVPN NLRI, raw
      40 01 01 00          // ORIGIN
      40 02 00             // AS_PATH empty
      `,
    ),
    message: {
      type: 'UPDATE',
      withdrawn: [],
      attributes: {
        mpReach: {
          afi: 25,
          safi: 70,
          nextHops: [],
          nlri: [],
          rawNextHop: Buffer.from('c6120001', 'hex'),
          rawNlri: Buffer.from('0306aabbccddeeff', 'hex'),
        },
        origin: 0,
        asPath: [],
      },
      nlri: [],
    },
    exact: true,
  },
  {
    name: 'NOTIFICATION Cease / Administrative Shutdown with a shutdown communication (RFC 9003)',
    ctx: FOUR,
    bytes: message(
      3,
      `06 02 // Cease, Administrative Shutdown\n 05 6d61696e74 // length 5, "maint"`,
    ),
    message: {
      type: 'NOTIFICATION',
      code: 6,
      subcode: 2,
      data: Buffer.from('056d61696e74', 'hex'),
      shutdownCommunication: 'maint',
    },
    exact: true,
  },
  {
    name: 'NOTIFICATION Cease / Hard Reset wrapping Hold Timer Expired (RFC 8538 3)',
    ctx: FOUR,
    bytes: message(3, `06 09 // Cease, Hard Reset\n 04 00 // inner: Hold Timer Expired`),
    message: {
      type: 'NOTIFICATION',
      code: 6,
      subcode: 9,
      data: Buffer.from('0400', 'hex'),
      hardReset: { code: 4, subcode: 0, data: Buffer.alloc(0) },
    },
    exact: true,
  },
  {
    name: 'NOTIFICATION Cease / BFD Down (RFC 9384)',
    ctx: FOUR,
    bytes: message(3, `06 0a // Cease, BFD Down`),
    message: { type: 'NOTIFICATION', code: 6, subcode: 10, data: Buffer.alloc(0) },
    exact: true,
  },
  {
    name: 'NOTIFICATION UPDATE Message Error / Missing Well-known Attribute, data NEXT_HOP',
    ctx: FOUR,
    bytes: message(3, `03 03 // UPDATE error, missing well-known\n 03 // NEXT_HOP`),
    message: { type: 'NOTIFICATION', code: 3, subcode: 3, data: Buffer.from([3]) },
    exact: true,
  },
  {
    name: 'ROUTE-REFRESH BoRR for IPv6 unicast (RFC 7313)',
    ctx: FOUR,
    bytes: message(5, `0002 // AFI 2\n 01 // subtype BoRR\n 01 // SAFI 1`),
    message: { type: 'ROUTE-REFRESH', afi: 2, safi: 1, subtype: 1 },
    exact: true,
  },
  {
    name: 'ROUTE-REFRESH request with ORF entries kept raw (RFC 5291)',
    ctx: FOUR,
    bytes: message(5, `0001 00 01 // IPv4 unicast, request\n 01 40 0001aa // ORF, raw`),
    message: {
      type: 'ROUTE-REFRESH',
      afi: 1,
      safi: 1,
      subtype: 0,
      orf: Buffer.from('01400001aa', 'hex'),
    },
    exact: true,
  },
  {
    name: 'NLRI with host bits beyond the length are masked (RFC 4271 4.3, as FRR)',
    ctx: FOUR,
    bytes: message(
      2,
      `
      000d                 // withdrawn 13 octets
      01 ff                // 128.0.0.0/1 written as ff
      0f c613              // 198.18.0.0/15 written with bit 16 set
      1b c61200ff          // 198.18.0.224/27 written as .255
      0c 2001              // 32.0.0.0/12 written with bit 16 set
      0000
      `,
    ),
    message: {
      type: 'UPDATE',
      withdrawn: [
        { prefix: '128.0.0.0/1' },
        { prefix: '198.18.0.0/15' },
        { prefix: '198.18.0.224/27' },
        { prefix: '32.0.0.0/12' },
      ],
      attributes: {},
      nlri: [],
    },
    exact: false,
  },
];

/** Deep equality that compares Buffers by content. */
function same(a: unknown, b: unknown): void {
  expect(JSON.parse(JSON.stringify(a))).toEqual(JSON.parse(JSON.stringify(b)));
}

describe('annotated byte tables', () => {
  for (const row of rows) {
    describe(row.name, () => {
      it('decodes to the expected message', () => {
        const r = decodeMessage(row.bytes, row.ctx);
        if (!r.ok) throw r.error;
        expect(r.errors.map((e) => e.code)).toEqual([]);
        same(r.message, row.message);
      });
      it(
        row.exact ? 'encodes back to the same bytes' : 'encodes to bytes that decode the same',
        () => {
          const encoded = encodeMessage(row.message, row.ctx);
          if (row.exact) expect(encoded.toString('hex')).toBe(row.bytes.toString('hex'));
          const again = decodeMessage(encoded, row.ctx);
          if (!again.ok) throw again.error;
          same(again.message, row.message);
        },
      );
      it('frames identically when the stream is split at every offset', () => {
        const stream = Buffer.concat([row.bytes, row.bytes]);
        for (let cut = 0; cut <= stream.length; cut++) {
          const framer = new BgpFramer(row.ctx);
          const a = framer.push(stream.subarray(0, cut));
          const b = framer.push(stream.subarray(cut));
          expect(a.error).toBeNull();
          expect(b.error).toBeNull();
          const got = [...a.messages, ...b.messages].map((m) => m.toString('hex'));
          expect(got).toEqual([row.bytes.toString('hex'), row.bytes.toString('hex')]);
          expect(framer.pending).toBe(0);
        }
      });
    });
  }

  it('frames a stream fed one octet at a time', () => {
    const framer = new BgpFramer(FOUR);
    const stream = Buffer.concat(rows.filter((r) => r.ctx === FOUR).map((r) => r.bytes));
    const out: Buffer[] = [];
    for (const octet of stream) out.push(...framer.push(Buffer.from([octet])).messages);
    expect(Buffer.concat(out).equals(stream)).toBe(true);
  });
});

describe('End-of-RIB', () => {
  it('recognises the IPv4 and MP forms and nothing else', () => {
    expect(endOfRibFamily(endOfRib(1, 1))).toEqual({ afi: 1, safi: 1 });
    expect(endOfRibFamily(endOfRib(2, 1))).toEqual({ afi: 2, safi: 1 });
    expect(
      isEndOfRib({
        type: 'UPDATE',
        withdrawn: [{ prefix: '10.0.0.0/8' }],
        attributes: {},
        nlri: [],
      }),
    ).toBe(false);
    expect(isEndOfRib({ type: 'UPDATE', withdrawn: [], attributes: { origin: 0 }, nlri: [] })).toBe(
      false,
    );
    expect(
      isEndOfRib({
        type: 'UPDATE',
        withdrawn: [],
        attributes: { mpUnreach: { afi: 2, safi: 1, withdrawn: [{ prefix: '2001:db8::/32' }] } },
        nlri: [],
      }),
    ).toBe(false);
  });
});
