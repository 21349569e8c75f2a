import { afterAll, expect, it } from 'vitest';
import { run } from '../../src/lab/exec.js';
import { labDown, labUp } from '../../src/lab/lifecycle.js';
import { testLabTopology } from '../lab/fixtures.js';
import { integration, serialLabFile } from './require.js';

// CI builds and tears down labs many times: 20 cycles in a row must leave zero namespaces,
// links, nft tables and FRR processes of the lab, asserted with the system's own tools.
const LAB = 'icy';
const CYCLES = 20;
const topology = testLabTopology(LAB, { subnet: 14, twoRouters: true });

async function lines(argv: string[]): Promise<string[]> {
  const r = await run(argv, { allowFailure: true });
  return r.stdout.split('\n').filter((l) => l.trim() !== '');
}

async function leftovers(): Promise<string[]> {
  return [
    ...(await lines(['ip', 'netns', 'list'])).filter((l) => l.includes(`ssim-${LAB}-`)),
    ...(await lines(['ip', '-o', 'link', 'show'])).filter((l) => l.includes(`ssim-${LAB}-`)),
    ...(await lines(['nft', 'list', 'tables'])).filter((l) => l.includes(`ssim_${LAB}`)),
    // Every FRR daemon of this lab names the lab's run directory on its command line.
    ...(await lines(['pgrep', '-a', '-f', `/run/speakersim/${LAB}/`])),
  ];
}

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return `min ${s[0]} median ${s[Math.floor(s.length / 2)]} max ${s[s.length - 1]}`;
};

integration(['root', 'frr', 'vtysh', 'ip', 'nft'])('netns lab: up/down cycles', () => {
  serialLabFile();

  afterAll(async () => {
    await labDown(LAB, { force: true });
  });

  it(`${CYCLES} up/down cycles of a two-router lab leave nothing behind`, async () => {
    const up: number[] = [];
    const down: number[] = [];
    for (let i = 0; i < CYCLES; i++) {
      const info = await labUp(topology);
      up.push(info.timings!.totalMs);
      expect(Object.keys(info.routers[1]!.pids)).toHaveLength(4);
      const report = await labDown(LAB);
      down.push(report.durationMs);
      expect(report.leftovers).toEqual([]);
      expect(await leftovers()).toEqual([]);
    }
    console.log(`[lab-cycles] up ms: ${stats(up)}; down ms: ${stats(down)}`);
  }, 300_000);
});
