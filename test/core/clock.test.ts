import { describe, expect, it } from 'vitest';
import { ManualClock, SystemClock } from '../../src/core/clock.js';
import { SeededRandom, randomInt } from '../../src/core/random.js';

describe('ManualClock', () => {
  it('fires timers in deadline order, ties in the order set, at their own deadline', () => {
    const clock = new ManualClock(0);
    const seen: string[] = [];
    clock.setTimer(30, () => seen.push(`b@${clock.now()}`));
    clock.setTimer(10, () => seen.push(`a@${clock.now()}`));
    clock.setTimer(30, () => seen.push(`c@${clock.now()}`));
    clock.advance(25);
    expect(seen).toEqual(['a@10']);
    expect(clock.now()).toBe(25);
    clock.advance(5);
    expect(seen).toEqual(['a@10', 'b@30', 'c@30']);
  });

  it('does not fire cancelled timers and fires timers set by timers', () => {
    const clock = new ManualClock(0);
    const seen: number[] = [];
    const t = clock.setTimer(5, () => seen.push(-1));
    t.cancel();
    clock.setTimer(5, () => clock.setTimer(5, () => seen.push(clock.now())));
    clock.advance(100);
    expect(seen).toEqual([10]);
    expect(clock.pending()).toBe(0);
  });

  it('runUntilIdle stops at its limit when timers re-arm forever', () => {
    const clock = new ManualClock(0);
    const tick = (): void => {
      clock.setTimer(1000, tick);
    };
    tick();
    expect(clock.runUntilIdle(10_000)).toBe(10_000);
  });

  it('maps virtual time to the wall clock it was given', () => {
    const start = Date.UTC(2026, 3, 21, 9, 46, 47);
    const clock = new ManualClock(start);
    clock.advance(1500);
    expect(new Date(clock.wallNow()).toISOString()).toBe('2026-04-21T09:46:48.500Z');
  });
});

describe('SystemClock', () => {
  it('runs a real timer', async () => {
    const clock = new SystemClock();
    const t0 = clock.now();
    await new Promise<void>((resolve) => clock.setTimer(20, resolve));
    expect(clock.now() - t0).toBeGreaterThanOrEqual(15);
  });
});

describe('SeededRandom', () => {
  it('repeats its sequence for a seed and stays in range', () => {
    const a = new SeededRandom(42);
    const b = new SeededRandom(42);
    for (let i = 0; i < 1000; i++) {
      const x = a.next();
      expect(x).toBe(b.next());
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
    }
    const r = new SeededRandom(7);
    const ints = new Set(Array.from({ length: 2000 }, () => randomInt(r, 3, 5)));
    expect([...ints].sort()).toEqual([3, 4, 5]);
  });
});
