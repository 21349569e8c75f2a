// Its own file: the V8 flag it sets holds for the rest of the process.
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { compactOnFullGc } from '../../src/core/memory.js';

const MiB = 1024 * 1024;

describe('compactOnFullGc', () => {
  it('full GCs then give back old space that survivors left sparse', () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const old = () => getHeapSpaceStatistics().find((s) => s.space_name === 'old_space')!;
    // ~150 MiB of objects promoted to old space, then 7 in 8 dropped: pages stay sparse.
    let all: { a: number; b: string; c: number[] }[] | undefined = [];
    for (let i = 0; i < 2_000_000; i++) all.push({ a: i, b: String(i), c: [i] });
    gc();
    gc();
    const keep = all.filter((_, i) => i % 8 === 0);
    all = undefined;
    compactOnFullGc();
    for (let i = 0; i < 4; i++) gc();
    const after = old();
    expect(keep.length).toBe(250_000);
    // Without the flag four full GCs left 121-186 MiB committed for 33 MiB used.
    expect(after.space_size - after.space_used_size).toBeLessThan(8 * MiB);
  });
});
