import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { SeededRandom } from '../../src/core/random.js';
import { MemoryNetwork } from '../../src/bgp/io/memory.js';
import { Speaker } from '../../src/bgp/speaker.js';
import { Neighbor } from '../../src/bgp/neighbor.js';
import { bfdCoupling } from '../../src/bgp/bfd-coupling.js';
import { BfdSessionTable } from '../../src/bfd/session-table.js';
import { InMemoryBfdNetwork } from '../../src/bfd/io/memory-transport.js';
import { BFD_STATE_NAMES } from '../../src/bfd/state-names.js';
import { BfdState } from '../../src/bfd/wire/constants.js';

const A = '198.18.0.10';
const B = '198.18.0.1';

const settle = async (): Promise<void> => {
  for (let i = 0; i < 50; i++) await Promise.resolve();
};

/** Two neighbors (a node and a router) over in-memory BGP and BFD, on a ManualClock. */
async function pair(opts: { bfdA?: boolean; multihop?: boolean } = {}) {
  const clock = new ManualClock(Date.UTC(2026, 11, 3, 9, 0, 0));
  const random = new SeededRandom(9);
  const bgpNet = new MemoryNetwork(clock);
  const bfdNet = new InMemoryBfdNetwork({ clock, random, latencyMs: 1 });
  const side = (local: string, peer: string, asn: number, peerAsn: number) => {
    const speaker = new Speaker({ clock, random, transport: bgpNet.transport() });
    const table = new BfdSessionTable({
      clock,
      random,
      openTransport: bfdNet.transportFactory,
    });
    const neighbor = new Neighbor(
      {
        peer: {
          id: `${local}->${peer}`,
          localAddress: local,
          localAsn: asn,
          routerId: local,
          peerAddress: peer,
          peerAsn,
          holdTimeSeconds: 9,
          keepaliveTimeSeconds: 3,
          connectRetryTimeSeconds: 1,
          families: ['ipv4'],
        },
        ...(opts.bfdA === false && local === A
          ? {}
          : {
              bfd: {
                localAddress: local,
                peerAddress: peer,
                multihop: opts.multihop,
                desiredMinTxMs: 50,
                requiredMinRxMs: 50,
                detectMult: 3,
              },
            }),
      },
      { clock, speaker, bfdTable: table },
    );
    return { speaker, table, neighbor };
  };
  const a = side(A, B, 64501, 64500);
  const b = side(B, A, 64500, 64501);
  await b.speaker.listen(B, 179);
  await a.speaker.listen(A, 179);
  const advance = async (ms: number, step = 5) => {
    for (let t = 0; t < ms; t += step) {
      clock.advance(step);
      await settle();
    }
  };
  const until = async (what: string, cond: () => boolean, maxMs = 10_000) => {
    for (let t = 0; t <= maxMs && !cond(); t += 5) await advance(5);
    if (!cond()) throw new Error(`timed out: ${what}`);
  };
  /** Starts both sides and waits until A is Established with BFD Up. */
  const up = async () => {
    await b.neighbor.start();
    await a.neighbor.start();
    await until(
      'Established + BFD Up',
      () => a.neighbor.session.established && a.neighbor.bfd?.state === BfdState.Up,
    );
  };
  return { clock, bfdNet, a, b, advance, until, up };
}

type Row = [string, string];

/** (BGP state, BFD state) as each listener event sees it: what a status writer records. */
function history(n: Neighbor): Row[] {
  const rows: Row[] = [];
  const row = (): Row => [n.session.state, n.bfd ? BFD_STATE_NAMES[n.bfd.state].name : 'none'];
  n.on({ bgpTransition: () => rows.push(row()), bfdTransition: () => rows.push(row()) });
  return rows;
}

