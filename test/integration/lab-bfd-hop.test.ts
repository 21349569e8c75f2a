import { createSocket, type Socket } from 'node:dgram';
import { expect, it } from 'vitest';
import { createUdpBfdTransport, type BfdDatagram } from '../../src/bfd/index.js';
import { inNetworkNamespace } from '../../src/bgp/io/socket-options.js';
import type { BfdPeer } from '../../src/lab/frr-json.js';
import { routerNamespace } from '../../src/lab/names.js';
import { bfdPeers, waitFor } from '../../src/lab/router-state.js';
import { testLabTopology } from '../lab/fixtures.js';
import { integration, labForFile } from './require.js';

// The lab's design promise: speakersim in the host namespace binds a node's address and talks
// single-hop BFD to a router directly. FRR accepts single-hop BFD only with TTL 255
// (RFC 5881 5), so a three-way handshake that reaches Up proves the path; the same packets with
// TTL 64 must be ignored (the check can fail).
const LAB = 'ibf';
const topology = testLabTopology(LAB, { subnet: 16 });
const NODE1 = '198.18.16.10';
const ROUTER = '198.18.16.1';
topology.routers[0]!.neighbors[0]!.bfd = {
  name: 'nodes',
  receiveIntervalMs: 300,
  transmitIntervalMs: 300,
  detectMultiplier: 3,
  passive: false,
};
const r1 = { lab: LAB, router: 'r1' };
const MY_DISC = 0x5151_0001;

/** RFC 5880 4.1 control packet, no authentication: 24 bytes. */
function bfdControl(state: 'Down' | 'Up', yourDisc: number): Buffer {
  const b = Buffer.alloc(24);
  b[0] = (1 << 5) | 0; // version 1, diagnostic 0
  b[1] = (state === 'Up' ? 3 : 1) << 6; // RFC 5880 4.1: state Down = 1, Up = 3; no flags
  b[2] = 3; // detect multiplier
  b[3] = 24; // length
  b.writeUInt32BE(MY_DISC, 4);
  b.writeUInt32BE(yourDisc, 8);
  b.writeUInt32BE(1_000_000, 12); // desired min TX interval, microseconds
  b.writeUInt32BE(1_000_000, 16); // required min RX interval
  b.writeUInt32BE(0, 20); // required min echo RX interval: no echo
  return b;
}

async function send(packet: Buffer, ttl: number): Promise<void> {
  const s = createSocket('udp4');
  try {
    // RFC 5881 4: source port 49152-65535; destination port 3784.
    await new Promise<void>((res, rej) => {
      s.once('error', rej);
      s.bind({ address: NODE1, port: 49152 + (process.pid % 16000) }, () => res());
    });
    s.setTTL(ttl);
    await new Promise<void>((res, rej) =>
      s.send(packet, 3784, ROUTER, (e) => (e ? rej(e) : res())),
    );
  } finally {
    s.close();
  }
}

const peerState = async (): Promise<BfdPeer | undefined> =>
  (await bfdPeers(r1)).find((p) => p.peer === NODE1);

integration(['root', 'frr', 'vtysh', 'ip', 'nft'])(
  'netns lab: single-hop BFD from the host',
  () => {
    labForFile(topology);

    it('ignores TTL 64 and reaches Up with TTL 255 from a node address', async () => {
      expect((await peerState())?.status).toBe('down');
      await send(bfdControl('Down', 0), 64);
      await new Promise((r) => setTimeout(r, 300));
      expect((await peerState())?.remoteId).toBe(0); // RFC 5881 5: discarded, nothing learned

      await send(bfdControl('Down', 0), 255);
      // RFC 5880 6.8.6: Down received in Down -> Init; FRR now knows our discriminator.
      const init = await waitFor(
        'router BFD Init',
        async () => {
          const p = await peerState();
          return p?.status === 'init' ? p : undefined;
        },
        2_000,
        50,
      );
      expect(init.remoteId).toBe(MY_DISC);
      await send(bfdControl('Up', init.id), 255);
      // Init + Up received -> Up.
      const up = await waitFor(
        'router BFD Up',
        async () => {
          const p = await peerState();
          return p?.status === 'up' ? p : undefined;
        },
        2_000,
        50,
      );
      expect([up.status, up.remoteId, up.multihop]).toEqual(['up', MY_DISC, false]);
    }, 30_000);

    it("speakersim's listener: the kernel cuts what r1's namespace sends with TTL 64 and keeps TTL 255 whole (RFC 5881 5)", async () => {
      // A listener on another port than 3784, which FRR's session towards the node may use.
      const rx = await createUdpBfdTransport({ localAddress: NODE1, listenPort: 3790 });
      const got: BfdDatagram[] = [];
      rx.onDatagram((d) => got.push(d));
      // A socket made in r1's namespace: across the veth the TTL arrives as sent.
      const tx: Socket = createSocket({
        type: 'udp4',
        lookup: (host, _o, cb) => cb(null, host, 4),
      });
      try {
        await new Promise<void>((res, rej) => {
          tx.once('error', rej);
          inNetworkNamespace(`/run/netns/${routerNamespace(LAB, 'r1')}`, () =>
            tx.bind({ address: ROUTER, port: 49_321 }, () => res()),
          );
        });
        const packet = bfdControl('Down', 0x0102_0304);
        for (const ttl of [64, 255]) {
          tx.setTTL(ttl);
          await new Promise<void>((res, rej) =>
            tx.send(packet, 3790, NODE1, (e) => (e ? rej(e) : res())),
          );
        }
        await waitFor(
          'both datagrams',
          async () => (got.length >= 2 ? true : undefined),
          2_000,
          20,
        );
        expect(
          got.map((d) => [d.from.address, d.payload.length, d.belowTtlFloor ?? false]),
        ).toEqual([
          [ROUTER, 12, true],
          [ROUTER, 24, false],
        ]);
      } finally {
        tx.close();
        await rx.close();
      }
    }, 30_000);
  },
);
