/** fast-check arbitraries for BGP messages that the codec must round-trip exactly. */
import fc from 'fast-check';
import { formatIpv4, formatIpv6 } from '../../../../src/bgp/wire/ip.js';
import { ATTRIBUTES } from '../../../../src/bgp/wire/attributes/index.js';
import type {
  AsPathSegment,
  Capability,
  CodecContext,
  Nlri,
  NotificationMessage,
  OpenMessage,
  PathAttributes,
  RawAttribute,
  RouteRefreshMessage,
  UpdateMessage,
} from '../../../../src/bgp/wire/index.js';

const HIGH_BITS = [0x00, 0x80, 0xc0, 0xe0, 0xf0, 0xf8, 0xfc, 0xfe, 0xff];

function masked(bytes: Uint8Array, bits: number): Uint8Array {
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) {
    const keep = Math.max(0, Math.min(8, bits - 8 * i));
    out[i] = bytes[i]! & HIGH_BITS[keep]!;
  }
  return out;
}

export const u32 = fc.integer({ min: 0, max: 0xffffffff });
export const asn = fc.integer({ min: 1, max: 0xffffffff });
export const ipv4 = fc.uint8Array({ minLength: 4, maxLength: 4 }).map((b) => formatIpv4(b, 0));
export const unicastIpv4 = fc
  .tuple(fc.integer({ min: 1, max: 223 }), fc.uint8Array({ minLength: 3, maxLength: 3 }))
  .map(([a, r]) => formatIpv4(Uint8Array.of(a, ...r), 0));
export const ipv6 = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => formatIpv6(b, 0));

export const ipv4Prefix = fc
  .tuple(fc.uint8Array({ minLength: 4, maxLength: 4 }), fc.integer({ min: 0, max: 32 }))
  .map(([b, bits]) => `${formatIpv4(masked(b, bits), 0)}/${bits}`);
export const ipv6Prefix = fc
  .tuple(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.integer({ min: 0, max: 128 }))
  .map(([b, bits]) => `${formatIpv6(masked(b, bits), 0)}/${bits}`);

function nlriOf(prefix: fc.Arbitrary<string>, addPath: boolean, max: number): fc.Arbitrary<Nlri[]> {
  return fc.array(
    addPath ? fc.record({ prefix, pathId: u32 }) : prefix.map((p) => ({ prefix: p })),
    { maxLength: max },
  );
}

const sequence = fc.array(asn, { minLength: 1, maxLength: 12 });
export const asPath: fc.Arbitrary<AsPathSegment[]> = fc
  .tuple(
    // Confederation segments lead the path (RFC 5065 5.3); member ASNs fit 2 octets.
    fc.array(
      fc.record({
        type: fc.constantFrom('AS_CONFED_SEQUENCE' as const, 'AS_CONFED_SET' as const),
        asns: fc.array(fc.integer({ min: 1, max: 0xffff }), { minLength: 1, maxLength: 4 }),
      }),
      { maxLength: 2 },
    ),
    fc.array(
      fc.record({
        type: fc.constantFrom('AS_SEQUENCE' as const, 'AS_SET' as const),
        asns: sequence,
      }),
      {
        maxLength: 4,
      },
    ),
  )
  .map(([confed, rest]) => [...confed, ...rest]);

// Every type the codec's registry interprets is "known"; the rest are generated as unknown.
const KNOWN_ATTRS = new Set(ATTRIBUTES.map((d) => d.type));
const unknownAttrs: fc.Arbitrary<RawAttribute[]> = fc
  .uniqueArray(
    fc.record({
      typeCode: fc.integer({ min: 0, max: 255 }).filter((t) => !KNOWN_ATTRS.has(t)),
      // Optional always (an unknown well-known attribute is an error); T, P, Extended Length free.
      flags: fc.constantFrom(0x80, 0xc0, 0xe0, 0x90, 0xd0, 0xf0),
      value: fc.uint8Array({ maxLength: 12 }).map((v) => Buffer.from(v)),
    }),
    { selector: (a) => a.typeCode, maxLength: 3 },
  )
  .map((list) => [...list].sort((a, b) => a.typeCode - b.typeCode));

const buffer8 = fc.uint8Array({ minLength: 8, maxLength: 8 }).map((b) => Buffer.from(b));

