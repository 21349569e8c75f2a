import { createSocket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { SystemClock } from '../../src/core/clock.js';
import { systemRandom } from '../../src/core/random.js';
import {
  BfdDiagnostic,
  BfdSessionTable,
  BfdState,
  createUdpBfdTransport,
  encodeControlPacket,
  type BfdSession,
  type BfdStateChangeEvent,
} from '../../src/bfd/index.js';
import { controlPacket } from './harness.js';

/**
 * Two real sessions over node:dgram on 127.0.0.1 (different listen ports), on real time. The
 * bounds are generous on purpose (a loaded 2-core machine): timing targets are in bench/bfd.ts.
 */
const clock = new SystemClock();

function waitFor(
  session: BfdSession,
  event: 'up' | 'down',
  timeoutMs: number,
): Promise<BfdStateChangeEvent> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no ${event} within ${timeoutMs} ms`));
    }, timeoutMs);
    const off = session.on(event, (e) => {
      clearTimeout(timer);
      off();
      resolve(e);
    });
  });
}

describe('two BFD sessions over UDP on 127.0.0.1 (SystemClock)', () => {
  const tables: BfdSessionTable[] = [];
  afterEach(async () => {
    await Promise.all(tables.splice(0).map((t) => t.close()));
  });

  async function endpoint(): Promise<{ table: BfdSessionTable; port: number }> {
    const table = new BfdSessionTable({ clock, random: systemRandom });
    tables.push(table);
    const transport = await createUdpBfdTransport({ localAddress: '127.0.0.1', listenPort: 0 });
    table.addTransport(transport);
    return { table, port: transport.local.port };
  }

  it('come Up, then Down with Diag 1 within detect mult x interval after one stops', async () => {
    const a = await endpoint();
    const b = await endpoint();
    expect(a.port).not.toBe(b.port);
    const timers = { desiredMinTxMs: 50, requiredMinRxMs: 50, detectMult: 3 };
    const sa = await a.table.addSession({
      localAddress: '127.0.0.1',
      peerAddress: '127.0.0.1',
      peerPort: b.port,
      ...timers,
    });
    const started = clock.now();
    const upA = waitFor(sa, 'up', 10_000);
    const sb = await b.table.addSession({
      localAddress: '127.0.0.1',
      peerAddress: '127.0.0.1',
      peerPort: a.port,
      ...timers,
    });
    const upB = waitFor(sb, 'up', 10_000);
    await Promise.all([upA, upB]);
    // Bring-up runs at the 1 s rate of RFC 5880 6.8.3: about two exchanges.
    expect(clock.now() - started).toBeLessThan(5_000);
    // Let the Poll to 50 ms finish and run fast for a while without a false Down.
    await new Promise((r) => setTimeout(r, 1_500));
    expect(sa.state).toBe(BfdState.Up);
    expect(sa.counters.downTransitions).toBe(0);
    expect(sa.snapshot().detectionTimeMs).toBe(150);
    expect(sa.counters.packetsReceived).toBeGreaterThan(15);

    const down = waitFor(sa, 'down', 5_000);
    const stoppedAt = clock.now();
    await sb.stop();
    const e = await down;
    expect(e.diagnostic).toBe(BfdDiagnostic.ControlDetectionTimeExpired);
    const latency = e.at - stoppedAt;
    // Detection is at most 150 ms after the last packet; allow a loaded machine 850 ms more.
    expect(latency).toBeLessThan(1_000);
    expect(latency).toBeGreaterThan(0);
    expect(sa.counters.discards['no-session']).toBe(0);
  });

  it('a spoofed Down from another loopback address is discarded; the same packet from the peer is not', async () => {
    const a = await endpoint();
    const b = await endpoint();
    const base = { localAddress: '127.0.0.1', peerAddress: '127.0.0.1', desiredMinTxMs: 50 };
    const sa = await a.table.addSession({ ...base, peerPort: b.port });
    const up = waitFor(sa, 'up', 10_000);
    const sb = await b.table.addSession({ ...base, peerPort: a.port });
    await up;
    const forged = encodeControlPacket(
      controlPacket({
        myDiscriminator: sb.localDiscriminator,
        yourDiscriminator: sa.localDiscriminator,
      }),
    );
    const sendFrom = async (address: string): Promise<void> => {
      const s = createSocket('udp4');
      await new Promise<void>((res) => s.bind({ address, port: 0 }, res));
      // RFC 5881 5: TTL 255, as a spoofer on the link would send it.
      s.setTTL(255);
      await new Promise<void>((res, rej) =>
        s.send(forged, a.port, '127.0.0.1', (e) => (e ? rej(e) : res())),
      );
      s.close();
    };
    const discarded = new Promise<string>((resolve) => {
      const off = sa.on('discard', (r) => {
        off();
        resolve(r);
      });
    });
    await sendFrom('127.0.0.2');
    expect(await discarded).toBe('source-address-mismatch');
    expect(sa.state).toBe(BfdState.Up);
    const down = waitFor(sa, 'down', 5_000);
    await sendFrom('127.0.0.1');
    expect((await down).diagnostic).toBe(BfdDiagnostic.NeighborSignaledSessionDown);
  });

  it('comes Up over ::1 as well', async () => {
    const mk = async () => {
      const table = new BfdSessionTable({ clock, random: systemRandom });
      tables.push(table);
      const transport = await createUdpBfdTransport({ localAddress: '::1', listenPort: 0 });
      table.addTransport(transport);
      return { table, port: transport.local.port };
    };
    const a = await mk();
    const b = await mk();
    const base = { localAddress: '::1', peerAddress: '::1', desiredMinTxMs: 50 };
    const sa = await a.table.addSession({ ...base, peerPort: b.port });
    const up = waitFor(sa, 'up', 10_000);
    await b.table.addSession({ ...base, peerPort: a.port });
    await up;
    expect(sa.state).toBe(BfdState.Up);
  });
});

describe('UDP transport settleReceive after an event-loop stall', () => {
  it('hands up datagrams queued in the kernel before a due timer decides', async () => {
    const rx = await createUdpBfdTransport({ localAddress: '127.0.0.1', listenPort: 0 });
    const tx = await createUdpBfdTransport({ localAddress: '127.0.0.1', listenPort: 0 });
    try {
      let got = 0;
      rx.onDatagram(() => got++);
      const ch = await tx.openTxChannel();
      const result = new Promise<{ atTimer: number; atSettle: number }>((resolve) => {
        // Due before the stall ends, so Node runs it before it polls the socket.
        setTimeout(() => {
          const atTimer = got;
          rx.settleReceive(() => resolve({ atTimer, atSettle: got }));
        }, 1);
      });
      // More than libuv reads from one socket per loop turn (32), as after a stall.
      for (let i = 0; i < 200; i++) ch.send(Buffer.from([i & 0xff]), rx.local);
      // Node resolves the destination on the next tick, then sends; then the loop stalls.
      await new Promise<void>((r) => process.nextTick(r));
      await new Promise<void>((r) => process.nextTick(r));
      const stallUntil = performance.now() + 50;
      while (performance.now() < stallUntil) {
        // a busy process: nothing is read from the socket meanwhile
      }
      const { atTimer, atSettle } = await result;
      expect(atTimer).toBe(0);
      expect(atSettle).toBe(200);
    } finally {
      await rx.close();
      await tx.close();
    }
  });
});
