import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenario } from '../../src/scenario/load.js';
import { runScenario } from '../../src/scenario/runner/run.js';
import type { Backend } from '../../src/scenario/types.js';
import { integration, serialLabFile, type Need } from '../integration/require.js';

// One contract for the three peer backends: the same scenario, every fault of the scenario
// format, each aimed at one node where the format allows it (contract/two-nodes.yaml). The
// builtin run is a unit test (virtual time); netns and compose need root and FRR or Docker.
const file = resolve(import.meta.dirname, 'contract/two-nodes.yaml');

async function contract(backend: Backend): Promise<void> {
  const out = await runScenario(await loadScenario(file), { backend });
  const why = out.failures.map(
    (f) => `${f.name}: expected ${f.expected} got ${f.actual} ${f.message ?? ''}`,
  );
  expect({ error: out.error, why }).toEqual({ error: undefined, why: [] });
  expect(out.scenario.steps.length).toBeGreaterThan(30);
}

describe('peer backend contract: builtin', () => {
  it('holds', () => contract('builtin'));
});

const real: [Backend, Need[]][] = [
  ['netns', ['root', 'frr', 'vtysh', 'ip', 'nft']],
  ['compose', ['root', 'ip', 'nft', 'docker']],
];
for (const [backend, needs] of real) {
  integration(needs)(`peer backend contract: ${backend}`, () => {
    serialLabFile();
    it('holds', () => contract(backend), 300_000);
  });
}
