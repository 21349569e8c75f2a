import { afterAll, beforeAll, expect, it } from 'vitest';
import { SystemClock } from '../../src/core/clock.js';
import { SeededRandom } from '../../src/core/random.js';
import { TcpTransport } from '../../src/bgp/io/tcp.js';
import { Speaker, type Peer } from '../../src/bgp/speaker.js';
import type { SessionTransitionEvent } from '../../src/bgp/session.js';
import { labDown, labUp } from '../../src/lab/lifecycle.js';
import { dropBgp, killDaemon, restorePackets, startDaemonAgain } from '../../src/lab/faults.js';
import { vtyshCommands, waitFor, waitForNeighbor } from '../../src/lab/router-state.js';
import type { LabTopology } from '../../src/lab/topology.js';
import { integration, serialLabFile } from './require.js';

// speakersim's speaker (host namespace, binding each simulated node's address) against FRR 8.4
// bgpd in a namespace: node1 eBGP (AS 64501) over IPv4 and IPv6, node2 iBGP (AS 64500) over IPv4.
const LAB = 'spk';
const R1 = { lab: LAB, router: 'r1' };
const timers = { keepaliveS: 1, holdS: 3 };
const topology: LabTopology = {
  name: LAB,
  segments: [{ name: 'lan', ipv4Prefix: '198.18.21.0/24', ipv6Prefix: '2001:db8:21::/64' }],
  routers: [
    {
      name: 'r1',
      asn: 64500,
      routerId: '198.18.21.1',
      interfaces: [{ segment: 'lan', ipv4: '198.18.21.1', ipv6: '2001:db8:21::1' }],
      neighbors: [
        { address: '198.18.21.10', remoteAsn: 64501, timers, connectRetryS: 2 },
        {
          address: '2001:db8:21::10',
          remoteAsn: 64501,
          timers,
          connectRetryS: 2,
          families: ['ipv6'],
        },
        { address: '198.18.21.11', remoteAsn: 64500, timers, connectRetryS: 2 },
      ],
    },
  ],
  nodes: [
    { name: 'node1', asn: 64501, segment: 'lan', ipv4: '198.18.21.10', ipv6: '2001:db8:21::10' },
    { name: 'node2', asn: 64500, segment: 'lan', ipv4: '198.18.21.11' },
  ],
};

interface PathDetail {
  nexthops?: { ip: string }[];
  community?: { string: string };
  largeCommunity?: { string: string };
  locPrf?: number;
  aspath?: { string: string };
}

/** `show bgp <afi> unicast <prefix> json`: the path details FRR holds for one prefix. */
async function routeDetail(
  afi: 'ipv4' | 'ipv6',
  prefix: string,
): Promise<PathDetail[] | undefined> {
  const out = await vtyshCommands(R1, [`show bgp ${afi} unicast ${prefix} json`]);
  const j = JSON.parse(out) as { paths?: PathDetail[] };
  return j.paths && j.paths.length > 0 ? j.paths : undefined;
}

const established = (n: { state: string }) => n.state === 'Established';
const COMMUNITY = 65000 * 65536 + 100;

