import { ManualClock } from '../../src/core/clock.js';
import { SeededRandom } from '../../src/core/random.js';
import {
  BfdSessionTable,
  InMemoryBfdNetwork,
  decodeControlPacket,
  type BfdControlPacket,
  type BfdDatagram,
  type BfdSession,
  type BfdSessionConfig,
} from '../../src/bfd/index.js';

export const A_ADDR = '198.18.0.1';
export const B_ADDR = '198.18.0.2';

export interface SentPacket {
  at: number;
  from: string;
  packet: BfdControlPacket;
}

export interface MemoryPair {
  clock: ManualClock;
  net: InMemoryBfdNetwork;
  a: BfdSession;
  b: BfdSession;
  tableA: BfdSessionTable;
  tableB: BfdSessionTable;
  /** Every datagram put on the in-memory wire, decoded, in send order. */
  sent: SentPacket[];
  /** Called with every datagram put on the wire (before any drop). */
  taps: ((d: BfdDatagram) => void)[];
  /** Drops everything `from` sends while set. */
  silence(from: string | undefined): void;
  close(): Promise<void>;
}

/**
 * Two session tables joined by the in-memory network on a ManualClock: a whole BFD exchange
 * runs in virtual time, deterministic for a given seed.
 */
export async function memoryPair(
  opts: {
    a?: Partial<BfdSessionConfig>;
    b?: Partial<BfdSessionConfig>;
    latencyMs?: number;
    seed?: number;
    /** Which port the two tables listen on: 3784 (default) or 4784. */
    transports?: 'single-hop' | 'multihop';
  } = {},
): Promise<MemoryPair> {
  const clock = new ManualClock();
  const random = new SeededRandom(opts.seed ?? 1);
  const net = new InMemoryBfdNetwork({ clock, latencyMs: opts.latencyMs ?? 1, random });
  const sent: SentPacket[] = [];
  let silenced: string | undefined;
  const taps: ((d: BfdDatagram) => void)[] = [];
  net.setFilter((d: BfdDatagram) => {
    for (const tap of taps) tap(d);
    const r = decodeControlPacket(d.payload);
    if (r.ok) sent.push({ at: clock.now(), from: d.from.address, packet: r.packet });
    return d.from.address === silenced;
  });
  const tableA = new BfdSessionTable({ clock, random });
  const tableB = new BfdSessionTable({ clock, random });
  const multihop = opts.transports === 'multihop';
  tableA.addTransport(await net.transportFactory(A_ADDR, { multihop }), { multihop });
  tableB.addTransport(await net.transportFactory(B_ADDR, { multihop }), { multihop });
  const a = await tableA.addSession({ localAddress: A_ADDR, peerAddress: B_ADDR, ...opts.a });
  const b = await tableB.addSession({ localAddress: B_ADDR, peerAddress: A_ADDR, ...opts.b });
  return {
    clock,
    net,
    a,
    b,
    tableA,
    tableB,
    sent,
    taps,
    silence: (from) => {
      silenced = from;
    },
    close: async () => {
      await tableA.close();
      await tableB.close();
    },
  };
}

export { controlPacket } from '../../src/bfd/wire/encode-control.js';
