import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SystemClock } from '../../src/core/clock.js';
import { SeededRandom } from '../../src/core/random.js';
import { Speaker, type Peer } from '../../src/bgp/speaker.js';
import { NetnsBackend } from '../../src/lab/netns-backend.js';
import { bridgeName, linkLocalOf, nodeMac, nodePortName, routerMac } from '../../src/lab/names.js';
import { waitFor } from '../../src/lab/router-state.js';
import type { LabTopology } from '../../src/lab/topology.js';
import { integration, serialLabFile } from './require.js';

// An unnumbered session against FRR 8.4 (`neighbor eth0 interface`) through the netns backend
// alone: FRR finds the node only through the node's Router Advertisements, keys the neighbour
// by its interface in `show bgp neighbors json`, and the host takes no route from the lab's RAs.
const LAB = 'unn2rt';
const NODE_LL = linkLocalOf(nodeMac(LAB, 'node1'));
const ROUTER_LL = linkLocalOf(routerMac(LAB, 'r1'));
const topology: LabTopology = {
  name: LAB,
  segments: [{ name: 'lan', ipv4Prefix: '198.18.27.0/24' }],
  routers: [
    {
      name: 'r1',
      asn: 64500,
      routerId: '198.18.27.1',
      interfaces: [{ segment: 'lan', name: 'eth0', linkLocal: ROUTER_LL, ipv4: '198.18.27.1' }],
      neighbors: [
        {
          address: NODE_LL,
          interface: 'eth0',
          remoteAsn: 64501,
          timers: { keepaliveS: 1, holdS: 3 },
          connectRetryS: 2,
        },
      ],
    },
  ],
  nodes: [
    {
      name: 'node1',
      asn: 64501,
      segment: 'lan',
      ipv4: '198.18.27.10',
      interface: { name: 'eth1', linkLocal: NODE_LL },
    },
  ],
};

integration(['root', 'frr', 'vtysh', 'ip', 'nft'])('unnumbered BGP against FRR 8.4 (netns)', () => {
  serialLabFile();
  const clock = new SystemClock();
  const backend = new NetnsBackend(topology, clock, new SeededRandom(3));
  const speaker = new Speaker({
    clock,
    random: new SeededRandom(4),
    transport: backend.bgpTransport,
  });
  let peer: Peer;

  beforeAll(async () => {
    await backend.up();
    peer = speaker.addPeer({
      id: 'node1/eth1',
      node: 'node1',
      localAddress: NODE_LL,
      localAsn: 64501,
      routerId: '198.18.27.10',
      peerAddress: ROUTER_LL,
      peerAsn: 64500,
      holdTimeSeconds: 3,
      keepaliveTimeSeconds: 1,
      connectRetryTimeSeconds: 1,
      families: ['ipv4', 'ipv6'],
      extendedNextHop: true,
    });
    peer.session.start();
  }, 90_000);

  afterAll(async () => {
    await speaker.close();
    await backend.down();
  });

  it("FRR's interface neighbour (keyed eth0) reaches Established over the link-locals", async () => {
    const n = await waitFor(
      'r1 eth0 Established',
      async () => {
        const all = await backend.neighbors('r1');
        return all['eth0']?.state === 'Established' ? all : undefined;
      },
      30_000,
    );
    expect(Object.keys(n)).toEqual(['eth0']);
    expect(peer.session.negotiated?.extendedNextHop).toEqual([{ afi: 1, safi: 1, nextHopAfi: 2 }]);
  }, 40_000);

  it('the host took no route from the RAs on the lab bridge and the node port', () => {
    const devs = [bridgeName(LAB, 0), nodePortName(LAB, 0)];
    for (const dev of devs) {
      const routes = execFileSync('ip', ['-6', 'route', 'show', 'dev', dev], { encoding: 'utf8' });
      expect(routes.split('\n').filter((l) => l.trim() && !l.startsWith('fe80::/64'))).toEqual([]);
    }
  });
});
