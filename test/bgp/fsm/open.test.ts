/**
 * OPEN checks (RFC 4271 6.2, RFC 5492, RFC 6286, RFC 6793, RFC 7607) and negotiation. Error
 * rows pin the NOTIFICATION code/subcode/data that goes out; accept rows pin what the session
 * runs with.
 */
import { describe, expect, it } from 'vitest';
import type { FsmConfig } from '../../../src/bgp/fsm/index.js';
import {
  buildOpen,
  checkOpen,
  codecContextOf,
  resolveConfig,
  step,
} from '../../../src/bgp/fsm/index.js';
import type { Capability, OpenMessage } from '../../../src/bgp/wire/types.js';
import { LOCAL_ID, PEER_ASN, config, peerOpen, stateIn } from './fixtures.js';

const resolved = (o: Partial<FsmConfig> = {}) => resolveConfig(config(o));

interface ErrorRow {
  name: string;
  cfg?: Partial<FsmConfig>;
  open: Partial<OpenMessage>;
  subcode: number;
  data?: string; // hex
}

const errorRows: ErrorRow[] = [
  // RFC 4271 6.2: Unsupported Version Number, data = 2-octet version we support.
  { name: 'version 3', open: { version: 3 }, subcode: 1, data: '0004' },
  { name: 'version 5', open: { version: 5 }, subcode: 1, data: '0004' },
  // RFC 4271 6.2: Bad Peer AS.
  { name: 'AS other than configured', open: { myAsn: 65000, capabilities: [] }, subcode: 2 },
  {
    name: '4-octet capability AS other than configured',
    open: { capabilities: [{ kind: 'four-octet-as', asn: 4200000000 }], myAsn: 23456 },
    subcode: 2,
  },
  {
    name: 'AS 0 (RFC 7607)',
    cfg: { peerAsn: 'external' },
    open: { myAsn: 0, capabilities: [] },
    subcode: 2,
  },
  {
    name: '4-octet AS 0 (RFC 7607)',
    cfg: { peerAsn: 'external' },
    open: { capabilities: [{ kind: 'four-octet-as', asn: 0 }] },
    subcode: 2,
  },
  { name: "'internal' but peer is external", cfg: { peerAsn: 'internal' }, open: {}, subcode: 2 },
  {
    name: "'external' but peer is internal",
    cfg: { peerAsn: 'external' },
    open: { myAsn: 64512, capabilities: [{ kind: 'four-octet-as', asn: 64512 }] },
    subcode: 2,
  },
  {
    name: 'peer expected 4-octet, sends AS_TRANS without capability',
    cfg: { peerAsn: 4200000000 },
    open: { myAsn: 23456, capabilities: [] },
    subcode: 2,
  },
  // RFC 4271 6.2: an optional parameter other than Capabilities (type 2) -> 2/4.
  {
    name: 'unknown optional parameter type 3',
    open: { otherParameters: [{ type: 3, value: Buffer.from([1, 2]) }] },
    subcode: 4,
  },
  // RFC 4271 6.2: Unacceptable Hold Time for 1 and 2 seconds.
  { name: 'hold time 1', open: { holdTime: 1 }, subcode: 6 },
  { name: 'hold time 2', open: { holdTime: 2 }, subcode: 6 },
  // RFC 6286 2.2: Bad BGP Identifier.
  { name: 'identifier 0.0.0.0', open: { bgpId: '0.0.0.0' }, subcode: 3 },
  { name: 'identifier not a dotted quad', open: { bgpId: '198.18.0' }, subcode: 3 },
  {
    name: 'iBGP peer with our identifier',
    cfg: { peerAsn: 'internal' },
    open: { myAsn: 64512, bgpId: LOCAL_ID, capabilities: [{ kind: 'four-octet-as', asn: 64512 }] },
    subcode: 3,
  },
  // RFC 5492 5: Unsupported Capability, data = the capabilities we required, as TLVs.
  {
    name: 'required route refresh missing',
    cfg: { requiredCapabilities: [2] },
    open: { capabilities: [{ kind: 'four-octet-as', asn: PEER_ASN }] },
    subcode: 7,
    data: '0200', // code 2, length 0
  },
  {
    name: 'required IPv4 unicast and 4-octet AS missing',
    cfg: { requiredCapabilities: [1, 65] },
    open: { capabilities: [{ kind: 'route-refresh' }] },
    subcode: 7,
    // code 1 len 4 AFI 1 res 0 SAFI 1; code 65 len 4 AS 64512 (0x0000fc00)
    data: '010400010001' + '41040000fc00',
  },
];

