import { afterAll, beforeAll, expect, it } from 'vitest';
import { SystemClock } from '../../src/core/clock.js';
import { SeededRandom } from '../../src/core/random.js';
import { TcpTransport } from '../../src/bgp/io/tcp.js';
import { Speaker } from '../../src/bgp/speaker.js';
import type { Neighbor } from '../../src/bgp/neighbor.js';
import { BfdSessionTable, createUdpBfdTransport, type BfdSession } from '../../src/bfd/index.js';
import { bfdSessionStatus } from '../../src/metallb/bfd-profile.js';
import { BfdDiagnostic, BfdState } from '../../src/bfd/wire/constants.js';
import { labDown, labUp } from '../../src/lab/lifecycle.js';
import { bfdPeers, vtyshCommands, waitFor, waitForNeighbor } from '../../src/lab/router-state.js';
import { bfdLab, bfdLossAndRecovery, labNodeNeighbor } from './bfd-lab.js';
import { integration, serialLabFile } from './require.js';

// speakersim BFD (RFC 5880/5881 over node:dgram, bound to each node's address) against FRR 8.4
// bfdd, coupled to BGP sessions with bgpd: node1 at 300 ms x 3, node2 at 50 ms x 3.
const LAB = 'bfd';
const R1 = { lab: LAB, router: 'r1' };
const slow = {
  name: 'slow',
  receiveIntervalMs: 300,
  transmitIntervalMs: 300,
  detectMultiplier: 3,
  passive: false,
};
const fast = {
  name: 'fast',
  receiveIntervalMs: 50,
  transmitIntervalMs: 50,
  detectMultiplier: 3,
  passive: false,
};
const N1 = '198.18.22.10';
const N2 = '198.18.22.11';
const RTR = '198.18.22.1';
const topology = bfdLab({
  name: LAB,
  prefix: '198.18.22.0/24',
  router: RTR,
  nodes: { node1: N1, node2: N2 },
  neighbor: (address) => ({ bfd: address === N1 ? slow : fast }),
});

integration(['root', 'frr', 'vtysh', 'ip', 'nft'])(
  'speakersim BFD against FRR bfdd, coupled to BGP',
  () => {
    serialLabFile();
    const clock = new SystemClock();
    const random = new SeededRandom(11);
    const speaker = new Speaker({ clock, random, transport: new TcpTransport(clock) });
    const table = new BfdSessionTable({
      clock,
      random,
      openTransport: (localAddress) => createUdpBfdTransport({ localAddress, random }),
    });
    const neighbors: Record<string, Neighbor> = {};
    const bfd: Record<string, BfdSession> = {};

    beforeAll(async () => {
      await labUp(topology, { cleanupOnExit: true });
      for (const [node, addr, profile] of [
        ['node1', N1, slow],
        ['node2', N2, fast],
      ] as const) {
        const n = labNodeNeighbor(
          { node, address: addr, router: RTR, profile },
          { clock, speaker, bfdTable: table },
        );
        await n.start();
        neighbors[node] = n;
        bfd[node] = n.bfd!;
      }
    }, 60_000);

    afterAll(async () => {
      await speaker.close();
      await table.close();
      await labDown(LAB, { force: true });
    });

    it('comes Up at 300 ms x 3 and at 50 ms x 3; FRR shows the intervals and peerBfdInfo Up', async () => {
      for (const [addr, profile] of [
        [N1, slow],
        [N2, fast],
      ] as const) {
        const peer = await waitFor(
          `r1 BFD peer ${addr} up`,
          async () => (await bfdPeers(R1)).find((p) => p.peer === addr && p.status === 'up'),
          20_000,
        );
        expect([peer.receiveIntervalMs, peer.transmitIntervalMs, peer.detectMultiplier]).toEqual([
          profile.receiveIntervalMs,
          profile.transmitIntervalMs,
          3,
        ]);
        expect([
          peer.remoteReceiveIntervalMs,
          peer.remoteTransmitIntervalMs,
          peer.remoteDetectMultiplier,
        ]).toEqual([profile.receiveIntervalMs, profile.transmitIntervalMs, 3]);
        const n = await waitForNeighbor(
          R1,
          addr,
          (x) => x.state === 'Established' && x.crBfdStatus === 'Up',
          20_000,
        );
        expect(n.bfd?.status).toBe('Up');
      }
      expect(bfdSessionStatus(true, bfd['node1']!.state)).toBe('Up');
      expect(bfdSessionStatus(true, bfd['node2']!.state)).toBe('Up');
    }, 60_000);

    for (const [node, addr, profile] of [
      ['node1', N1, slow],
      ['node2', N2, fast],
    ] as const) {
      it(`${node}: dropping BFD towards it in the router namespace -> Down within detect x interval + 50 ms, BGP leaves Established; restore -> Up, then Established`, async () => {
        await bfdLossAndRecovery({
          label: `bfd-frr ${node} (${profile.transmitIntervalMs} ms x 3)`,
          router: R1,
          peer: addr,
          neighbor: neighbors[node]!,
          receiveIntervalMs: profile.receiveIntervalMs,
          detectMult: profile.detectMultiplier,
          holdDownMs: 2500,
        });
      }, 90_000);
    }

    it('FRR shuts the BFD peer down administratively: Down with "Neighbor Signaled Session Down"', async () => {
      const b = bfd['node1']!;
      await waitFor(
        'node1 BFD Up',
        async () => (b.state === BfdState.Up ? true : undefined),
        20_000,
        20,
      );
      const down = new Promise<{ diagnostic: number; remoteDiagnostic: number }>((resolve) => {
        const off = b.on('down', (e) => {
          off();
          resolve(e);
        });
      });
      await vtyshCommands(R1, ['configure terminal', 'bfd', 'profile slow', 'shutdown']);
      try {
        const e = await down;
        expect(e.diagnostic).toBe(BfdDiagnostic.NeighborSignaledSessionDown);
        expect(b.fsmState.remoteSessionState).toBe(BfdState.AdminDown);
        expect(bfdSessionStatus(true, b.state)).toBe('Down');
        const peer = await waitFor(
          'r1 shows the BFD peer shut down',
          async () => (await bfdPeers(R1)).find((p) => p.peer === N1 && p.status === 'shutdown'),
          5_000,
        );
        expect(peer.status).toBe('shutdown');
        // RFC 5882 3.2: a remote AdminDown is not a path failure, so BGP stays Established.
        await new Promise((r) => setTimeout(r, 1000));
        expect(neighbors['node1']!.session.established).toBe(true);
      } finally {
        await vtyshCommands(R1, ['configure terminal', 'bfd', 'profile slow', 'no shutdown']);
      }
      await waitFor(
        'node1 BFD Up after no shutdown',
        async () => (b.state === BfdState.Up ? true : undefined),
        20_000,
        20,
      );
    }, 60_000);
  },
);
