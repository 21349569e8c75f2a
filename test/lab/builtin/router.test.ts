import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/clock.js';
import { SeededRandom } from '../../../src/core/random.js';
import { MemoryNetwork } from '../../../src/bgp/io/memory.js';
import { Speaker, type Peer } from '../../../src/bgp/speaker.js';
import { Neighbor } from '../../../src/bgp/neighbor.js';
import { InMemoryBfdNetwork } from '../../../src/bfd/io/memory-transport.js';
import { BfdSessionTable } from '../../../src/bfd/session-table.js';
import type { BfdSession } from '../../../src/bfd/session.js';
import { BfdDiagnostic, BfdState } from '../../../src/bfd/wire/constants.js';
import { BuiltinRouter } from '../../../src/lab/builtin/router.js';
import type { RouterSpec } from '../../../src/lab/topology.js';

// The speaker-frr and bfd-frr integration assertions, against a builtin router in virtual time.
const timers = { keepaliveS: 1, holdS: 3 };
const bfdProfile = {
  name: 'fast',
  receiveIntervalMs: 50,
  transmitIntervalMs: 50,
  detectMultiplier: 3,
  passive: false,
};
const spec: RouterSpec = {
  name: 'r1',
  asn: 64500,
  routerId: '198.18.0.1',
  interfaces: [{ segment: 'lan', ipv4: '198.18.0.1', ipv6: '2001:db8::1' }],
  neighbors: [
    { address: '198.18.0.10', remoteAsn: 64501, timers, connectRetryS: 2, bfd: bfdProfile },
    { address: '2001:db8::10', remoteAsn: 64501, timers, connectRetryS: 2, families: ['ipv6'] },
    { address: '198.18.0.11', remoteAsn: 64500, timers, connectRetryS: 2 },
  ],
};

const settle = async (): Promise<void> => {
  for (let i = 0; i < 100; i++) await Promise.resolve();
};

async function setup() {
  const clock = new ManualClock(Date.UTC(2026, 3, 21, 9, 0, 0));
  const random = new SeededRandom(3);
  const bgpNet = new MemoryNetwork(clock);
  const bfdNet = new InMemoryBfdNetwork({ clock, random });
  const router = new BuiltinRouter(spec, {
    clock,
    random,
    bgpTransport: bgpNet.transport(),
    bfdTransport: bfdNet.transportFactory,
  });
  await router.start();
  const speaker = new Speaker({ clock, random, transport: bgpNet.transport() });
  const base = {
    holdTimeSeconds: 3,
    keepaliveTimeSeconds: 1,
    connectRetryTimeSeconds: 1,
    peerAsn: 64500,
  };
  const table = new BfdSessionTable({
    clock,
    random,
    openTransport: bfdNet.transportFactory,
  });
  // The node side: one Neighbor (BGP + BFD + coupling), as the node speaker builds it.
  const node1 = new Neighbor(
    {
      peer: {
        ...base,
        id: 'node1/v4',
        localAddress: '198.18.0.10',
        routerId: '198.18.0.10',
        localAsn: 64501,
        peerAddress: '198.18.0.1',
        families: ['ipv4'],
      },
      bfd: {
        localAddress: '198.18.0.10',
        peerAddress: '198.18.0.1',
        desiredMinTxMs: 50,
        requiredMinRxMs: 50,
        detectMult: 3,
      },
    },
    { clock, speaker, bfdTable: table },
  );
  const v4: Peer = node1.peer;
  const v6 = speaker.addPeer({
    ...base,
    id: 'node1/v6',
    localAddress: '2001:db8::10',
    routerId: '198.18.0.10',
    localAsn: 64501,
    peerAddress: '2001:db8::1',
    families: ['ipv6'],
  });
  const ibgp = speaker.addPeer({
    ...base,
    id: 'node2/v4',
    localAddress: '198.18.0.11',
    routerId: '198.18.0.11',
    localAsn: 64500,
    peerAddress: '198.18.0.1',
    families: ['ipv4'],
  });
  const bfd: BfdSession = (await node1.startBfd())!;
  const log: { peer: string; to: string; reason: unknown; at: number }[] = [];
  const notes: { peer: string; dir: string; code: number; subcode: number }[] = [];
  for (const p of [v4, v6, ibgp]) {
    p.on({
      transition: (e) => log.push({ peer: p.id, to: e.to, reason: e.reason, at: e.at }),
      message: (m) =>
        m.message.type === 'NOTIFICATION' &&
        notes.push({
          peer: p.id,
          dir: m.direction,
          code: m.message.code,
          subcode: m.message.subcode,
        }),
    });
    p.session.start();
  }
  const advance = async (ms: number, step = 10) => {
    for (let t = 0; t < ms; t += step) {
      clock.advance(step);
      await settle();
    }
  };
  const until = async (what: string, cond: () => boolean, maxMs: number, step = 10) => {
    for (let t = 0; t <= maxMs && !cond(); t += step) await advance(step, step);
    if (!cond()) throw new Error(`timed out: ${what}`);
  };
  await until(
    'all Established',
    () => [v4, v6, ibgp].every((p: Peer) => p.session.established),
    10_000,
  );
  return { clock, router, v4, v6, ibgp, bfd, bgpNet, bfdNet, log, notes, advance, until };
}

