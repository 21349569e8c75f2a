import { afterEach, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { SeededRandom } from '../../src/core/random.js';
import {
  BfdSessionTable,
  BfdState,
  InMemoryBfdNetwork,
  encodeControlPacket,
  resolveSessionParams,
  type BfdControlPacket,
} from '../../src/bfd/index.js';
import { A_ADDR, B_ADDR, controlPacket, memoryPair, type MemoryPair } from './harness.js';

/** A Control packet as the peer (or a spoofer) would send it. */
const control = (fields: Partial<BfdControlPacket>): Buffer =>
  encodeControlPacket(controlPacket(fields));

/**
 * Hands table A one Down packet that names A's session (Your Discriminator) and claims to be
 * from B: by default exactly what B would send; each option changes one thing.
 */
function downToA(
  p: MemoryPair,
  o: { from?: string; myDiscriminator?: number; ttl?: number; multihop?: boolean } = {},
) {
  return p.tableA.handleDatagram(
    {
      payload: control({
        state: BfdState.Down,
        myDiscriminator: o.myDiscriminator ?? p.b.localDiscriminator,
        yourDiscriminator: p.a.localDiscriminator,
      }),
      from: { address: o.from ?? B_ADDR, port: 49152 },
      to: { address: A_ADDR, port: o.multihop ? 4784 : 3784 },
      ttl: o.ttl ?? 255,
    },
    { multihop: o.multihop ?? false },
  );
}

async function upPair(): Promise<MemoryPair> {
  const p = await memoryPair();
  p.clock.advance(5_000);
  expect(p.a.state).toBe(BfdState.Up);
  return p;
}

describe('BFD security: spoofed packets are discarded and counted', () => {
  afterEach(() => vi.restoreAllMocks());

  it('a Down naming the session from another local address is discarded (source-address-mismatch); the session stays Up', async () => {
    const p = await upPair();
    const downs: unknown[] = [];
    p.a.on('down', (e) => downs.push(e));
    expect(downToA(p, { from: '198.18.0.99' })).toBe('source-address-mismatch');
    expect(p.a.state).toBe(BfdState.Up);
    expect(downs).toHaveLength(0);
    expect(p.a.counters.discards['source-address-mismatch']).toBe(1);
    // Counted once: on the session, not again on the table (metrics add the two).
    expect(p.tableA.discards['source-address-mismatch']).toBe(0);
    // The same packet from the real peer address is taken: the check is the address, not the packet.
    expect(downToA(p)).toBeUndefined();
    expect(p.a.state).toBe(BfdState.Down);
    await p.close();
  });

  it('while Up, a packet with another My Discriminator is discarded (remote-discriminator-changed)', async () => {
    const p = await upPair();
    const other = (p.b.localDiscriminator % 0xfffffffe) + 1;
    expect(downToA(p, { myDiscriminator: other })).toBe('remote-discriminator-changed');
    expect(p.a.state).toBe(BfdState.Up);
    expect(p.a.remoteDiscriminator).toBe(p.b.localDiscriminator);
    expect(p.a.counters.discards['remote-discriminator-changed']).toBe(1);
    // After a real loss (Detection Time, RFC 5880 6.8.1 resets bfd.RemoteDiscr) a new peer
    // discriminator is learned again: the rule is only while Up.
    p.silence(B_ADDR);
    p.clock.advance(2_000);
    expect(p.a.state).toBe(BfdState.Down);
    expect(p.a.remoteDiscriminator).toBe(0);
    p.silence(undefined);
    p.clock.advance(5_000);
    expect(p.a.state).toBe(BfdState.Up);
    await p.close();
  });

  it('a single-hop packet received with TTL below 255 is discarded (RFC 5881 5: ttl-not-255)', async () => {
    const p = await upPair();
    expect(downToA(p, { ttl: 254 })).toBe('ttl-not-255');
    expect(p.a.state).toBe(BfdState.Up);
    await p.close();
  });

  it('a datagram the kernel found below the TTL floor is discarded and counted on the session it names', async () => {
    const p = await upPair();
    const down = control({
      state: BfdState.Down,
      myDiscriminator: p.b.localDiscriminator,
      yourDiscriminator: p.a.localDiscriminator,
    });
    const cut = (payload: Buffer, multihop = false) =>
      p.tableA.handleDatagram(
        {
          payload: payload.subarray(0, 12),
          from: { address: B_ADDR, port: 49152 },
          to: { address: A_ADDR, port: multihop ? 4784 : 3784 },
          belowTtlFloor: true,
        },
        { multihop },
      );
    expect(cut(down)).toBe('ttl-not-255');
    expect(p.a.state).toBe(BfdState.Up);
    expect(p.a.counters.discards['ttl-not-255']).toBe(1);
    expect(p.tableA.discards['ttl-not-255']).toBe(0);
    // Your Discriminator 0 names no session: counted on the table only.
    expect(cut(control({ state: BfdState.Down, myDiscriminator: 7, yourDiscriminator: 0 }))).toBe(
      'ttl-not-255',
    );
    expect(p.a.counters.discards['ttl-not-255']).toBe(1);
    expect(p.tableA.discards['ttl-not-255']).toBe(1);
    // On the multihop port it is a minimum-TTL discard, and not this single-hop session's.
    expect(cut(down, true)).toBe('ttl-below-minimum');
    expect(p.a.counters.discards['ttl-below-minimum']).toBe(0);
    expect(p.tableA.discards['ttl-below-minimum']).toBe(1);
    expect(p.a.state).toBe(BfdState.Up);
    await p.close();
  });

  it("multihop sessions' minimum TTLs reach the transport they listen on, and leave it with them", async () => {
    const clock = new ManualClock();
    const random = new SeededRandom(3);
    const net = new InMemoryBfdNetwork({ clock, random });
    const floors: Array<Record<string, number>> = [];
    const transport = await net.transportFactory(A_ADDR, { multihop: true });
    const table = new BfdSessionTable({ clock, random });
    // The in-memory transport reports each datagram's TTL itself; here it also records what a
    // kernel-checked transport would be told.
    transport.setTtlFloors = (m) => void floors.push(Object.fromEntries(m));
    table.addTransport(transport, { multihop: true });
    const one = await table.addSession({
      localAddress: A_ADDR,
      peerAddress: B_ADDR,
      multihop: true,
      minimumTtl: 250,
    });
    await table.addSession({ localAddress: A_ADDR, peerAddress: '198.18.0.3', multihop: true });
    await table.removeSession(one);
    expect(floors).toEqual([{ [B_ADDR]: 250 }, {}]);
    await table.close();
  });

  it('a packet for a single-hop session arriving on the multihop port is discarded (hop-mode-mismatch)', async () => {
    const p = await upPair();
    expect(downToA(p, { multihop: true })).toBe('hop-mode-mismatch');
    expect(p.a.state).toBe(BfdState.Up);
    await p.close();
  });

  it('a multihop session with a minimum TTL discards packets below it (RFC 5883 5: ttl-below-minimum)', async () => {
    const p = await memoryPair({
      a: { multihop: true, minimumTtl: 254 },
      b: { multihop: true },
      transports: 'multihop',
    });
    p.clock.advance(5_000);
    expect(p.a.state).toBe(BfdState.Up);
    expect(downToA(p, { multihop: true, ttl: 253 })).toBe('ttl-below-minimum');
    expect(p.a.state).toBe(BfdState.Up);
    expect(downToA(p, { multihop: true, ttl: 254 })).toBeUndefined();
    expect(p.a.state).toBe(BfdState.Down);
    await p.close();
    expect(() =>
      resolveSessionParams({ localAddress: A_ADDR, peerAddress: B_ADDR, minimumTtl: 256 }),
    ).toThrow(expect.objectContaining({ code: 'ERR_BFD_CONFIG_INVALID', field: 'minimumTtl' }));
  });

  it('discriminators come from the injected Random, never Math.random', async () => {
    const mathRandom = vi.spyOn(Math, 'random');
    const run = async (seed: number) => {
      const clock = new ManualClock();
      const random = new SeededRandom(seed);
      const net = new InMemoryBfdNetwork({ clock, random });
      const table = new BfdSessionTable({ clock, random, openTransport: net.transportFactory });
      const discs = [];
      for (let i = 2; i < 6; i++) {
        const s = await table.addSession({ localAddress: A_ADDR, peerAddress: `198.18.0.${i}` });
        discs.push(s.localDiscriminator);
      }
      clock.advance(3_000);
      await table.close();
      return discs;
    };
    const one = await run(7);
    expect(await run(7)).toEqual(one);
    expect(await run(8)).not.toEqual(one);
    expect(new Set(one).size).toBe(4);
    expect(one.every((d) => d >= 1 && d <= 0xffffffff)).toBe(true);
    expect(mathRandom).not.toHaveBeenCalled();
  });
});
