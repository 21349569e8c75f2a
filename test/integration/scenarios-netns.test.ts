import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { expect, it } from 'vitest';
import { checkRunSettings, loadScenario } from '../../src/scenario/load.js';
import { runScenario } from '../../src/scenario/runner/run.js';
import { integration, serialLabFile } from './require.js';

// `speakersim run --backend netns scenarios/*.yaml`: every shipped scenario whose addresses a
// real lab may use runs against FRR 8.4 in network namespaces (the builtin-only ones keep
// the seed's own addresses, which a lab must never put on an interface).
const root = resolve(import.meta.dirname, '../..');
const files = readdirSync(join(root, 'scenarios'))
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => join(root, 'scenarios', f));

integration(['root', 'frr', 'vtysh', 'ip', 'nft'])(
  'shipped scenarios against real FRR (netns)',
  () => {
    serialLabFile();
    for (const file of files) {
      it(
        file.split('/').at(-1)!,
        async () => {
          const scenario = await loadScenario(file);
          const settings = checkRunSettings(scenario, { backend: 'netns' });
          if (settings.errors.length) {
            // Only the address rule may keep a scenario off FRR, and it must say so.
            expect(settings.errors.map((e) => e.code)).toEqual(
              settings.errors.map(() => 'ERR_SCENARIO_ADDRESS_NOT_ALLOWED'),
            );
            console.log(
              `[scenarios-netns] ${scenario.name}: builtin only (${settings.errors[0]!.detail})`,
            );
            return;
          }
          const out = await runScenario(scenario, { backend: 'netns' });
          const why = out.failures.map(
            (f) => `${f.name}: expected ${f.expected} got ${f.actual} ${f.message ?? ''}`,
          );
          expect({ error: out.error, why }).toEqual({ error: undefined, why: [] });
        },
        300_000,
      );
    }
  },
);