/** Attributes apart from NEXT_HOP / MP / ORIGIN / AS_PATH, every one optional. */
const otherAttributes = fc.record(
  {
    med: u32,
    localPref: u32,
    atomicAggregate: fc.constant(true),
    aggregator: fc.record({ asn, address: ipv4 }),
    communities: fc.array(u32, { minLength: 1, maxLength: 6 }),
    extendedCommunities: fc.array(buffer8, { minLength: 1, maxLength: 4 }),
    largeCommunities: fc.array(fc.tuple(u32, u32, u32), { minLength: 1, maxLength: 4 }),
    originatorId: ipv4,
    clusterList: fc.array(ipv4, { minLength: 1, maxLength: 4 }),
    onlyToCustomer: u32,
    unknown: unknownAttrs.filter((l) => l.length > 0),
  },
  { requiredKeys: [] },
);

function mpReach(ctx: CodecContext) {
  const addPath = ctx.addPathSend?.has('2/1') ?? false;
  return fc.oneof(
    fc.record({
      afi: fc.constant(2),
      safi: fc.constant(1),
      nextHops: fc.oneof(fc.tuple(ipv6), fc.tuple(ipv6, ipv6)).map((t) => [...t]),
      nlri: nlriOf(ipv6Prefix, addPath, 6),
    }),
    // A family the codec keeps raw (EVPN).
    fc.record({
      afi: fc.constant(25),
      safi: fc.constant(70),
      nextHops: fc.constant([] as string[]),
      nlri: fc.constant([] as Nlri[]),
      rawNextHop: fc.uint8Array({ maxLength: 16 }).map((b) => Buffer.from(b)),
      rawNlri: fc.uint8Array({ maxLength: 30 }).map((b) => Buffer.from(b)),
    }),
  );
}

function mpUnreach(ctx: CodecContext) {
  const addPath = ctx.addPathSend?.has('2/1') ?? false;
  return fc.record({
    afi: fc.constant(2),
    safi: fc.constant(1),
    withdrawn: nlriOf(ipv6Prefix, addPath, 6),
  });
}

/**
 * UPDATEs that decode without errors: routes always come with the mandatory attributes, and
 * on a 2-octet session the aggregator does not make RFC 6793 4.2.3 ignore AS4_PATH.
 */
export function update(ctx: CodecContext): fc.Arbitrary<UpdateMessage> {
  const addPath = ctx.addPathSend?.has('1/1') ?? false;
  return fc
    .record({
      withdrawn: nlriOf(ipv4Prefix, addPath, 8),
      nlri: nlriOf(ipv4Prefix, addPath, 8),
      origin: fc.constantFrom(0 as const, 1 as const, 2 as const),
      asPath,
      nextHop: unicastIpv4,
      other: otherAttributes,
      mpReach: fc.option(mpReach(ctx), { nil: undefined }),
      mpUnreach: fc.option(mpUnreach(ctx), { nil: undefined }),
      bare: fc.boolean(),
    })
    .map((r) => {
      const attributes: PathAttributes = {};
      const announces = r.nlri.length > 0 || r.mpReach !== undefined;
      if (announces || !r.bare) {
        attributes.origin = r.origin;
        attributes.asPath = r.asPath;
        Object.assign(attributes, r.other);
      }
      if (r.nlri.length > 0 || (!r.bare && r.mpReach === undefined)) attributes.nextHop = r.nextHop;
      if (r.mpReach) attributes.mpReach = r.mpReach;
      if (r.mpUnreach) attributes.mpUnreach = r.mpUnreach;
      const big = (attributes.asPath ?? []).some((s) => s.asns.some((a) => a > 0xffff));
      if (!ctx.fourOctetAs && big && attributes.aggregator && attributes.aggregator.asn <= 0xffff) {
        attributes.aggregator = { ...attributes.aggregator, asn: 23456 };
      }
      return { type: 'UPDATE' as const, withdrawn: r.withdrawn, attributes, nlri: r.nlri };
    });
}

const KNOWN_CAPS = new Set([1, 2, 5, 6, 9, 64, 65, 69, 70, 73, 128]);
const family = fc.record({
  afi: fc.integer({ min: 0, max: 0xffff }),
  safi: fc.integer({ min: 0, max: 255 }),
});
const text = fc.string({
  unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789-.'),
  maxLength: 20,
});

