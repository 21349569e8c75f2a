import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { SeededRandom } from '../../src/core/random.js';
import {
  BFD_SOURCE_PORT_MAX,
  BFD_SOURCE_PORT_MIN,
  InMemoryBfdNetwork,
  createUdpBfdTransport,
  type BfdDatagram,
  type BfdTransport,
  type SourcePortRange,
} from '../../src/bfd/index.js';

/**
 * One contract, two transports (every transport has an in-memory twin): node:dgram on loopback and the in-memory
 * twin must behave the same for everything the BFD runtime relies on.
 */
interface TransportUnderTest {
  name: string;
  create(init: {
    localAddress: string;
    listenPort?: number;
    sourcePortRange?: SourcePortRange;
  }): Promise<BfdTransport>;
  /** Lets queued datagrams arrive: network I/O or virtual time. */
  settle(until: () => boolean): Promise<void>;
}

function udp(): TransportUnderTest {
  return {
    name: 'node:dgram on loopback',
    create: (init) => createUdpBfdTransport({ listenPort: 0, ...init }),
    // Waits for real I/O, bounded: returns as soon as the condition holds or after 2 s.
    settle: async (until) => {
      const deadline = Date.now() + 2_000;
      while (!until() && Date.now() < deadline) {
        await new Promise<void>((r) => setImmediate(r));
      }
    },
  };
}

function memory(): TransportUnderTest {
  const clock = new ManualClock();
  const net = new InMemoryBfdNetwork({ clock, latencyMs: 1, random: new SeededRandom(11) });
  return {
    name: 'in-memory twin',
    create: (init) => net.createTransport({ listenPort: 0, ...init }),
    settle: async () => {
      clock.advance(10);
    },
  };
}

/** A high, narrow range outside Linux's ephemeral ports (32768-60999), so nobody else holds it. */
function narrowRange(size: number): SourcePortRange {
  const min = 61_000 + Math.floor(Math.random() * 4_000);
  return { min, max: min + size - 1 };
}

