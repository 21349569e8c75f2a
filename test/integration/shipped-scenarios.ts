import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { expect, it } from 'vitest';
import { checkRunSettings, loadScenario } from '../../src/scenario/load.js';
import { runScenario } from '../../src/scenario/runner/run.js';
import type { Backend } from '../../src/scenario/types.js';
import { integration, serialLabFile, type Need } from './require.js';

/**
 * `speakersim run --backend <netns|compose> scenarios/*.yaml` as a test: every shipped scenario
 * whose addresses a real lab may use runs against real FRR (the builtin-only ones keep the
 * seed's own addresses, which a lab must never put on an interface). `after` checks what each
 * run left behind.
 */
export function shippedScenarios(
  backend: Exclude<Backend, 'builtin'>,
  needs: readonly Need[],
  after?: (lab: string) => void,
): void {
  const root = resolve(import.meta.dirname, '../..');
  const files = readdirSync(join(root, 'scenarios'))
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => join(root, 'scenarios', f));
  integration(needs)(`shipped scenarios against real FRR (${backend})`, () => {
    serialLabFile();
    for (const file of files) {
      it(
        file.split('/').at(-1)!,
        async () => {
          const scenario = await loadScenario(file);
          const settings = checkRunSettings(scenario, { backend });
          if (settings.errors.length) {
            // Only the address rule and what this machine cannot do (VRFs: no VRF devices) may
            // keep a scenario off FRR, and it must say so.
            for (const e of settings.errors)
              expect([
                'ERR_SCENARIO_ADDRESS_NOT_ALLOWED',
                'ERR_SCENARIO_BACKEND_UNSUPPORTED',
              ]).toContain(e.code);
            console.log(
              `[scenarios-${backend}] ${scenario.name}: builtin only (${settings.errors[0]!.detail})`,
            );
            return;
          }
          const out = await runScenario(scenario, { backend });
          const why = out.failures.map(
            (f) => `${f.name}: expected ${f.expected} got ${f.actual} ${f.message ?? ''}`,
          );
          expect({ error: out.error, why }).toEqual({ error: undefined, why: [] });
          after?.(scenario.topology.lab);
        },
        300_000,
      );
    }
  });
}