describe('builtin router (virtual time): the FRR integration assertions', () => {
  it('reaches Established over eBGP and iBGP, IPv4 and IPv6, and shows them like FRR', async () => {
    const l = await setup();
    const n = l.router.bgpNeighbors();
    expect(n['198.18.0.10']).toMatchObject({
      state: 'Established',
      remoteAs: 64501,
      holdTimeMs: 3000,
    });
    expect(n['2001:db8::10']?.state).toBe('Established');
    expect(n['198.18.0.11']?.state).toBe('Established');
    await l.until('BFD up', () => l.bfd.state === BfdState.Up, 5_000);
    expect(l.router.bgpNeighbors()['198.18.0.10']?.crBfdStatus).toBe('Up');
    expect(l.router.bgpNeighbors()['198.18.0.11']?.crBfdStatus).toBe('N/A');
    expect(l.router.bfdPeers()[0]).toMatchObject({
      peer: '198.18.0.10',
      status: 'up',
      receiveIntervalMs: 50,
      remoteTransmitIntervalMs: 50,
    });
  });

  it('holds the /32 and /128 with next hop, communities and iBGP local-pref; withdrawals go at once', async () => {
    const l = await setup();
    l.v4.announce('192.168.122.210/32', {
      nextHop: '198.18.0.10',
      communities: [65000 * 65536 + 100],
      largeCommunities: [[64501, 1, 2]],
    });
    l.v6.announce('2001:db8:ffff::210/128', { nextHop: '2001:db8::10' });
    l.ibgp.announce('192.168.122.211/32', { nextHop: '198.18.0.11', localPref: 150 });
    await l.advance(100);
    const v4 = l.router.bgpRoutes('ipv4').routes;
    expect(v4['192.168.122.210/32']?.[0]).toMatchObject({
      best: true,
      asPath: [64501],
      communities: ['65000:100'],
      largeCommunities: ['64501:1:2'],
    });
    expect(v4['192.168.122.210/32']?.[0]?.nexthops[0]?.ip).toBe('198.18.0.10');
    expect(v4['192.168.122.211/32']?.[0]?.localPref).toBe(150);
    expect(l.router.bgpRoutes('ipv6').routes['2001:db8:ffff::210/128']?.[0]?.nexthops[0]?.ip).toBe(
      '2001:db8::10',
    );
    l.v4.withdraw('192.168.122.210/32');
    await l.advance(10);
    expect(l.router.bgpRoutes('ipv4').routes['192.168.122.210/32']).toBeUndefined();
  });

  it('neighbor shutdown sends Cease/2; kill bgpd drops sessions through Idle/Connect/Active; restart brings them back', async () => {
    const l = await setup();
    await l.router.vtysh([
      'configure terminal',
      'router bgp 64500',
      'neighbor 198.18.0.11 shutdown',
    ]);
    await l.advance(100);
    expect(l.notes).toContainEqual({ peer: 'node2/v4', dir: 'received', code: 6, subcode: 2 });
    expect(l.ibgp.session.established).toBe(false);
    await l.router.vtysh([
      'configure terminal',
      'router bgp 64500',
      'no neighbor 198.18.0.11 shutdown',
    ]);
    await l.until('node2 back', () => l.ibgp.session.established, 10_000);
    const mark = l.log.length;
    await l.router.killDaemon('bgpd');
    await l.advance(3000);
    const states = l.log
      .slice(mark)
      .filter((e) => e.peer === 'node1/v6')
      .map((e) => e.to);
    expect(states[0]).toBe('Idle');
    expect(states).toContain('Connect');
    expect(l.notes.filter((n) => n.peer === 'node1/v6')).toEqual([]);
    await l.router.startDaemon('bgpd');
    await l.until('all back', () => l.v6.session.established && l.v4.session.established, 15_000);
  });

  it('dropped BGP packets: hold timer expiry within the hold time', async () => {
    const l = await setup();
    const t0 = l.clock.now();
    l.bgpNet.setFilter((from, to) =>
      from === '198.18.0.11' || to === '198.18.0.11' ? 'drop' : 'pass',
    );
    await l.until('hold timer', () => !l.ibgp.session.established, 5_000);
    const down = l.log.find((e) => e.peer === 'node2/v4' && e.to === 'Idle')!;
    expect(down.reason).toBe('hold-timer-expired');
    expect(down.at - t0).toBeLessThanOrEqual(3000);
    l.bgpNet.setFilter(() => 'pass');
    await l.until('back', () => l.ibgp.session.established, 15_000);
  });

  it('dropped BFD: Down within 3 x 50 ms, Cease/10, BGP held down until BFD is Up again', async () => {
    const l = await setup();
    await l.until('BFD up', () => l.bfd.state === BfdState.Up, 5_000);
    const t0 = l.clock.now();
    l.bfdNet.setFilter((d) => d.to.address === '198.18.0.10' || d.from.address === '198.18.0.10');
    await l.until('BFD down', () => l.bfd.state === BfdState.Down, 1000, 1);
    expect(l.clock.now() - t0).toBeLessThanOrEqual(150);
    await l.advance(50);
    expect(l.notes).toContainEqual({ peer: 'node1/v4', dir: 'sent', code: 6, subcode: 10 });
    await l.advance(5000);
    expect(l.v4.session.established).toBe(false);
    l.bfdNet.setFilter(undefined);
    await l.until('BFD up again', () => l.bfd.state === BfdState.Up, 10_000);
    await l.until('BGP back', () => l.v4.session.established, 15_000);
  });

  it('BFD profile shutdown: the node sees Down with Neighbor Signaled Session Down; BGP stays up', async () => {
    const l = await setup();
    await l.until('BFD up', () => l.bfd.state === BfdState.Up, 5_000);
    await l.router.vtysh(['configure terminal', 'bfd', 'profile fast', 'shutdown']);
    await l.until('BFD down', () => l.bfd.state === BfdState.Down, 1000, 5);
    expect(l.bfd.diagnostic).toBe(BfdDiagnostic.NeighborSignaledSessionDown);
    expect(l.router.bfdPeers()[0]?.status).toBe('shutdown');
    await l.advance(2000);
    expect(l.v4.session.established).toBe(true);
    await expect(l.router.vtysh(['show running-config'])).rejects.toMatchObject({
      code: 'ERR_BUILTIN_VTYSH_UNSUPPORTED',
    });
  });
});
