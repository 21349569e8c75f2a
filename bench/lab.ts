/**
 * Lab bring-up benchmark: `labUp` then `labDown` of a two-router lab (r1 and r2 peering, two
 * simulated nodes; test/lab/fixtures.ts testLabTopology) on each backend, --runs times (default
 * 5), median (min, max) per step. netns needs root and FRR; compose needs root, a Docker engine
 * (DOCKER_HOST) and the FRR image (frr/README.md). The lab uses 198.18.77.0/24 and
 * 2001:db8:77::/64 and is removed after every run.
 *
 *   sudo -E npm run bench:lab -- --backends netns,compose --runs 5
 */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { labDown, labUp } from '../src/lab/lifecycle.js';
import type { LabBackendKind } from '../src/lab/state.js';
import { testLabTopology } from '../test/lab/fixtures.js';
import { spread } from './stats.js';

const argv = await yargs(hideBin(process.argv))
  .option('backends', { type: 'string', default: 'netns,compose' })
  .option('runs', { type: 'number', default: 5 })
  .strict()
  .parse();

for (const backend of argv.backends.split(',') as LabBackendKind[]) {
  const up: number[] = [];
  const down: number[] = [];
  for (let i = 0; i < argv.runs; i++) {
    const t = testLabTopology('bench-lab', { subnet: 77, twoRouters: true });
    let t0 = performance.now();
    await labUp(t, { cleanupOnExit: true, backend });
    up.push(performance.now() - t0);
    t0 = performance.now();
    await labDown(t.name);
    down.push(performance.now() - t0);
  }
  const ms = { unit: 'ms' };
  console.log(`${backend}: up ${spread(up, ms)}, down ${spread(down, ms)} (${argv.runs} runs)`);
}
