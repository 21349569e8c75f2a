import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { SeededRandom } from '../../src/core/random.js';
import {
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
