import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { loadLibc } from '../../src/core/libc.js';
import { IdleMemoryRelease, releaseFreedCHeap } from '../../src/core/memory.js';

const MiB = 1024 * 1024;

describe('IdleMemoryRelease', () => {
  function setup(busy: { now: boolean }, rss: { now: number }) {
    const clock = new ManualClock(0);
    const released: number[] = [];
    const release = new IdleMemoryRelease({
      clock,
      busy: () => busy.now,
      intervalMs: 1_000,
      growthBytes: 16 * MiB,
      rss: () => rss.now,
      release: () => {
        released.push(clock.now());
        rss.now -= 10 * MiB;
        return true;
      },
    });
    return { clock, released, release };
  }

  it('releases once RSS grew by the threshold and the work is idle, not while busy', () => {
    const busy = { now: true };
    const rss = { now: 100 * MiB };
    const { clock, released, release } = setup(busy, rss);
    clock.advance(1_000);
    expect(released).toEqual([]);
    rss.now += 20 * MiB;
    clock.advance(3_000);
    expect(released).toEqual([]);
    busy.now = false;
    clock.advance(1_000);
    expect(released).toEqual([5_000]);
    expect(release.releases).toBe(1);
    // Steady state: RSS does not grow past the level after the release, nothing more happens.
    clock.advance(10_000);
    expect(released).toEqual([5_000]);
    rss.now += 15 * MiB;
    clock.advance(5_000);
    expect(released).toEqual([5_000]);
    rss.now += 1 * MiB;
    clock.advance(1_000);
    expect(released).toEqual([5_000, 21_000]);
  });

  it('stops looking when stopped', () => {
    const busy = { now: false };
    const rss = { now: 100 * MiB };
    const { clock, released, release } = setup(busy, rss);
    release.stop();
    rss.now += 100 * MiB;
    clock.advance(10_000);
    expect(released).toEqual([]);
    expect(clock.pending()).toBe(0);
  });
});

describe('releaseFreedCHeap', () => {
  it('gives freed malloc memory back: RSS falls by most of what was freed', () => {
    const libc = loadLibc();
    const malloc = libc.func('void *malloc(size_t)') as unknown as (n: number) => unknown;
    const free = libc.func('void free(void *)') as unknown as (p: unknown) => void;
    const memset = libc.func('void *memset(void *, int, size_t)') as unknown as (
      p: unknown,
      c: number,
      n: number,
    ) => unknown;
    // 96 MiB in 64 KiB chunks (below glibc's mmap threshold, so on the heap), touched, then
    // freed except the last, which keeps free() from trimming the top of the heap itself.
    const chunk = 64 * 1024;
    const blocks = Array.from({ length: (96 * MiB) / chunk }, () => {
      const p = malloc(chunk);
      memset(p, 1, chunk);
      return p;
    });
    const last = blocks.pop();
    for (const p of blocks) free(p);
    const before = process.memoryUsage.rss();
    releaseFreedCHeap();
    const after = process.memoryUsage.rss();
    free(last);
    expect(before - after).toBeGreaterThan(64 * MiB);
  });
});
