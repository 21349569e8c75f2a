/** RFC 4271 10 jitter: factor in [0.75, 1.0], a new draw per timer start, injected Random. */
import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../../src/core/random.js';
import type { Random } from '../../../src/core/random.js';
import {
  initialState,
  jitterFactor,
  jittered,
  keepaliveInterval,
  step,
} from '../../../src/bgp/fsm/index.js';
import { config } from './fixtures.js';

describe('jitter', () => {
  it('over 10,000 draws the factor stays in [0.75, 1.0] and spreads over the range', () => {
    const random = new SeededRandom(2026);
    const factors = Array.from({ length: 10_000 }, () => jitterFactor(random));
    expect(Math.min(...factors)).toBeGreaterThanOrEqual(0.75);
    expect(Math.max(...factors)).toBeLessThanOrEqual(1.0);
    // Uniform: the extremes are approached and the mean is near 0.875.
    expect(Math.min(...factors)).toBeLessThan(0.751);
    expect(Math.max(...factors)).toBeGreaterThan(0.999);
    const mean = factors.reduce((a, b) => a + b, 0) / factors.length;
    expect(mean).toBeGreaterThan(0.87);
    expect(mean).toBeLessThan(0.88);
  });

  it('a Random that strays out of [0, 1) still gives a factor in range', () => {
    for (const value of [-1, 1, 2, Number.NaN, Number.POSITIVE_INFINITY]) {
      const f = jitterFactor({ next: () => value });
      expect(f).toBeGreaterThanOrEqual(0.75);
      expect(f).toBeLessThanOrEqual(1.0);
    }
  });

  it('jittered durations are whole ms in [0.75 x base, base]', () => {
    const random = new SeededRandom(5);
    const all = Array.from({ length: 10_000 }, () => jittered(random, 120_000));
    expect(all.every(Number.isInteger)).toBe(true);
    expect(Math.min(...all)).toBeGreaterThanOrEqual(90_000);
    expect(Math.max(...all)).toBeLessThanOrEqual(120_000);
  });

  it('keepalive intervals never go under 1 s (RFC 4271 4.4)', () => {
    const random = new SeededRandom(9);
    for (let i = 0; i < 1000; i++) expect(keepaliveInterval(random, 1000)).toBe(1000);
  });

  it('the FSM draws a fresh factor at every ConnectRetryTimer start, from the injected Random', () => {
    const draws: number[] = [0, 0.5, 0.999];
    const random: Random = { next: () => draws.shift() ?? 0 };
    let s = initialState(config({ random, connectRetryTimeSeconds: 100 }));
    const ms: number[] = [];
    for (const e of [
      { type: 'ManualStart' },
      { type: 'ConnectRetryTimer_Expires' },
      { type: 'ConnectRetryTimer_Expires' },
    ] as const) {
      const r = step(s, e);
      s = r.state;
      for (const a of r.actions) if (a.type === 'StartTimer') ms.push(a.ms);
    }
    expect(ms).toEqual([75_000, 87_500, 99_975]);
  });
});
