import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { VtyshJsonError } from '../../src/lab/errors.js';
import { parseBfdPeers, parseBgpNeighbors, parseBgpRoutes } from '../../src/lab/frr-json.js';

// Fixtures were captured from FRR 8.4.4 in the netns lab: r1 (AS 64500) peering with r2
// (AS 64502, 1 s keepalive / 3 s hold, BFD profile "fast" 100 ms) and with two simulated nodes
// that were not running (Active, BFD down).
const fixture = (name: string) =>
  readFileSync(resolve(import.meta.dirname, '../fixtures/frr', name), 'utf8');
const invalid = expect.objectContaining({ code: 'ERR_LAB_VTYSH_JSON_INVALID' });

describe('show bgp neighbors json', () => {
  const neighbors = parseBgpNeighbors(fixture('r1-show-bgp-neighbors.json'));

  it('reads every neighbor with its state (bgpState)', () => {
    expect(Object.keys(neighbors).sort()).toEqual(
      [
        '198.18.0.10',
        '198.18.0.11',
        '198.18.0.2',
        '2001:db8::10',
        '2001:db8::11',
        '2001:db8::2',
      ].sort(),
    );
    expect(neighbors['198.18.0.2']!.state).toBe('Established');
    expect(neighbors['198.18.0.10']!.state).toBe('Active');
  });

  it('reads ASNs, negotiated timers and message counters of an established session', () => {
    const n = neighbors['198.18.0.2']!;
    expect([n.localAs, n.remoteAs, n.remoteRouterId]).toEqual([64500, 64502, '198.18.0.2']);
    expect([n.holdTimeMs, n.keepaliveMs]).toEqual([3000, 1000]);
    expect(n.messages!.opensRecv).toBeGreaterThan(0);
    expect(n.localPort).toBe(179);
  });

  it('maps peerBfdInfo.status to the BGPSessionState bfdStatus vocabulary', () => {
    expect(neighbors['198.18.0.2']!.bfd!.status).toBe('Up');
    expect(neighbors['198.18.0.2']!.crBfdStatus).toBe('Up');
    expect(neighbors['198.18.0.10']!.crBfdStatus).toBe('Down');
    // r1's IPv6 session to r2 has no BFD configured.
    expect(neighbors['2001:db8::2']!.bfd).toBeUndefined();
    expect(neighbors['2001:db8::2']!.crBfdStatus).toBe('N/A');
  });

  it('BFD Init shows as Down, unknown text as Unknown', () => {
    const base = { remoteAs: 1, localAs: 2, bgpState: 'Active' };
    const read = (status: string) =>
      parseBgpNeighbors(JSON.stringify({ '192.0.2.1': { ...base, peerBfdInfo: { status } } }))[
        '192.0.2.1'
      ]!.crBfdStatus;
    expect(read('Init')).toBe('Down');
    expect(read('Admin Down')).toBe('Admin Down');
    expect(read('Weird')).toBe('Unknown');
  });

  it('reads the last NOTIFICATION as code and subcode numbers', () => {
    const doc = {
      '192.0.2.1': {
        remoteAs: 1,
        localAs: 2,
        bgpState: 'Active',
        lastErrorCodeSubcode: '060A',
        lastNotificationReason: 'Cease/BFD Down',
      },
    };
    expect(parseBgpNeighbors(JSON.stringify(doc))['192.0.2.1']!.lastNotification).toEqual({
      code: 6,
      subcode: 10,
      reason: 'Cease/BFD Down',
    });
  });

  it('rejects malformed documents with ERR_LAB_VTYSH_JSON_INVALID', () => {
    for (const bad of [
      '{"192.0.2.1": {"remoteAs": 1, "localAs": 2, "bgpState": "Idle", "lastErrorCodeSubcode": "6"}}',
      'not json',
      '[]',
      '{"192.0.2.1": 3}',
      '{"192.0.2.1": {"remoteAs": 1, "localAs": 2}}',
      '{"192.0.2.1": {"remoteAs": "1", "localAs": 2, "bgpState": "Idle"}}',
      '{"192.0.2.1": {"remoteAs": 1, "localAs": 2, "bgpState": "Dancing"}}',
      '{"192.0.2.1": {"remoteAs": 1, "localAs": 2, "bgpState": "Idle", "peerBfdInfo": []}}',
      '{"192.0.2.1": {"remoteAs": 1, "localAs": 2, "bgpState": "Idle", "messageStats": {}}}',
    ]) {
      expect(() => parseBgpNeighbors(bad)).toThrow(invalid);
    }
  });
});