integration(['root', 'frr', 'vtysh', 'ip', 'nft'])('speakersim speaker against FRR bgpd', () => {
  serialLabFile();
  const clock = new SystemClock();
  const speaker = new Speaker({
    clock,
    random: new SeededRandom(7),
    transport: new TcpTransport(clock),
  });
  const transitions: { peer: string; e: SessionTransitionEvent }[] = [];
  const received: { peer: string; code: number; subcode: number }[] = [];
  let v4: Peer;
  let v6: Peer;
  let ibgp: Peer;

  beforeAll(async () => {
    const t0 = Date.now();
    await labUp(topology, { cleanupOnExit: true });
    const labMs = Date.now() - t0;
    const base = {
      routerId: '198.18.21.10',
      holdTimeSeconds: 3,
      keepaliveTimeSeconds: 1,
      connectRetryTimeSeconds: 1,
      peerAsn: 64500,
    };
    v4 = speaker.addPeer({
      ...base,
      id: 'node1/v4',
      node: 'node1',
      localAddress: '198.18.21.10',
      localAsn: 64501,
      peerAddress: '198.18.21.1',
      families: ['ipv4'],
    });
    v6 = speaker.addPeer({
      ...base,
      id: 'node1/v6',
      node: 'node1',
      localAddress: '2001:db8:21::10',
      localAsn: 64501,
      peerAddress: '2001:db8:21::1',
      families: ['ipv6'],
    });
    ibgp = speaker.addPeer({
      ...base,
      id: 'node2/v4',
      node: 'node2',
      routerId: '198.18.21.11',
      localAddress: '198.18.21.11',
      localAsn: 64500,
      peerAddress: '198.18.21.1',
      families: ['ipv4'],
    });
    for (const p of [v4, v6, ibgp]) {
      p.on({
        transition: (e) => transitions.push({ peer: p.id, e }),
        message: (m) => {
          if (m.direction === 'received' && m.message.type === 'NOTIFICATION') {
            received.push({ peer: p.id, code: m.message.code, subcode: m.message.subcode });
          }
        },
      });
      p.session.start();
    }
    await waitForNeighbor(R1, '198.18.21.10', established, 30_000);
    await waitForNeighbor(R1, '2001:db8:21::10', established, 30_000);
    await waitForNeighbor(R1, '198.18.21.11', established, 30_000);
    console.log(
      `[speaker-frr] lab up ${labMs} ms; all sessions Established ${Date.now() - t0} ms after lab up began`,
    );
  }, 90_000);

  afterAll(async () => {
    await speaker.close();
    await labDown(LAB, { force: true });
  });

  it('reaches Established over eBGP and iBGP, IPv4 and IPv6', () => {
    expect(v4.session.state).toBe('Established');
    expect(v6.session.state).toBe('Established');
    expect(ibgp.session.state).toBe('Established');
    expect(v4.session.negotiated?.holdTimeSeconds).toBe(3);
    expect(ibgp.session.negotiated?.internal).toBe(true);
  });

  it('FRR installs the /32 and /128 with next hop, communities and (iBGP) local-pref', async () => {
    v4.announce('192.168.122.210/32', {
      nextHop: '198.18.21.10',
      communities: [COMMUNITY],
      largeCommunities: [[64501, 1, 2]],
    });
    v6.announce('2001:db8:ffff::210/128', { nextHop: '2001:db8:21::10' });
    ibgp.announce('192.168.122.211/32', { nextHop: '198.18.21.11', localPref: 150 });
    const p4 = await waitFor(
      'r1 has 192.168.122.210/32',
      () => routeDetail('ipv4', '192.168.122.210/32'),
      10_000,
    );
    expect(p4[0]!.nexthops?.[0]?.ip).toBe('198.18.21.10');
    expect(p4[0]!.community?.string).toBe('65000:100');
    expect(p4[0]!.largeCommunity?.string).toBe('64501:1:2');
    expect(p4[0]!.aspath?.string).toBe('64501');
    const p6 = await waitFor(
      'r1 has 2001:db8:ffff::210/128',
      () => routeDetail('ipv6', '2001:db8:ffff::210/128'),
      10_000,
    );
    expect(p6[0]!.nexthops?.some((h) => h.ip === '2001:db8:21::10')).toBe(true);
    const pi = await waitFor(
      'r1 has 192.168.122.211/32',
      () => routeDetail('ipv4', '192.168.122.211/32'),
      10_000,
    );
    expect(pi[0]!.locPrf).toBe(150);
  }, 40_000);

  it('a withdrawal leaves FRR within 1 s', async () => {
    await waitFor(
      'r1 has 192.168.122.210/32',
      () => routeDetail('ipv4', '192.168.122.210/32'),
      10_000,
    );
    const t0 = Date.now();
    v4.withdraw('192.168.122.210/32');
    await waitFor(
      'r1 forgets 192.168.122.210/32',
      async () => ((await routeDetail('ipv4', '192.168.122.210/32')) ? undefined : true),
      5_000,
      50,
    );
    const tookMs = Date.now() - t0;
    console.log(`[speaker-frr] withdrawal gone from FRR after ${tookMs} ms`);
    expect(tookMs).toBeLessThan(1000);
  }, 20_000);

  it('sees Cease/2 Administrative Shutdown on `neighbor X shutdown` and comes back after `no neighbor X shutdown`', async () => {
    await vtyshCommands(R1, [
      'configure terminal',
      'router bgp 64500',
      'neighbor 198.18.21.11 shutdown',
    ]);
    await waitFor(
      'node2 leaves Established',
      async () => (ibgp.session.state !== 'Established' ? true : undefined),
      10_000,
      50,
    );
    expect(received).toContainEqual({ peer: 'node2/v4', code: 6, subcode: 2 });
    await vtyshCommands(R1, [
      'configure terminal',
      'router bgp 64500',
      'no neighbor 198.18.21.11 shutdown',
    ]);
    await waitFor(
      'node2 Established again',
      async () => (ibgp.session.state === 'Established' ? true : undefined),
      20_000,
      100,
    );
  }, 40_000);

  it('kill bgpd: the session follows the FSM down and returns once bgpd restarts', async () => {
    const mark = transitions.length;
    await killDaemon(R1, 'bgpd');
    await waitFor(
      'node1 v4 leaves Established',
      async () => (v4.session.state !== 'Established' ? true : undefined),
      10_000,
      50,
    );
    // No NOTIFICATION from a killed process: the TCP connection just goes (RFC 4271 8.2.2).
    await new Promise((r) => setTimeout(r, 2500));
    const states = transitions
      .slice(mark)
      .filter((t) => t.peer === 'node1/v4')
      .map((t) => t.e.to);
    expect(states[0]).toBe('Idle');
    expect(states).toContain('Connect');
    expect(states.some((s) => s === 'Active' || s === 'Connect')).toBe(true);
    await startDaemonAgain(R1, 'bgpd');
    await waitForNeighbor(R1, '198.18.21.10', established, 30_000);
    await waitFor(
      'node1 v4 Established',
      async () => (v4.session.state === 'Established' ? true : undefined),
      10_000,
      50,
    );
    // The Adj-RIB-Out is sent again to the restarted router.
    await waitFor(
      'r1 relearns 192.168.122.211/32',
      () => routeDetail('ipv4', '192.168.122.211/32'),
      10_000,
    );
  }, 90_000);

  it('dropping BGP packets with nft: hold timer expiry within hold time + 1 s', async () => {
    await waitFor(
      'node1 v4 Established',
      async () => (v4.session.state === 'Established' ? true : undefined),
      20_000,
      50,
    );
    const fault = await dropBgp(R1, { peer: '198.18.21.10' });
    const t0 = Date.now();
    try {
      await waitFor(
        'node1 v4 hold timer',
        async () => (v4.session.state !== 'Established' ? true : undefined),
        10_000,
        20,
      );
      const tookMs = Date.now() - t0;
      console.log(
        `[speaker-frr] hold timer expiry detected ${tookMs} ms after the drop (hold 3 s)`,
      );
      expect(tookMs).toBeLessThanOrEqual(4000);
      const down = transitions
        .filter((t) => t.peer === 'node1/v4' && t.e.from === 'Established')
        .at(-1);
      expect(down?.e.reason).toBe('hold-timer-expired');
    } finally {
      await restorePackets(fault);
    }
    await waitFor(
      'node1 v4 Established again',
      async () => (v4.session.state === 'Established' ? true : undefined),
      30_000,
      100,
    );
  }, 60_000);
});
