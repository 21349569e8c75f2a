import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { SeededRandom } from '../../src/core/random.js';
import { MemoryNetwork } from '../../src/bgp/io/memory.js';
import { Speaker, type PeerConfig } from '../../src/bgp/speaker.js';
import {
  DEFAULT_CONTEXT,
  decodeMessage,
  isEndOfRib,
  type RouteRefreshMessage,
} from '../../src/bgp/wire/index.js';
import { message as bgpMessage } from './wire/support/hex.js';
import type { BgpMessage } from '../../src/bgp/wire/types.js';

const settle = async (n = 200): Promise<void> => {
  for (let i = 0; i < n; i++) await Promise.resolve();
};

/** r1's side of the session with worker0 (198.18.0.10, AS 64501): passive, as FRR waits. */
const ROUTER_PEER: PeerConfig = {
  id: 'r1/198.18.0.10',
  localAddress: '198.18.0.1',
  localAsn: 64500,
  routerId: '198.18.0.1',
  peerAddress: '198.18.0.10',
  peerAsn: 64501,
  holdTimeSeconds: 9,
  passive: true,
};

interface LabOptions {
  ibgp?: boolean;
  /** Graceful restart on the node (restarting speaker) and the router (helper). */
  gr?: boolean;
  /** The node advertises no enhanced route refresh (capability 70). */
  plainRefresh?: boolean;
  /** Which sides advertise RFC 8950 extended next hop (capability 5). */
  extendedNextHop?: { node: boolean; router: boolean };
}

async function lab(opts: LabOptions = {}) {
  const clock = new ManualClock();
  const network = new MemoryNetwork(clock);
  const components = (seed: number) => ({
    clock,
    random: new SeededRandom(seed),
    transport: network.transport(),
  });
  const node = new Speaker(components(1));
  const router = new Speaker(components(2));
  const routerAsn = 64500;
  const nodeAsn = opts.ibgp ? 64500 : 64501;
  const nodePeer = node.addPeer({
    id: 'worker0/198.18.0.1',
    node: 'worker0',
    localAddress: '198.18.0.10',
    localAsn: nodeAsn,
    routerId: '198.18.0.10',
    peerAddress: '198.18.0.1',
    peerAsn: routerAsn,
    holdTimeSeconds: 9,
    ...(opts.gr ? { gracefulRestart: { restartTimeSeconds: 30 } } : {}),
    ...(opts.plainRefresh ? { enhancedRouteRefresh: false } : {}),
    ...(opts.extendedNextHop?.node ? { extendedNextHop: true } : {}),
  });
  const cfg: PeerConfig = {
    ...ROUTER_PEER,
    localAsn: routerAsn,
    peerAsn: nodeAsn,
    keepAdjRibIn: true,
    ...(opts.extendedNextHop?.router ? { extendedNextHop: true } : {}),
    ...(opts.gr
      ? { gracefulRestart: { restartTimeSeconds: 120, helperOnly: true, stalePathTimeSeconds: 60 } }
      : {}),
  };
  const routerPeer = router.addPeer(cfg);
  const received: BgpMessage[] = [];
  routerPeer.on({ message: (m) => m.direction === 'received' && received.push(m.message) });
  await router.listen('198.18.0.1', 179);
  routerPeer.session.start();
  nodePeer.session.start();
  const advance = async (ms: number) => {
    for (let t = 0; t < ms; t += 100) {
      clock.advance(100);
      await settle();
    }
  };
  /** The node's speaker restarts: a new process with the same configuration. */
  const restartNode = (config: PeerConfig = nodePeer.config, seed = 3) => {
    const again = new Speaker(components(seed));
    const peer = again.addPeer(config);
    return { speaker: again, peer };
  };
  return { clock, network, node, router, nodePeer, routerPeer, received, advance, restartNode };
}

/**
 * Turns of the event loop (a large change is sent over several) and 100 ms of the lab's
 * clock each, until `done` holds or `turns` have passed.
 */