describe('show bgp ipv4/ipv6 unicast json', () => {
  it('reads the local and the learned IPv4 route with AS path and next hop', () => {
    const t = parseBgpRoutes(fixture('r1-show-bgp-ipv4-unicast.json'), 'ipv4');
    expect([t.routerId, t.localAs]).toEqual(['198.18.0.1', 64500]);
    const learned = t.routes['198.18.200.0/24']![0]!;
    expect(learned).toMatchObject({
      valid: true,
      best: true,
      asPath: [64502],
      peerId: '198.18.0.2',
    });
    expect(learned.nexthops[0]).toMatchObject({ ip: '198.18.0.2', afi: 'ipv4', used: true });
    expect(t.routes['198.18.100.0/24']![0]!.asPath).toEqual([]);
  });

  it('reads an IPv6 route with global and link-local next hops', () => {
    const t = parseBgpRoutes(fixture('r1-show-bgp-ipv6-unicast.json'), 'ipv6');
    const path = t.routes['2001:db8:200::/48']![0]!;
    expect(path.nexthops.map((h) => h.scope)).toEqual(['global', 'link-local']);
  });

  it('reads AS_SETs and an empty table', () => {
    const doc = {
      routerId: '192.0.2.1',
      localAS: 1,
      routes: { '10.0.0.0/8': [{ path: '65001 {65002,65003}' }] },
    };
    expect(parseBgpRoutes(JSON.stringify(doc), 'ipv4').routes['10.0.0.0/8']![0]!.asPath).toEqual([
      65001, 65002, 65003,
    ]);
    expect(parseBgpRoutes('{"routerId":"192.0.2.1","localAS":1}', 'ipv4').routes).toEqual({});
  });

  it('rejects malformed documents', () => {
    for (const bad of [
      '{}',
      '{"routerId":"a","localAS":1,"routes":[]}',
      '{"routerId":"a","localAS":1,"routes":{"p":{}}}',
      '{"routerId":"a","localAS":1,"routes":{"p":[{"path":"AS64500"}]}}',
      '{"routerId":"a","localAS":1,"routes":{"p":[{"nexthops":[{"afi":"ipv4"}]}]}}',
    ]) {
      expect(() => parseBgpRoutes(bad, 'ipv4')).toThrow(invalid);
    }
  });
});

describe('show bfd peers json', () => {
  it('reads the reference §17 fields', () => {
    const [peer] = parseBfdPeers(fixture('r2-show-bfd-peers.json'));
    expect(peer).toMatchObject({
      multihop: false,
      peer: '198.18.0.1',
      local: '198.18.0.2',
      vrf: 'default',
      interface: 'eth0',
      status: 'up',
      diagnostic: 'ok',
      receiveIntervalMs: 100,
      transmitIntervalMs: 100,
      detectMultiplier: 3,
      remoteReceiveIntervalMs: 100,
      remoteDetectMultiplier: 3,
    });
    expect(peer!.remoteId).not.toBe(0);
  });

  it('reads peers that are down (no local address, downtime instead of uptime)', () => {
    const peers = parseBfdPeers(fixture('r1-show-bfd-peers.json'));
    const down = peers.find((p) => p.peer === '198.18.0.10')!;
    expect(down.status).toBe('down');
    expect(down.remoteId).toBe(0);
    expect(down.uptimeS).toBeUndefined();
  });

  it('rejects malformed documents', () => {
    const good = JSON.parse(fixture('r2-show-bfd-peers.json')) as Record<string, unknown>[];
    for (const bad of [
      '{}',
      '[1]',
      JSON.stringify([{ ...good[0], status: 'sideways' }]),
      JSON.stringify([{ ...good[0], id: 'x' }]),
    ]) {
      expect(() => parseBfdPeers(bad)).toThrow(invalid);
    }
  });
});

describe('no input crashes a reader', () => {
  it('any JSON value gives a result or a VtyshJsonError', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const text = JSON.stringify(v);
        for (const read of [
          () => parseBgpNeighbors(text),
          () => parseBgpRoutes(text, 'ipv4'),
          () => parseBfdPeers(text),
        ]) {
          try {
            read();
          } catch (e) {
            expect(e).toBeInstanceOf(VtyshJsonError);
          }
        }
      }),
      { numRuns: 500 },
    );
  });
});
