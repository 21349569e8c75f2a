import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { SeededRandom } from '../../src/core/random.js';
import { MemoryNetwork } from '../../src/bgp/io/memory.js';
import { Speaker, type PeerConfig } from '../../src/bgp/speaker.js';
import { isEndOfRib } from '../../src/bgp/wire/index.js';
import type { BgpMessage } from '../../src/bgp/wire/types.js';

const settle = async (n = 200): Promise<void> => {
  for (let i = 0; i < n; i++) await Promise.resolve();
};

async function lab(opts: { ibgp?: boolean } = {}) {
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
  });
  const cfg: PeerConfig = {
    id: 'r1/198.18.0.10',
    localAddress: '198.18.0.1',
    localAsn: routerAsn,
    routerId: '198.18.0.1',
    peerAddress: '198.18.0.10',
    peerAsn: nodeAsn,
    holdTimeSeconds: 9,
    passive: true,
    keepAdjRibIn: true,
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
  return { clock, network, node, router, nodePeer, routerPeer, received, advance };
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
    const v4 = l.routerPeer.adjRibIn.get('192.168.122.210/32');
    expect(v4).toMatchObject({
      nextHop: '198.18.0.10',
      asPath: [{ type: 'AS_SEQUENCE', asns: [64501] }],
      communities: [65000 * 65536 + 100],
    });
    expect(v4?.localPref).toBeUndefined();
    const v6 = l.routerPeer.adjRibIn.get('2001:db8:1::210/128');
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
    expect(l.routerPeer.adjRibIn.get('192.168.122.211/32')).toMatchObject({
      localPref: 150,
      asPath: [],
    });
    expect(l.routerPeer.adjRibIn.get('192.168.122.212/32')?.localPref).toBe(100);
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

  it('refuses connections from unconfigured addresses', async () => {
    const l = await lab();
    const t = l.network.transport();
    const c = await t.connect({ host: '198.18.0.1', port: 179, localAddress: '198.18.0.99' });
    let closed = false;
    c.attach({ data: () => undefined, drain: () => undefined, close: () => (closed = true) });
    await settle();
    expect(closed).toBe(true);
  });
});
