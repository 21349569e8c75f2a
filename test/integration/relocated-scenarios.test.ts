import { join, resolve } from 'node:path';
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