for (const make of [udp, memory]) {
  const t = make();
  describe(`BFD transport contract: ${t.name}`, () => {
    const open: BfdTransport[] = [];
    const create: TransportUnderTest['create'] = async (init) => {
      const tr = await t.create(init);
      open.push(tr);
      return tr;
    };
    afterEach(async () => {
      await Promise.all(open.splice(0).map((tr) => tr.close()));
    });

    for (const address of ['127.0.0.1', '::1']) {
      it(`delivers payload, source and destination on ${address}`, async () => {
        const rx = await create({ localAddress: address });
        const tx = await create({ localAddress: address });
        expect(rx.local.address).toBe(address);
        expect(rx.local.port).toBeGreaterThan(0);
        const got: BfdDatagram[] = [];
        rx.onDatagram((d) => got.push(d));
        const ch = await tx.openTxChannel();
        ch.send(Buffer.from('hello bfd'), rx.local);
        ch.send(Buffer.from('second'), rx.local);
        await t.settle(() => got.length >= 2);
        expect(got.map((d) => d.payload.toString())).toEqual(['hello bfd', 'second']);
        expect(got[0]!.from).toEqual(ch.local);
        expect(got[0]!.to).toEqual(rx.local);
        expect(ch.sendErrors).toBe(0);
      });
    }

    it('a channel opened for a peer sends there and refuses other destinations', async () => {
      const rx = await create({ localAddress: '127.0.0.1' });
      const other = await create({ localAddress: '127.0.0.1' });
      const tx = await create({ localAddress: '127.0.0.1' });
      const got: BfdDatagram[] = [];
      rx.onDatagram((d) => got.push(d));
      const ch = await tx.openTxChannel(rx.local);
      ch.send(Buffer.from('to peer'), rx.local);
      expect(() => ch.send(Buffer.from('x'), other.local)).toThrow(
        expect.objectContaining({ code: 'ERR_BFD_SEND_FAILED' }),
      );
      await t.settle(() => got.length >= 1);
      expect(got.map((d) => d.payload.toString())).toEqual(['to peer']);
      expect(got[0]!.from).toEqual(ch.local);
    });

    it('gives each channel its own source port in 49152-65535 (RFC 5881 4)', async () => {
      const tr = await create({ localAddress: '127.0.0.1' });
      const channels = await Promise.all(Array.from({ length: 40 }, () => tr.openTxChannel()));
      const ports = channels.map((c) => c.local.port);
      expect(new Set(ports).size).toBe(40);
      for (const p of ports) {
        expect(p).toBeGreaterThanOrEqual(BFD_SOURCE_PORT_MIN);
        expect(p).toBeLessThanOrEqual(BFD_SOURCE_PORT_MAX);
      }
    });

    it('keeps to a configured range and reports exhaustion with BFD_NO_SOURCE_PORT', async () => {
      const range = narrowRange(2);
      const tr = await create({ localAddress: '127.0.0.1', sourcePortRange: range });
      const a = await tr.openTxChannel();
      const b = await tr.openTxChannel();
      expect([a.local.port, b.local.port].sort()).toEqual([range.min, range.max]);
      await expect(tr.openTxChannel()).rejects.toMatchObject({ code: 'ERR_BFD_NO_SOURCE_PORT' });
      await a.close();
      const c = await tr.openTxChannel();
      expect(c.local.port).toBe(a.local.port);
    });

    it('settleReceive runs its callback exactly once, after datagrams already in', async () => {
      const rx = await create({ localAddress: '127.0.0.1' });
      const tx = await create({ localAddress: '127.0.0.1' });
      const got: BfdDatagram[] = [];
      rx.onDatagram((d) => got.push(d));
      const ch = await tx.openTxChannel();
      ch.send(Buffer.from('one'), rx.local);
      await t.settle(() => got.length === 1);
      let calls = 0;
      let seen = -1;
      rx.settleReceive(() => {
        calls++;
        seen = got.length;
      });
      await t.settle(() => calls > 0);
      expect(calls).toBe(1);
      expect(seen).toBe(1);
    });

    it('refuses a source range outside 49152-65535', async () => {
      await expect(
        create({ localAddress: '127.0.0.1', sourcePortRange: { min: 1024, max: 2048 } }),
      ).rejects.toMatchObject({ code: 'ERR_BFD_CONFIG_INVALID' });
    });

    it('refuses a second listener on the same address and port', async () => {
      const first = await create({ localAddress: '127.0.0.1' });
      await expect(
        create({ localAddress: '127.0.0.1', listenPort: first.local.port }),
      ).rejects.toMatchObject({ code: 'ERR_BFD_PORT_IN_USE' });
    });

    it('stops delivering after close; closed channels and transports refuse work', async () => {
      const rx = await create({ localAddress: '127.0.0.1' });
      const tx = await create({ localAddress: '127.0.0.1' });
      const got: BfdDatagram[] = [];
      rx.onDatagram((d) => got.push(d));
      const ch = await tx.openTxChannel();
      await rx.close();
      await rx.close(); // idempotent
      // A probe to a second, open listener, sent after the late datagram: once the probe is in,
      // the late one would have been too (loopback and the twin deliver in send order).
      const witness = await create({ localAddress: '127.0.0.1' });
      const probes: BfdDatagram[] = [];
      witness.onDatagram((d) => probes.push(d));
      ch.send(Buffer.from('late'), rx.local);
      ch.send(Buffer.from('probe'), witness.local);
      await t.settle(() => probes.length > 0);
      expect(probes).toHaveLength(1);
      expect(got).toHaveLength(0);
      await ch.close();
      expect(() => ch.send(Buffer.from('x'), rx.local)).toThrow(
        expect.objectContaining({ code: 'ERR_BFD_TRANSPORT_CLOSED' }),
      );
      await tx.close();
      await expect(tx.openTxChannel()).rejects.toMatchObject({ code: 'ERR_BFD_TRANSPORT_CLOSED' });
    });
  });
}
