import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../src/core/random.js';
import {
  BfdDiagnostic,
  BfdState,
  SLOW_TX_US,
  detectionTimeUs,
  jitteredIntervalUs,
  negotiatedTxIntervalUs,
} from '../../src/bfd/index.js';
import { A_ADDR, B_ADDR, memoryPair } from './harness.js';

describe('timer negotiation (RFC 5880 6.8.2-6.8.4)', () => {
  it('TX interval = max(local desired min TX, remote required min RX); 0 means none', () => {
    expect(negotiatedTxIntervalUs(50_000, 300_000)).toBe(300_000);
    expect(negotiatedTxIntervalUs(300_000, 50_000)).toBe(300_000);
    expect(negotiatedTxIntervalUs(300_000, 0)).toBe(0);
  });

  it('Detection Time = remote detect mult x max(local required min RX, remote desired TX)', () => {
    expect(detectionTimeUs(3, 50_000, 200_000)).toBe(600_000);
    expect(detectionTimeUs(5, 300_000, 100_000)).toBe(1_500_000);
  });

  it('negotiates asymmetric timers between two sessions', async () => {
    const p = await memoryPair({
      a: { desiredMinTxMs: 50, requiredMinRxMs: 200, detectMult: 3 },
      b: { desiredMinTxMs: 100, requiredMinRxMs: 20, detectMult: 5 },
    });
    p.clock.advance(10_000);
    expect(p.a.state).toBe(BfdState.Up);
    const a = p.a.snapshot();
    const b = p.b.snapshot();
    expect(a.negotiatedTxMs).toBe(50); // max(50, B's rx 20)
    expect(b.negotiatedTxMs).toBe(200); // max(100, A's rx 200)
    expect(a.detectionTimeMs).toBe(5 * 200); // B mult 5 x max(A rx 200, B tx 100)
    expect(b.detectionTimeMs).toBe(3 * 50); // A mult 3 x max(B rx 20, A tx 50)
    await p.close();
  });
});

describe('jitter (RFC 5880 6.8.7), 10,000 draws each', () => {
  for (const [mult, lo, hi] of [
    [3, 0.75, 1.0],
    [1, 0.75, 0.9],
  ] as const) {
    it(`detect mult ${mult}: every interval in [${lo}, ${hi}] of nominal, spread over it`, () => {
      const random = new SeededRandom(12345 + mult);
      let min = Infinity;
      let max = -Infinity;
      for (let i = 0; i < 10_000; i++) {
        const f = jitteredIntervalUs(100_000, mult, random) / 100_000;
        min = Math.min(min, f);
        max = Math.max(max, f);
      }
      expect(min).toBeGreaterThanOrEqual(lo);
      expect(max).toBeLessThanOrEqual(hi);
      if (mult === 3) expect(max).toBeLessThan(1.0); // "reduced by ... 0 to 25%"
      // Not a constant: the draws cover nearly the whole allowed band.
      expect(min).toBeLessThan(lo + 0.01);
      expect(max).toBeGreaterThan(hi - 0.01);
    });
  }

  it('spaces the packets a session actually sends within the jitter band', async () => {
    const p = await memoryPair({
      a: { desiredMinTxMs: 100, requiredMinRxMs: 100 },
      b: { desiredMinTxMs: 100, requiredMinRxMs: 100 },
    });
    p.clock.advance(5_000);
    expect(p.a.state).toBe(BfdState.Up);
    const start = p.sent.length;
    p.clock.advance(20_000);
    const times = p.sent
      .slice(start)
      .filter((s) => s.from === A_ADDR && !s.packet.final)
      .map((s) => s.at);
    expect(times.length).toBeGreaterThan(150);
    for (let i = 1; i < times.length; i++) {
      const gap = times[i]! - times[i - 1]!;
      expect(gap).toBeGreaterThanOrEqual(75);
      expect(gap).toBeLessThanOrEqual(100);
    }
    await p.close();
  });
});

describe('1 s minimum TX while not Up (RFC 5880 6.8.3)', () => {
  it('advertises and uses >= 1 s until Up, then the configured rate', async () => {
    const p = await memoryPair({
      a: { desiredMinTxMs: 50, requiredMinRxMs: 50 },
      b: { desiredMinTxMs: 50, requiredMinRxMs: 50 },
    });
    // B is silent: A stays Down and must send slowly.
    p.silence(B_ADDR);
    p.clock.advance(10_000);
    expect(p.a.state).toBe(BfdState.Down);
    const down = p.sent.filter((s) => s.from === A_ADDR);
    expect(down.length).toBeLessThanOrEqual(14);
    for (const s of down) expect(s.packet.desiredMinTxUs).toBe(SLOW_TX_US);
    for (let i = 1; i < down.length; i++) {
      expect(down[i]!.at - down[i - 1]!.at).toBeGreaterThanOrEqual(750);
    }
    p.silence(undefined);
    p.clock.advance(5_000);
    expect(p.a.state).toBe(BfdState.Up);
    const last = p.sent.filter((s) => s.from === A_ADDR).at(-1)!;
    expect(last.packet.desiredMinTxUs).toBe(50_000);
    await p.close();
  });
});

describe('detection time (RFC 5880 6.8.4)', () => {
  it('goes Down exactly at detect mult x interval after the last packet, Diag 1', async () => {
    const p = await memoryPair({
      latencyMs: 0,
      a: { desiredMinTxMs: 50, requiredMinRxMs: 50, detectMult: 3 },
      b: { desiredMinTxMs: 50, requiredMinRxMs: 50, detectMult: 3 },
    });
    p.clock.advance(5_000);
    expect(p.a.state).toBe(BfdState.Up);
    expect(p.a.snapshot().detectionTimeMs).toBe(150);
    p.silence(B_ADDR);
    const lastRx = p.a.fsmState.lastRxAt!;
    const downs: { at: number; diag: BfdDiagnostic }[] = [];
    p.a.on('down', (e) => downs.push({ at: e.at, diag: e.diagnostic }));
    p.clock.advanceTo(lastRx + 150 - 0.001);
    expect(p.a.state).toBe(BfdState.Up);
    p.clock.advanceTo(lastRx + 150);
    expect(p.a.state).toBe(BfdState.Down);
    expect(downs).toEqual([{ at: lastRx + 150, diag: BfdDiagnostic.ControlDetectionTimeExpired }]);
    // RFC 5880 6.8.4: bfd.RemoteDiscr is reset to zero.
    expect(p.a.remoteDiscriminator).toBe(0);
    // B learns from A's next packet (sent at A's now 1 s rate: RFC 5880 6.8.7 allows no extra
    // packet on a state change) and follows with Diag 3.
    const bDowns: BfdDiagnostic[] = [];
    p.b.on('down', (e) => bDowns.push(e.diagnostic));
    p.clock.advance(1_000);
    expect(bDowns).toEqual([BfdDiagnostic.NeighborSignaledSessionDown]);
    await p.close();
  });

  it('never goes Down while packets keep arriving (10 minutes of virtual time)', async () => {
    const p = await memoryPair({
      a: { desiredMinTxMs: 50, requiredMinRxMs: 50, detectMult: 3 },
      b: { desiredMinTxMs: 50, requiredMinRxMs: 50, detectMult: 3 },
      seed: 99,
    });
    p.clock.advance(5_000);
    p.clock.advance(600_000);
    expect(p.a.counters.downTransitions).toBe(0);
    expect(p.b.counters.downTransitions).toBe(0);
    expect(p.a.state).toBe(BfdState.Up);
    await p.close();
  });
});