describe('OPEN errors (code 2)', () => {
  it.each(errorRows.map((r) => [r.name, r] as const))('%s', (_n, row) => {
    const verdict = checkOpen(resolved(row.cfg), peerOpen(row.open));
    expect(verdict.ok).toBe(false);
    if (verdict.ok) return;
    expect(verdict.notification.code).toBe(2);
    expect(verdict.notification.subcode).toBe(row.subcode);
    expect(verdict.notification.data.toString('hex')).toBe(row.data ?? '');
  });

  it('the FSM sends exactly that NOTIFICATION from OpenSent', () => {
    const r = step(stateIn('OpenSent'), { type: 'BGPOpen', open: peerOpen({ version: 3 }) });
    const n = r.actions.find((a) => a.type === 'SendNotification');
    expect(n).toMatchObject({ code: 2, subcode: 1 });
    expect(n && 'data' in n ? n.data.toString('hex') : '').toBe('0004');
  });
});

describe('OPEN accepted', () => {
  const ok = (cfg: Partial<FsmConfig>, open: Partial<OpenMessage>) => {
    const v = checkOpen(resolved(cfg), peerOpen(open));
    if (!v.ok) throw new Error(`refused ${v.notification.code}/${v.notification.subcode}`);
    return v.negotiated;
  };

  it('eBGP peer with our own identifier is fine (RFC 6286 2.2 only forbids it for iBGP)', () => {
    expect(ok({}, { bgpId: LOCAL_ID }).internal).toBe(false);
  });

  it('4-octet peer AS via AS_TRANS and the capability (RFC 6793 3)', () => {
    const n = ok(
      { peerAsn: 4200000000 },
      { myAsn: 23456, capabilities: [{ kind: 'four-octet-as', asn: 4200000000 }] },
    );
    expect(n.peerAsn).toBe(4200000000);
    expect(n.fourOctetAs).toBe(true);
  });

  it("'internal' and 'external' expectations", () => {
    expect(ok({ peerAsn: 'external' }, {}).peerAsn).toBe(PEER_ASN);
    const ibgp = ok(
      { peerAsn: 'internal' },
      { myAsn: 64512, capabilities: [{ kind: 'four-octet-as', asn: 64512 }] },
    );
    expect(ibgp.internal).toBe(true);
  });

  it.each([
    // [our hold, our keepalive, peer hold] -> [negotiated hold s, keepalive ms]
    [90, undefined, 90, 90, 30_000],
    [90, undefined, 30, 30, 10_000],
    [9, 3, 180, 9, 3000],
    [90, 10, 90, 90, 10_000], // configured keepalive below hold/3 wins
    [90, 60, 9, 9, 3000], // hold/3 below configured keepalive wins
    [90, undefined, 0, 0, 0], // RFC 4271 4.4: hold 0 means no KEEPALIVEs
    [0, undefined, 90, 0, 0],
    [10, undefined, 10, 10, 3333], // a third, rounded down to whole ms
    [90, undefined, 3, 3, 1000],
  ] as const)(
    'hold %s / keepalive %s vs peer hold %s -> %s s, %s ms',
    (hold, ka, peerHold, eHold, eKa) => {
      const n = ok(
        { holdTimeSeconds: hold, ...(ka === undefined ? {} : { keepaliveTimeSeconds: ka }) },
        { holdTime: peerHold },
      );
      expect(n.holdTimeSeconds).toBe(eHold);
      expect(n.keepaliveTimeMs).toBe(eKa);
    },
  );

  it('intersects multiprotocol families; no MP capability means IPv4 unicast (RFC 4760 8)', () => {
    const ours: Capability[] = [
      { kind: 'multiprotocol', afi: 1, safi: 1 },
      { kind: 'multiprotocol', afi: 2, safi: 1 },
    ];
    expect(ok({ capabilities: ours }, {}).families).toEqual([{ afi: 1, safi: 1 }]);
    const both = ok(
      { capabilities: ours },
      { capabilities: [...ours, { kind: 'four-octet-as', asn: PEER_ASN }] },
    );
    expect(both.families).toEqual([
      { afi: 1, safi: 1 },
      { afi: 2, safi: 1 },
    ]);
    const none = ok(
      { capabilities: [{ kind: 'multiprotocol', afi: 2, safi: 1 }] },
      { capabilities: [{ kind: 'four-octet-as', asn: PEER_ASN }] },
    );
    expect(none.families).toEqual([]);
  });

  it('negotiates features both sides advertise and nothing else', () => {
    const ours: Capability[] = [
      { kind: 'multiprotocol', afi: 1, safi: 1 },
      { kind: 'route-refresh' },
      { kind: 'enhanced-route-refresh' },
      { kind: 'extended-message' },
      {
        kind: 'add-path',
        families: [
          { afi: 1, safi: 1, sendReceive: 3 },
          { afi: 2, safi: 1, sendReceive: 1 },
        ],
      },
      {
        kind: 'graceful-restart',
        restarting: false,
        notification: true,
        restartTime: 120,
        families: [],
      },
    ];
    const theirs: Capability[] = [
      { kind: 'multiprotocol', afi: 1, safi: 1 },
      { kind: 'route-refresh-old' },
      { kind: 'enhanced-route-refresh' },
      { kind: 'four-octet-as', asn: PEER_ASN },
      {
        kind: 'add-path',
        families: [
          { afi: 1, safi: 1, sendReceive: 1 },
          { afi: 2, safi: 1, sendReceive: 1 },
        ],
      },
      {
        kind: 'graceful-restart',
        restarting: true,
        notification: false,
        restartTime: 90,
        families: [{ afi: 1, safi: 1, forwardingPreserved: true }],
      },
    ];
    const n = ok({ capabilities: ours }, { capabilities: theirs });
    expect(n.routeRefresh).toBe(true);
    expect(n.enhancedRouteRefresh).toBe(true);
    expect(n.extendedMessage).toBe(false); // peer did not advertise it
    expect(n.fourOctetAs).toBe(true); // we always advertise it
    // 1/1: we send+receive, peer receive only -> we send. 2/1: both receive only -> nothing.
    expect(n.addPath).toEqual([{ afi: 1, safi: 1, send: true, receive: false }]);
    expect(n.gracefulRestart).toEqual({
      peerRestartTimeSeconds: 90,
      peerRestarting: true,
      notification: false,
      families: [{ afi: 1, safi: 1, forwardingPreserved: true }],
    });
    const ctx = codecContextOf(n);
    expect(ctx.fourOctetAs).toBe(true);
    expect([...(ctx.addPathSend ?? [])]).toEqual(['1/1']);
    expect([...(ctx.addPathReceive ?? [])]).toEqual([]);
  });
});

describe('our OPEN', () => {
  it('carries AS_TRANS in the 2-octet field and the real AS in the capability (RFC 6793)', () => {
    const open = buildOpen(resolved({ localAsn: 4200000001 }));
    expect(open.myAsn).toBe(23456);
    expect(open.capabilities).toContainEqual({ kind: 'four-octet-as', asn: 4200000001 });
    expect(open.version).toBe(4);
    expect(open.holdTime).toBe(90);
  });

  it('carries a 2-octet AS as is, with exactly one 4-octet AS capability', () => {
    const open = buildOpen(
      resolved({ capabilities: [{ kind: 'four-octet-as', asn: 1 }, { kind: 'route-refresh' }] }),
    );
    expect(open.myAsn).toBe(64512);
    expect(open.capabilities.filter((c) => c.kind === 'four-octet-as')).toEqual([
      { kind: 'four-octet-as', asn: 64512 },
    ]);
  });
});
