import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { SeededRandom } from '../../src/core/random.js';
import {
  BfdDiscriminatorPool,
  BfdSessionTable,
  BfdState,
  InMemoryBfdNetwork,
  encodeControlPacket,
} from '../../src/bfd/index.js';
import { A_ADDR, B_ADDR, controlPacket } from './harness.js';

/**
 * RFC 5881 3: a packet with Your Discriminator zero selects its session by addresses and
 * interface, in a VRF by VRF too. A table per VRF (one routing instance each) binds the
 * transports it opens to its VRF; a session of VRF red is found only through those.
 */
async function firstPacketReaches(tableVrf: string | undefined): Promise<{
  remoteDiscriminator: number;
  noSession: number;
}> {
  const clock = new ManualClock();
  const random = new SeededRandom(3);
  const net = new InMemoryBfdNetwork({ clock, random });
  const table = new BfdSessionTable({
    clock,
    random,
    openTransport: net.transportFactory,
    ...(tableVrf ? { vrf: tableVrf } : {}),
  });
  const s = await table.addSession({ localAddress: A_ADDR, peerAddress: B_ADDR, vrf: 'red' });
  const peer = await net.createTransport({ localAddress: B_ADDR });
  const tx = await peer.openTxChannel();
  tx.send(
    encodeControlPacket(
      controlPacket({ state: BfdState.Down, myDiscriminator: 77, yourDiscriminator: 0 }),
    ),
    { address: A_ADDR, port: 3784 },
  );
  clock.advance(1);
  const out = {
    remoteDiscriminator: s.snapshot().remoteDiscriminator,
    noSession: table.discards['no-session'] ?? 0,
  };
  await table.close();
  await peer.close();
  return out;
}

describe('a BFD table in a VRF', () => {
  it("hands its VRF's session the first packet (Your Discriminator zero)", async () => {
    expect(await firstPacketReaches('red')).toEqual({ remoteDiscriminator: 77, noSession: 0 });
  });

  it('a default-VRF table has no VRF red session to give it to', async () => {
    expect(await firstPacketReaches(undefined)).toEqual({ remoteDiscriminator: 0, noSession: 1 });
  });
});

describe("one system's BFD tables (a node's default VRF and VRF red)", () => {
  /** The worst Random for uniqueness: every draw is the same. */
  const sameDraw = { next: () => 0.5 };

  async function discriminators(shared: boolean): Promise<number[]> {
    const clock = new ManualClock();
    const pool = shared ? new BfdDiscriminatorPool(sameDraw) : undefined;
    // Each VRF is a network of its own (the same local address may exist in both).
    const tables = [undefined, 'red'].map(
      (vrf) =>
        new BfdSessionTable({
          clock,
          random: sameDraw,
          openTransport: new InMemoryBfdNetwork({ clock, random: new SeededRandom(4) })
            .transportFactory,
          ...(vrf ? { vrf } : {}),
          ...(pool ? { discriminators: pool } : {}),
        }),
    );
    // The same peer address in both VRFs, as bgp-vrf-node's r2 and r2-default.
    const a = await tables[0]!.addSession({ localAddress: A_ADDR, peerAddress: B_ADDR });
    const b = await tables[1]!.addSession({
      localAddress: A_ADDR,
      peerAddress: B_ADDR,
      vrf: 'red',
    });
    const out = [a.localDiscriminator, b.localDiscriminator];
    for (const t of tables) await t.close();
    return out;
  }

  it('give every session its own discriminator (RFC 5880 6.8.1: unique on this system)', async () => {
    const [a, b] = await discriminators(true);
    expect(a).not.toBe(b);
    expect(a).toBeGreaterThan(0);
    expect(b).toBeGreaterThan(0);
  });

  it('tables that drew on their own could hand out the same one (why they share a pool)', async () => {
    const [a, b] = await discriminators(false);
    expect(a).toBe(b);
  });

  it('a removed session gives its discriminator back', async () => {
    const pool = new BfdDiscriminatorPool(sameDraw);
    const first = pool.allocate();
    expect(pool.allocate()).not.toBe(first);
    pool.release(first);
    expect(pool.allocate()).toBe(first);
  });
});