describe('Neighbor: BGP + BFD + coupling in one composition', () => {
  it('a BFD failure is seen as (Established, Down) before (Idle, Down), with Cease/10 sent and counted', async () => {
    const p = await pair();
    await p.up();
    const rows = history(p.a.neighbor);
    // A listener that subscribes late sees the same order: the order is the Neighbor's, not
    // the subscription order.
    const late = history(p.a.neighbor);
    p.bfdNet.setFilter((d) => d.from.address === B);
    await p.until('BGP leaves Established', () => !p.a.neighbor.session.established, 1_000);
    expect(rows.slice(0, 2)).toEqual([
      ['Established', 'Down'],
      ['Idle', 'Down'],
    ]);
    expect(late).toEqual(rows);
    const c = p.a.neighbor.counters;
    expect(c.bfdTeardowns).toBe(1);
    expect(c.bfdDownTransitions).toBe(1);
    expect(c.lastNotification).toEqual({ direction: 'sent', code: 6, subcode: 10 });
    expect(c.messages.notificationsSent).toBe(1);
    expect(c.establishedAt).toBeUndefined();
    // Recovery: BFD Up is seen (BGP still Idle) before BGP moves on.
    const before = rows.length;
    p.bfdNet.setFilter(undefined);
    await p.until('Established again', () => p.a.neighbor.session.established);
    const after = rows.slice(before);
    expect(after[0]).toEqual(['Idle', 'Init']);
    const up = after.findIndex((r) => r[1] === 'Up');
    expect(after[up]![0]).toBe('Idle');
    expect(after.at(-1)).toEqual(['Established', 'Up']);
    expect(c.bfdUpTransitions).toBe(2);
    expect(c.establishedTransitions).toBe(2);
    // Set on the clock at the transition (until() polls every 5 ms of clock time).
    expect(c.establishedAt).toBeGreaterThan(p.clock.now() - 5);
    expect(c.establishedAt).toBeLessThanOrEqual(p.clock.now());
    expect(c.messages.opensSent).toBe(2);
    expect(c.messages.opensRecv).toBe(2);
  });

  it("the peer's AdminDown takes BFD Down but leaves BGP up (RFC 5882 3.2), no teardown counted", async () => {
    const p = await pair();
    await p.up();
    p.b.neighbor.bfd!.adminDown();
    await p.until('BFD Down', () => p.a.neighbor.bfd!.state === BfdState.Down, 1_000);
    await p.advance(500);
    expect(p.a.neighbor.session.established).toBe(true);
    expect(p.a.neighbor.counters.bfdTeardowns).toBe(0);
    expect(p.a.neighbor.counters.bfdDownTransitions).toBe(1);
  });

  it('runs a multihop BFD session (RFC 5883: UDP 4784) when asked', async () => {
    const p = await pair({ multihop: true });
    const ports: number[] = [];
    p.bfdNet.setFilter((d) => {
      ports.push(d.to.port);
      return false;
    });
    await p.b.neighbor.start();
    await p.a.neighbor.start();
    await p.until('multihop Up', () => p.a.neighbor.bfd?.state === BfdState.Up);
    expect(p.a.neighbor.bfd!.snapshot().multihop).toBe(true);
    expect(new Set(ports)).toEqual(new Set([4784]));
    await p.until('Established', () => p.a.neighbor.session.established);
  });

  it('a BFD session that cannot start is a problem, and BGP runs without it', async () => {
    const p = await pair();
    const problems: unknown[] = [];
    // No transport for the address: the table cannot open one.
    const broken = new Neighbor(
      {
        peer: { ...p.a.neighbor.init.peer, id: 'broken', peerAddress: '198.18.0.2' },
        bfd: { localAddress: A, peerAddress: '198.18.0.2', echo: true },
      },
      { clock: p.clock, speaker: p.a.speaker, bfdTable: p.a.table },
    );
    broken.on({ problem: (e) => problems.push(e) });
    await broken.start();
    expect(problems).toEqual([expect.objectContaining({ code: 'ERR_BFD_ECHO_NOT_SUPPORTED' })]);
    expect(broken.bfd).toBeUndefined();
    expect(broken.session.state).not.toBe('Idle');
  });

  it('startBfd takes over the session bfdd already runs for the key (bgpd restart)', async () => {
    const p = await pair();
    await p.up();
    const running = p.a.neighbor.bfd!;
    p.a.neighbor.abort();
    expect(p.a.neighbor.bfd).toBeUndefined();
    expect(p.a.table.sessions()).toEqual([running]);
    expect(await p.a.neighbor.startBfd()).toBe(running);
    // Detached means uncoupled: a later BFD failure no longer reaches the old BGP session.
    await p.a.neighbor.stopBfd();
    expect(p.a.table.sessions()).toEqual([]);
  });

  it('a listener that throws is reported as a problem and does not stop the coupling', async () => {
    const p = await pair();
    await p.up();
    const problems: unknown[] = [];
    p.a.neighbor.on({
      bfdTransition: () => {
        throw new Error('listener bug');
      },
      problem: (e) => problems.push(e),
    });
    p.bfdNet.setFilter((d) => d.from.address === B);
    await p.until('BGP leaves Established', () => !p.a.neighbor.session.established, 1_000);
    expect(p.a.neighbor.counters.bfdTeardowns).toBe(1);
    expect(problems).toEqual([expect.objectContaining({ message: 'listener bug' })]);
  });

  it('bfdCoupling: the decision table', () => {
    const { Up, Down, Init, AdminDown } = BfdState;
    expect(bfdCoupling({ from: Init, to: Up }, Up)).toBe('bfdUp');
    expect(bfdCoupling({ from: Up, to: Down }, Down)).toBe('bfdDown');
    expect(bfdCoupling({ from: Init, to: Down }, Init)).toBe('bfdDown');
    expect(bfdCoupling({ from: Up, to: Down }, AdminDown)).toBeUndefined();
    expect(bfdCoupling({ from: AdminDown, to: Down }, Up)).toBeUndefined();
    expect(bfdCoupling({ from: Up, to: AdminDown }, Up)).toBeUndefined();
    expect(bfdCoupling({ from: Down, to: Init }, Down)).toBeUndefined();
  });
});