export const capability: fc.Arbitrary<Capability> = fc.oneof(
  family.map((f) => ({ kind: 'multiprotocol' as const, ...f })),
  fc.constant({ kind: 'route-refresh' as const }),
  fc.record({
    kind: fc.constant('extended-nexthop' as const),
    families: fc.array(
      fc.record({
        afi: fc.integer({ min: 0, max: 0xffff }),
        safi: fc.integer({ min: 0, max: 0xffff }),
        nextHopAfi: fc.integer({ min: 0, max: 0xffff }),
      }),
      { minLength: 1, maxLength: 3 },
    ),
  }),
  fc.constant({ kind: 'route-refresh-old' as const }),
  fc.constant({ kind: 'extended-message' as const }),
  fc.constant({ kind: 'enhanced-route-refresh' as const }),
  fc.integer({ min: 0, max: 255 }).map((role) => ({ kind: 'role' as const, role })),
  fc.record({
    kind: fc.constant('graceful-restart' as const),
    restarting: fc.boolean(),
    notification: fc.boolean(),
    restartTime: fc.integer({ min: 0, max: 4095 }),
    families: fc.array(
      fc.record({
        afi: fc.integer({ min: 0, max: 0xffff }),
        safi: fc.integer({ min: 0, max: 255 }),
        forwardingPreserved: fc.boolean(),
      }),
      { maxLength: 3 },
    ),
  }),
  asn.map((a) => ({ kind: 'four-octet-as' as const, asn: a })),
  fc.record({
    kind: fc.constant('add-path' as const),
    families: fc.array(
      fc.record({
        afi: fc.integer({ min: 0, max: 0xffff }),
        safi: fc.integer({ min: 0, max: 255 }),
        sendReceive: fc.constantFrom(1 as const, 2 as const, 3 as const),
      }),
      { minLength: 1, maxLength: 3 },
    ),
  }),
  fc.record({ kind: fc.constant('fqdn' as const), hostname: text, domain: text }),
  fc.record({
    kind: fc.constant('unknown' as const),
    code: fc.integer({ min: 0, max: 255 }).filter((c) => !KNOWN_CAPS.has(c)),
    value: fc.uint8Array({ maxLength: 20 }).map((b) => Buffer.from(b)),
  }),
);

export const open: fc.Arbitrary<OpenMessage> = fc
  .record({
    myAsn: fc.integer({ min: 1, max: 0xffff }),
    holdTime: fc.oneof(fc.constant(0), fc.integer({ min: 3, max: 0xffff })),
    bgpId: unicastIpv4,
    capabilities: fc.array(capability, { maxLength: 10 }),
    otherParameters: fc.array(
      fc.record({
        type: fc.integer({ min: 0, max: 254 }).filter((t) => t !== 2),
        value: fc.uint8Array({ maxLength: 10 }).map((b) => Buffer.from(b)),
      }),
      { maxLength: 2 },
    ),
    extended: fc.boolean(),
  })
  .map((r) => {
    const m: OpenMessage = {
      type: 'OPEN',
      version: 4,
      myAsn: r.myAsn,
      holdTime: r.holdTime,
      bgpId: r.bgpId,
      capabilities: r.capabilities,
    };
    if (r.otherParameters.length > 0) m.otherParameters = r.otherParameters;
    if (r.extended) m.extendedOptionalParameters = true;
    return m;
  });

export const notification: fc.Arbitrary<NotificationMessage> = fc.record({
  type: fc.constant('NOTIFICATION' as const),
  code: fc.integer({ min: 0, max: 255 }),
  subcode: fc.integer({ min: 0, max: 255 }),
  data: fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)),
});

export const shutdownText = fc.string({ maxLength: 60 }).filter((s) => Buffer.byteLength(s) <= 255);

export const routeRefresh: fc.Arbitrary<RouteRefreshMessage> = fc
  .record({
    afi: fc.integer({ min: 0, max: 0xffff }),
    safi: fc.integer({ min: 0, max: 255 }),
    subtype: fc.integer({ min: 0, max: 255 }),
    orf: fc.uint8Array({ minLength: 1, maxLength: 20 }).map((b) => Buffer.from(b)),
    withOrf: fc.boolean(),
  })
  .map((r) => {
    const m: RouteRefreshMessage = {
      type: 'ROUTE-REFRESH',
      afi: r.afi,
      safi: r.safi,
      subtype: r.subtype,
    };
    if (r.withOrf && r.subtype !== 1 && r.subtype !== 2) m.orf = r.orf;
    return m;
  });
