import { afterAll, beforeAll, expect, it } from 'vitest';
import { SystemClock } from '../../src/core/clock.js';
import { SeededRandom } from '../../src/core/random.js';
import { TcpTransport } from '../../src/bgp/io/tcp.js';
import { Speaker, type Peer } from '../../src/bgp/speaker.js';
import { labDown, labUp } from '../../src/lab/lifecycle.js';
import { vtyshCommands, waitFor, waitForNeighbor } from '../../src/lab/router-state.js';
import type { LabTopology } from '../../src/lab/topology.js';
import { integration, serialLabFile } from './require.js';

// RFC 8950 against FRR 8.4 over an IPv6 session with both families: speakersim and r1
// (`neighbor X capability extended-nexthop`) both advertise capability 5, speakersim sends an
// IPv4 /32 in MP_REACH_NLRI with its IPv6 address as next hop and FRR installs it; FRR sends its
// own IPv4 prefix the same way and speakersim decodes it. The wire part of unnumbered BGPPeers.
const LAB = 'unnxnh';
const R1 = { lab: LAB, router: 'r1' };
const topology: LabTopology = {
  name: LAB,
  segments: [{ name: 'lan', ipv4Prefix: '198.18.23.0/24', ipv6Prefix: '2001:db8:23::/64' }],
  routers: [
    {
      name: 'r1',
      asn: 64500,
      routerId: '198.18.23.1',
      interfaces: [{ segment: 'lan', ipv4: '198.18.23.1', ipv6: '2001:db8:23::1' }],
      neighbors: [
        {
          address: '2001:db8:23::10',
          remoteAsn: 64501,
          timers: { keepaliveS: 1, holdS: 3 },
          connectRetryS: 2,
          families: ['ipv4', 'ipv6'],
          extendedNextHop: true,
        },
      ],
      originate: { ipv4: ['198.18.124.0/24'] },
    },
  ],
  nodes: [
    { name: 'node1', asn: 64501, segment: 'lan', ipv4: '198.18.23.10', ipv6: '2001:db8:23::10' },
  ],
};

interface PathDetail {
  nexthops?: { ip: string; afi?: string }[];
}

integration(['root', 'frr', 'vtysh', 'ip', 'nft'])(
  'RFC 8950 extended next hop against FRR 8.4',
  () => {
    serialLabFile();
    const clock = new SystemClock();
    const speaker = new Speaker({
      clock,
      random: new SeededRandom(8),
      transport: new TcpTransport(clock),
    });
    let peer: Peer;

    beforeAll(async () => {
      await labUp(topology, { cleanupOnExit: true });
      peer = speaker.addPeer({
        id: 'node1/v6',
        node: 'node1',
        localAddress: '2001:db8:23::10',
        localAsn: 64501,
        routerId: '198.18.23.10',
        peerAddress: '2001:db8:23::1',
        peerAsn: 64500,
        holdTimeSeconds: 3,
        keepaliveTimeSeconds: 1,
        connectRetryTimeSeconds: 1,
        families: ['ipv4', 'ipv6'],
        extendedNextHop: true,
        keepAdjRibIn: true,
      });
      peer.session.start();
      await waitForNeighbor(R1, '2001:db8:23::10', (n) => n.state === 'Established', 30_000);
    }, 90_000);

    afterAll(async () => {
      await speaker.close();
      await labDown(LAB, { force: true });
    });

    it('both sides negotiate IPv4 unicast over IPv6 next hops', () => {
      expect(peer.session.negotiated?.extendedNextHop).toEqual([
        { afi: 1, safi: 1, nextHopAfi: 2 },
      ]);
    });

    it('FRR installs an IPv4 /32 whose next hop is the node IPv6 address', async () => {
      peer.announce('198.18.123.10/32', { nextHop: '2001:db8:23::10' });
      const paths = await waitFor(
        'r1 has 198.18.123.10/32',
        async () => {
          const out = await vtyshCommands(R1, ['show bgp ipv4 unicast 198.18.123.10/32 json']);
          const j = JSON.parse(out) as { paths?: PathDetail[] };
          return j.paths && j.paths.length > 0 ? j.paths : undefined;
        },
        10_000,
      );
      expect(paths[0]!.nexthops?.[0]).toMatchObject({ ip: '2001:db8:23::10', afi: 'ipv6' });
    }, 20_000);

    it("FRR's own IPv4 prefix arrives in MP_REACH_NLRI with an IPv6 next hop", async () => {
      const route = await waitFor(
        'speakersim has 198.18.124.0/24',
        async () => peer.adjRibIn.get('198.18.124.0/24'),
        10_000,
      );
      expect(route.attributes.mpReach?.afi).toBe(1);
      expect(route.attributes.mpReach?.nextHops[0]).toBe('2001:db8:23::1');
    }, 20_000);
  },
);
