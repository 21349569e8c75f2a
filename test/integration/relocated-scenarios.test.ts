import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runCommand } from '../../src/cli/run.js';
import { LabRegistry } from '../../src/lab/registry.js';
import { capture } from '../cli/capture.js';
import { expect, it } from 'vitest';
import { hostRouteBlocks } from '../../src/lab/host-routes.js';
import { addressBlocks, planRelocation, relocateValue } from '../../src/lab/relocate.js';
import { labLeftovers } from '../../src/lab/teardown.js';
import { LAB_RUN_ROOT } from '../../src/lab/names.js';
import { checkRunSettings, loadScenario } from '../../src/scenario/load.js';
import { runScenario } from '../../src/scenario/runner/run.js';
import { integration, serialLabFile } from './require.js';

// Relocated scenarios against real FRR: IPv6 sessions and /128 routes, dual stack over one
// IPv4 session, BFD, and frr-k8s's prefix-lists whose order the relocation keeps; every step
// and expectation of each file holds on the moved blocks as on the shipped ones.
const root = resolve(import.meta.dirname, '../..');
const files = [
  'ipv6-service.yaml',
  'dual-stack-over-ipv4.yaml',
  'frr-configuration.yaml',
  'bfd-down-recovery.yaml',
];

integration(['root', 'frr', 'vtysh', 'ip', 'nft'])('relocated scenarios on netns', () => {
  serialLabFile();

  it("speakersim run beside a lab that holds the scenario's addresses moves it and passes", async () => {
    const file = join(root, 'scenarios/bfd-down-recovery.yaml');
    const dir = mkdtempSync(join(tmpdir(), 'ssim-moved-run-'));
    const prior = process.env.SPEAKERSIM_LAB_DIR;
    process.env.SPEAKERSIM_LAB_DIR = join(dir, 'labs');
    try {
      // Another lab (a live owner: our parent) holds every block of the scenario.
      const blocks = addressBlocks(await loadScenario(file));
      new LabRegistry().claim({
        name: 'holder',
        pid: process.ppid,
        backend: 'netns',
        scenario: 'x',
        blocks,
      });
      const out = capture();
      expect(await runCommand({ files: [file], backend: 'netns' }, out)).toBe(0);
      const moved = out.lines.find((l) => l.includes('addresses in use, moved:'));
      expect(moved).toContain('198.18.0.0/24 -> ');
      expect(out.lines.at(-1)).toContain('1 passed, 0 failed');
    } finally {
      if (prior === undefined) delete process.env.SPEAKERSIM_LAB_DIR;
      else process.env.SPEAKERSIM_LAB_DIR = prior;
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);

  for (const f of files) {
    it(
      f,
      async () => {
        const s = await loadScenario(join(root, 'scenarios', f));
        const lab = `moved-${s.topology.lab}`.slice(0, 32).replace(/-+$/, '');
        const plan = planRelocation(addressBlocks(s), hostRouteBlocks(lab));
        const moved = relocateValue({ ...s, topology: { ...s.topology, lab } }, plan);
        expect(plan.every((p) => p.from !== p.to)).toBe(true);
        expect(checkRunSettings(moved, { backend: 'netns' }).errors).toEqual([]);
        const out = await runScenario(moved, { backend: 'netns' });
        const why = out.failures.map(
          (x) => `${x.name}: expected ${x.expected} got ${x.actual} ${x.message ?? ''}`,
        );
        expect({ error: out.error, why }).toEqual({ error: undefined, why: [] });
        expect(labLeftovers(lab, LAB_RUN_ROOT)).toEqual([]);
      },
      300_000,
    );
  }
});