async function drain(
  l: { advance: (ms: number) => Promise<void> },
  done: () => boolean,
  turns = 2000,
): Promise<void> {
  for (let i = 0; i < turns && !done(); i++) {
    await new Promise((resolve) => setImmediate(resolve));
    await l.advance(100);
  }
}

describe('Speaker', () => {
  it('advertises /32 and /128 service routes over eBGP with the node as next hop and End-of-RIB', async () => {
    const l = await lab();
    l.nodePeer.announce('192.168.122.210/32', {
      nextHop: '198.18.0.10',
      communities: [65000 * 65536 + 100],
    });
    l.nodePeer.announce('2001:db8:1::210/128', {
      nextHop: '2001:db8::10',
      largeCommunities: [[64501, 1, 2]],
    });
    await l.advance(1000);
    expect(l.nodePeer.session.state).toBe('Established');
    const v4 = l.routerPeer.adjRibIn.get('192.168.122.210/32')?.attributes;
    expect(v4).toMatchObject({
      nextHop: '198.18.0.10',
      asPath: [{ type: 'AS_SEQUENCE', asns: [64501] }],
      communities: [65000 * 65536 + 100],
    });
    expect(v4?.localPref).toBeUndefined();
    const v6 = l.routerPeer.adjRibIn.get('2001:db8:1::210/128')?.attributes;
    expect(v6?.mpReach?.nextHops).toEqual(['2001:db8::10']);
    expect(v6?.largeCommunities).toEqual([[64501, 1, 2]]);
    const eors = l.received.filter((m) => m.type === 'UPDATE' && isEndOfRib(m));
    expect(eors).toHaveLength(2);
    l.nodePeer.withdraw('192.168.122.210/32');
    await settle();
    expect(l.routerPeer.adjRibIn.has('192.168.122.210/32')).toBe(false);
    expect(l.routerPeer.adjRibIn.has('2001:db8:1::210/128')).toBe(true);
  });

  it('sends LOCAL_PREF and an empty AS_PATH over iBGP', async () => {
    const l = await lab({ ibgp: true });
    l.nodePeer.announce('192.168.122.211/32', { nextHop: '198.18.0.10', localPref: 150 });
    l.nodePeer.announce('192.168.122.212/32', { nextHop: '198.18.0.10' });
    await l.advance(1000);
    expect(l.routerPeer.adjRibIn.get('192.168.122.211/32')?.attributes).toMatchObject({
      localPref: 150,
      asPath: [],
    });
    expect(l.routerPeer.adjRibIn.get('192.168.122.212/32')?.attributes.localPref).toBe(100);
  });

  it('packs 10,000 routes into few UPDATEs and re-sends them on route refresh', async () => {
    const l = await lab();
    for (let i = 0; i < 10_000; i++) {
      l.nodePeer.announce(`10.${(i >> 8) & 255}.${i & 255}.1/32`, { nextHop: '198.18.0.10' });
    }
    await l.advance(1000);
    expect(l.routerPeer.adjRibIn.size).toBe(10_000);
    // 4096-octet messages carry about 800 /32s each.
    const updates = l.received.filter((m) => m.type === 'UPDATE' && m.nlri.length > 0).length;
    expect(updates).toBeLessThanOrEqual(15);
    const before = l.received.length;
    expect(l.routerPeer.session.sendRouteRefresh(1, 1)).toBe(true);
    await l.advance(200);
    const resent = l.received
      .slice(before)
      .filter((m) => m.type === 'UPDATE')
      .reduce((n, m) => n + (m.type === 'UPDATE' ? m.nlri.length : 0), 0);
    expect(resent).toBe(10_000);
  });

  it('sends a large withdrawal while still encoding it, paced by the socket, and all of it arrives', async () => {
    const l = await lab();
    const n = 100_000;
    for (let i = 0; i < n; i++) {
      l.nodePeer.announce(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}/32`, {
        nextHop: '198.18.0.10',
      });
    }
    await drain(l, () => l.routerPeer.adjRibIn.size === n);
    expect(l.routerPeer.adjRibIn.size).toBe(n);
    const sentBefore = l.nodePeer.counters.updatesSent;
    l.nodePeer.setRoutes([]);
    // Microtasks only: the first batch of UPDATEs has gone to the socket, the rest waits for
    // the next turn of the event loop (the encoder does not run ahead of the socket).
    await settle();
    const first = l.nodePeer.counters.updatesSent - sentBefore;
    expect(first).toBeGreaterThan(0);
    expect(first).toBeLessThan(Math.ceil(n / 814));
    await drain(l, () => l.routerPeer.adjRibIn.size === 0);
    expect(l.routerPeer.adjRibIn.size).toBe(0);
    // Packed as before: 814 /32s per 4,096-octet UPDATE.
    expect(l.nodePeer.counters.updatesSent - sentBefore).toBe(Math.ceil(n / 814));
  });

  it('drops the rest of a large change when the session goes down while it is sent, and sends the table again', async () => {
    const l = await lab();
    const n = 100_000;
    const route = (i: number) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}/32`;
    for (let i = 0; i < n; i++) l.nodePeer.announce(route(i), { nextHop: '198.18.0.10' });
    await settle();
    const sent = l.nodePeer.counters.updatesSent;
    expect(sent).toBeGreaterThan(0);
    expect(sent).toBeLessThan(Math.ceil(n / 814));
    // Down mid-push: the UPDATEs not yet encoded are not sent on anything.
    l.nodePeer.session.stop();
    await drain(l, () => false, 20);
    expect(l.nodePeer.counters.updatesSent).toBe(sent);
    // Back up: the whole table, once.
    l.nodePeer.withdraw(route(0));
    l.nodePeer.session.start();
    await drain(l, () => l.routerPeer.adjRibIn.size === n - 1);
    expect(l.routerPeer.adjRibIn.size).toBe(n - 1);
    expect(l.routerPeer.adjRibIn.has(route(0))).toBe(false);
  });

  it('re-advertises everything after the session comes back, and the router forgets routes of a dead session', async () => {
    const l = await lab();
    l.nodePeer.announce('192.168.122.210/32', { nextHop: '198.18.0.10' });
    await l.advance(1000);
    l.network.setFilter(() => 'drop');
    await l.advance(12_000);
    expect(l.routerPeer.adjRibIn.size).toBe(0);
    l.network.setFilter(() => 'pass');
    await l.advance(20_000);
    expect(l.nodePeer.session.state).toBe('Established');
    expect(l.routerPeer.adjRibIn.has('192.168.122.210/32')).toBe(true);
  });

  it('reports a route it cannot encode and still sends the others', async () => {
    const l = await lab();
    const problems: string[] = [];
    l.nodePeer.on({ problem: (p) => problems.push(p.error.code) });
    l.nodePeer.announce('192.168.122.213/32', { nextHop: '198.18.0.10', communities: [-1] });
    l.nodePeer.announce('192.168.122.214/32', { nextHop: '198.18.0.10' });
    await l.advance(1000);
    expect(problems).toContain('ERR_BGP_ENCODE_VALUE');
    expect(l.routerPeer.adjRibIn.has('192.168.122.214/32')).toBe(true);
    expect(l.nodePeer.session.state).toBe('Established');
  });

  it('sends IPv4 routes with an IPv6 next hop in MP_REACH_NLRI when both advertised extended next hop (RFC 8950 4)', async () => {
    const l = await lab({ extendedNextHop: { node: true, router: true } });
    l.nodePeer.announce('198.18.100.20/32', { nextHop: 'fe80::200:ff:fe00:101' });
    l.nodePeer.announce('198.18.100.21/32', {
      nextHop: '2001:db8::101',
      linkLocalNextHop: 'fe80::200:ff:fe00:101',
    });
    await l.advance(1000);
    expect(l.nodePeer.session.negotiated?.extendedNextHop).toEqual([
      { afi: 1, safi: 1, nextHopAfi: 2 },
    ]);
    const ll = l.routerPeer.adjRibIn.get('198.18.100.20/32')?.attributes;
    expect(ll?.nextHop).toBeUndefined();
    expect(ll?.mpReach).toMatchObject({ afi: 1, safi: 1, nextHops: ['fe80::200:ff:fe00:101'] });
    expect(l.routerPeer.adjRibIn.get('198.18.100.21/32')?.attributes.mpReach?.nextHops).toEqual([
      '2001:db8::101',
      'fe80::200:ff:fe00:101',
    ]);
    // Withdrawal goes in the IPv4 withdrawn routes field, which RFC 4760 keeps for AFI 1.
    l.nodePeer.withdraw('198.18.100.20/32');
    await settle();
    expect(l.routerPeer.adjRibIn.has('198.18.100.20/32')).toBe(false);
    expect(l.routerPeer.adjRibIn.has('198.18.100.21/32')).toBe(true);
  });

  it.each([
    ['only the node', { node: true, router: false }],
    ['only the router', { node: false, router: true }],
  ])(
    'never sends an IPv6 next hop for IPv4 NLRI when %s advertised extended next hop (RFC 8950 4)',
    async (_, extendedNextHop) => {
      const l = await lab({ extendedNextHop });
      const problems: string[] = [];
      l.nodePeer.on({ problem: (p) => problems.push(p.error.code) });
      l.nodePeer.announce('198.18.100.20/32', { nextHop: 'fe80::200:ff:fe00:101' });
      l.nodePeer.announce('198.18.100.22/32', { nextHop: '198.18.0.10' });
      await l.advance(1000);
      expect(l.nodePeer.session.negotiated?.extendedNextHop).toEqual([]);
      expect(problems).toEqual(['ERR_BGP_EXTENDED_NEXTHOP']);
      expect(l.routerPeer.adjRibIn.has('198.18.100.20/32')).toBe(false);
      expect(l.routerPeer.adjRibIn.has('198.18.100.22/32')).toBe(true);
      expect(l.nodePeer.session.state).toBe('Established');
    },
  );

  it('refuses connections from unconfigured addresses', async () => {
    const l = await lab();
    const t = l.network.transport();
    const c = await t.connect({ host: '198.18.0.1', port: 179, localAddress: '198.18.0.99' });
    let closed = false;
    c.attach({ data: () => undefined, drain: () => undefined, close: () => (closed = true) });
    await settle();
    expect(closed).toBe(true);
  });

  it('refreshes only the family asked, between BoRR and EoRR when both sides support RFC 7313', async () => {
    const l = await lab();
    l.nodePeer.announce('192.168.122.210/32', { nextHop: '198.18.0.10' });
    l.nodePeer.announce('2001:db8:1::210/128', { nextHop: '2001:db8::10' });
    await l.advance(1000);
    const before = l.received.length;
    expect(l.routerPeer.session.sendRouteRefresh(1, 1)).toBe(true);
    await l.advance(200);
    const after = l.received.slice(before);
    const summary = after.map((m) =>
      m.type === 'ROUTE-REFRESH'
        ? `RR ${m.afi}/${m.safi} subtype ${m.subtype}`
        : m.type === 'UPDATE'
          ? `UPDATE ${[...m.nlri, ...(m.attributes.mpReach?.nlri ?? [])].map((n) => n.prefix).join(',')}`
          : m.type,
    );
    // RFC 7313 4: BoRR, the IPv4 routes only, EoRR.
    expect(summary).toEqual(['RR 1/1 subtype 1', 'UPDATE 192.168.122.210/32', 'RR 1/1 subtype 2']);
  });

  it('refreshes without BoRR/EoRR when the peer did not advertise enhanced route refresh', async () => {
    const l = await lab({ plainRefresh: true });
    l.nodePeer.announce('192.168.122.210/32', { nextHop: '198.18.0.10' });
    l.nodePeer.announce('2001:db8:1::210/128', { nextHop: '2001:db8::10' });
    await l.advance(1000);
    const before = l.received.length;
    l.routerPeer.session.sendRouteRefresh(2, 1);
    await l.advance(200);
    const after = l.received.slice(before);
    expect(after.filter((m) => m.type === 'ROUTE-REFRESH')).toEqual([]);
    const prefixes = after.flatMap((m) =>
      m.type === 'UPDATE' ? (m.attributes.mpReach?.nlri ?? []).concat(m.nlri) : [],
    );
    expect(prefixes).toEqual([{ prefix: '2001:db8:1::210/128' }]);
  });

  it('marks a family stale at BoRR and purges what EoRR finds not re-sent (RFC 7313 4)', async () => {
    const l = await lab();
    l.nodePeer.announce('192.168.122.210/32', { nextHop: '198.18.0.10' });
    l.nodePeer.announce('2001:db8:1::210/128', { nextHop: '2001:db8::10' });
    await l.advance(1000);
    // A route the node no longer has, as if its withdrawal had been lost.
    l.routerPeer.adjRibIn.apply({
      type: 'UPDATE',
      withdrawn: [],
      nlri: [{ prefix: '192.168.122.99/32' }],
      attributes: { origin: 0, asPath: [], nextHop: '198.18.0.10' },
    });
    const seen: RouteRefreshMessage[] = [];
    l.routerPeer.on({
      routeRefresh: (m) => {
        seen.push(m);
        if (m.subtype === 1) expect(l.routerPeer.adjRibIn.staleCount).toBe(2);
      },
    });
    l.routerPeer.session.sendRouteRefresh(1, 1);
    await l.advance(200);
    expect(seen.map((m) => m.subtype)).toEqual([1, 2]);
    expect(l.routerPeer.adjRibIn.has('192.168.122.99/32')).toBe(false);
    expect(l.routerPeer.adjRibIn.get('192.168.122.210/32')?.stale).toBe(false);
    // The other family was not touched.
    expect(l.routerPeer.adjRibIn.get('2001:db8:1::210/128')?.stale).toBe(false);
    expect(l.routerPeer.adjRibIn.staleCount).toBe(0);
  });

  it('ignores an EoRR that no BoRR announced: it purges nothing', async () => {
    const l = await lab();
    l.nodePeer.announce('192.168.122.210/32', { nextHop: '198.18.0.10' });
    await l.advance(1000);
    l.routerPeer.adjRibIn.markStale({ afi: 1, safi: 1 });
    expect(l.nodePeer.session.sendRouteRefresh(1, 1, 2)).toBe(true);
    await l.advance(200);
    expect(l.routerPeer.adjRibIn.get('192.168.122.210/32')?.stale).toBe(true);
    expect(l.routerPeer.session.state).toBe('Established');
  });

  it('graceful restart: the helper keeps the routes stale while the node restarts, End-of-RIB refreshes them and purges the rest', async () => {
    const l = await lab({ gr: true });
    const opens: boolean[] = [];
    l.routerPeer.on({
      message: (m) => {
        if (m.direction !== 'received' || m.message.type !== 'OPEN') return;
        const gr = m.message.capabilities.find((c) => c.kind === 'graceful-restart');
        if (gr?.kind === 'graceful-restart') {
          opens.push(gr.restarting);
          expect(gr.restartTime).toBe(30);
          expect(gr.families.every((f) => f.forwardingPreserved)).toBe(true);
        }
      },
    });
    l.nodePeer.announce('192.168.122.210/32', { nextHop: '198.18.0.10' });
    l.nodePeer.announce('192.168.122.211/32', { nextHop: '198.18.0.10' });
    await l.advance(1000);
    expect(l.routerPeer.session.negotiated?.gracefulRestart?.notification).toBe(true);
    // The node's speaker stops (Cease/2, not a Hard Reset: RFC 8538 keeps the routes).
    await l.node.close('restarting');
    await l.advance(1000);
    expect(l.routerPeer.session.state).not.toBe('Established');
    expect(l.routerPeer.adjRibIn.get('192.168.122.210/32')?.stale).toBe(true);
    expect(l.routerPeer.adjRibIn.staleCount).toBe(2);
    // It comes back with one of the two routes only.
    const again = l.restartNode();
    again.peer.announce('192.168.122.210/32', { nextHop: '198.18.0.10' });
    again.peer.session.start();
    await l.advance(2000);
    expect(again.peer.session.state).toBe('Established');
    expect(l.routerPeer.adjRibIn.get('192.168.122.210/32')?.stale).toBe(false);
    expect(l.routerPeer.adjRibIn.has('192.168.122.211/32')).toBe(false);
    expect(l.routerPeer.adjRibIn.staleCount).toBe(0);
    // RFC 4724 3: Restart State set in the OPENs of a starting speaker, not after its EoR.
    expect(opens).toEqual([true, true]);
    again.peer.session.abort();
    again.peer.session.start();
    await l.advance(130_000);
    expect(opens.at(-1)).toBe(false);
  });

  it('graceful restart: stale routes go when the node does not come back within its Restart Time', async () => {
    const l = await lab({ gr: true });
    l.nodePeer.announce('192.168.122.210/32', { nextHop: '198.18.0.10' });
    await l.advance(1000);
    l.nodePeer.session.abort(); // the process dies: no NOTIFICATION at all
    await l.advance(29_000);
    expect(l.routerPeer.adjRibIn.get('192.168.122.210/32')?.stale).toBe(true);
    await l.advance(2000);
    expect(l.routerPeer.adjRibIn.size).toBe(0);
  });

  it('graceful restart: a peer back without Forwarding State for the family loses its stale routes at once', async () => {
    const l = await lab({ gr: true });
    l.nodePeer.announce('192.168.122.210/32', { nextHop: '198.18.0.10' });
    await l.advance(1000);
    // A restarted node whose OPEN lists no family with Forwarding State: RFC 4724 4.2 deletes.
    l.nodePeer.session.abort();
    await l.advance(1000);
    expect(l.routerPeer.adjRibIn.staleCount).toBe(1);
    const again = l.restartNode({ ...l.nodePeer.config, gracefulRestart: undefined });
    again.peer.session.start();
    await l.advance(2000);
    expect(again.peer.session.state).toBe('Established');
    expect(l.routerPeer.adjRibIn.size).toBe(0);
  });

  it('answers an OPEN with an optional parameter other than Capabilities with NOTIFICATION 2/4 (RFC 4271 6.2)', async () => {
    const clock = new ManualClock();
    const network = new MemoryNetwork(clock);
    const router = new Speaker({
      clock,
      random: new SeededRandom(2),
      transport: network.transport(),
    });
    router.addPeer(ROUTER_PEER).session.start();
    await router.listen('198.18.0.1', 179);
    const c = await network
      .transport()
      .connect({ host: '198.18.0.1', port: 179, localAddress: '198.18.0.10' });
    const got: Buffer[] = [];
    c.attach({ data: (b) => got.push(b), drain: () => undefined, close: () => undefined });
    c.write(
      bgpMessage(
        1,
        `
        04                // version 4
        fdf5              // My AS 64501
        005a              // hold time 90
        c612000a          // BGP Identifier 198.18.0.10
        04                // optional parameters length 4
        03 02 abcd        // parameter type 3 (not Capabilities, type 2), length 2
      `,
      ),
    );
    await settle();
    const notification = decodeMessage(Buffer.concat(got).subarray(-21), DEFAULT_CONTEXT);
    expect(notification.ok && notification.message).toMatchObject({
      type: 'NOTIFICATION',
      code: 2,
      subcode: 4,
    });
  });
});
