import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { expect, it } from 'vitest';
import { composeLeftovers } from '../../src/lab/compose.js';
import { labNameFor } from '../../src/lab/names.js';
import { checkRunSettings, loadScenario } from '../../src/scenario/load.js';
import { runScenario } from '../../src/scenario/runner/run.js';
import { integration, serialLabFile } from './require.js';

// `speakersim run --backend compose scenarios/*.yaml`: every shipped scenario that runs on
// netns also runs on FRR containers (the same address rule keeps the seed's own addresses off
// both), and each leaves no container or docker network behind.
const root = resolve(import.meta.dirname, '../..');
const files = readdirSync(join(root, 'scenarios'))
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => join(root, 'scenarios', f));

integration(['root', 'ip', 'nft', 'docker'])(
  'shipped scenarios against FRR containers (compose)',
  () => {
    serialLabFile();
    for (const file of files) {
      it(
        file.split('/').at(-1)!,
        async () => {
          const scenario = await loadScenario(file);
          const settings = checkRunSettings(scenario, { backend: 'compose' });
          if (settings.errors.length) {
            expect(settings.errors.map((e) => e.code)).toEqual(
              settings.errors.map(() => 'scenario-address-not-allowed'),
            );
            // The same files are kept off netns (test/integration/scenarios-netns.test.ts).
            expect(checkRunSettings(scenario, { backend: 'netns' }).errors.length).toBeGreaterThan(
              0,
            );
            console.log(`[compose-scenarios] ${scenario.name}: builtin only`);
            return;
          }
          const out = await runScenario(scenario, { backend: 'compose' });
          const why = out.failures.map(
            (f) => `${f.name}: expected ${f.expected} got ${f.actual} ${f.message ?? ''}`,
          );
          expect({ error: out.error, why }).toEqual({ error: undefined, why: [] });
          expect(composeLeftovers(labNameFor(scenario.topology.lab))).toEqual([]);
        },
        300_000,
      );
    }
  },
);
