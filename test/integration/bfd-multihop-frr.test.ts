import { afterAll, beforeAll, expect, it } from 'vitest';
import { SystemClock } from '../../src/core/clock.js';
import { SeededRandom } from '../../src/core/random.js';
import { TcpTransport } from '../../src/bgp/io/tcp.js';
import { Speaker } from '../../src/bgp/speaker.js';
import type { Neighbor } from '../../src/bgp/neighbor.js';
import { BfdSessionTable, bfdPortFor, createUdpBfdTransport } from '../../src/bfd/index.js';
import { BfdState } from '../../src/bfd/wire/constants.js';
import { labDown, labUp } from '../../src/lab/lifecycle.js';
import { bfdPeers, waitFor, waitForNeighbor } from '../../src/lab/router-state.js';
import { bfdLab, bfdLossAndRecovery, labNodeNeighbor } from './bfd-lab.js';
import { integration, serialLabFile } from './require.js';

// A BGPPeer with ebgpMultiHop and a bfdProfile, against FRR 8.4: bgpd with `neighbor X
// ebgp-multihop`, bfdd with `peer X multihop local-address Y` (src/lab/render.ts). speakersim
// runs the RFC 5883 session over UDP 4784 through a Neighbor, as the node speaker does.
const LAB = 'bmh';
const NODE = '198.18.47.10';
const RTR = '198.18.47.1';
const profile = {
  name: 'mh',
  receiveIntervalMs: 100,
  transmitIntervalMs: 100,
  detectMultiplier: 3,
  passive: false,
};
const topology = bfdLab({
  name: LAB,
  prefix: '198.18.47.0/24',
  router: RTR,
  nodes: { node1: NODE },
  neighbor: () => ({ bfd: profile, ebgpMultihop: 2 }),
});
const R1 = { lab: LAB, router: 'r1' };

integration(['root', 'frr', 'vtysh', 'ip', 'nft'])(
  'multihop BFD (RFC 5883) against FRR bfdd, coupled to an ebgp-multihop session',
  () => {
    serialLabFile();
    const clock = new SystemClock();
    const random = new SeededRandom(47);
    const speaker = new Speaker({ clock, random, transport: new TcpTransport(clock) });
    const ports: number[] = [];
    const table = new BfdSessionTable({
      clock,
      random,
      openTransport: async (localAddress, { multihop }) => {
        ports.push(bfdPortFor(multihop));
        return createUdpBfdTransport({ localAddress, listenPort: bfdPortFor(multihop), random });
      },
    });
    let neighbor: Neighbor;

    beforeAll(async () => {
      await labUp(topology, { cleanupOnExit: true });
      neighbor = labNodeNeighbor(
        { node: 'node1', address: NODE, router: RTR, profile, multihop: true },
        { clock, speaker, bfdTable: table },
      );
      await neighbor.start();
    }, 60_000);

    afterAll(async () => {
      await speaker.close();
      await table.close();
      await labDown(LAB, { force: true });
    });

    it('comes Up as a multihop session on both sides (UDP 4784), and BGP is Established with peerBfdInfo Up', async () => {
      const t0 = Date.now();
      const peer = await waitFor(
        'r1 multihop BFD peer up',
        async () => (await bfdPeers(R1)).find((p) => p.peer === NODE && p.status === 'up'),
        20_000,
      );
      console.log(`[bfd-multihop-frr] BFD Up on r1 ${Date.now() - t0} ms after start`);
      expect(peer.multihop).toBe(true);
      expect(peer.local).toBe(RTR);
      expect([peer.remoteReceiveIntervalMs, peer.remoteTransmitIntervalMs]).toEqual([100, 100]);
      expect(ports).toEqual([4784]);
      const bfd = neighbor.bfd!;
      expect(bfd.snapshot().multihop).toBe(true);
      expect(bfd.state).toBe(BfdState.Up);
      expect(bfd.remoteDiscriminator).toBe(peer.id);
      const n = await waitForNeighbor(
        R1,
        NODE,
        (x) => x.state === 'Established' && x.crBfdStatus === 'Up',
        30_000,
      );
      expect(n.bfd?.status).toBe('Up');
    }, 60_000);

    it('dropping BFD towards the node: Down (Diag 1) within 3 x 100 ms + 50 ms, Cease/10; restore: Up, Established', async () => {
      await bfdLossAndRecovery({
        label: 'bfd-multihop-frr',
        router: R1,
        peer: NODE,
        neighbor,
        receiveIntervalMs: profile.receiveIntervalMs,
        detectMult: profile.detectMultiplier,
      });
    }, 90_000);
  },
);
