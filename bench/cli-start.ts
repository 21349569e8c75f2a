/**
 * CLI start-up time: how long the built CLI (dist/cli/main.js, as `npx speakersim` runs it)
 * takes from spawn to exit for `--help` and for `inject` (against no running lab, so only
 * start-up and the state lookup are timed), beside a bare `node -e 0` for the floor. Goal:
 * under 200 ms each. Each figure is the median (min, max) of --runs runs (default 5).
 *
 *   npm run build && npm run bench:cli -- --runs 5 [--bin /other/build/dist/cli/main.js]
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { spread } from './stats.js';

const argv = await yargs(hideBin(process.argv))
  .option('runs', { type: 'number', default: 5 })
  .option('bin', { type: 'string', describe: 'another build to time (e.g. of an older commit)' })
  .parseAsync();
const root = resolve(import.meta.dirname, '..');
const bin = argv.bin ? resolve(argv.bin) : join(root, 'dist/cli/main.js');
if (!existsSync(bin)) throw new Error(`${bin} not built: npm run build`);

const cases: [string, string[]][] = [
  ['node -e 0 (floor)', ['-e', '0']],
  ['speakersim --help', [bin, '--help']],
  ['speakersim inject drop-bfd', [bin, 'inject', 'drop-bfd', '--lab', 'bench-cli-no-such-lab']],
];
console.log(`CLI start-up, ${argv.runs} runs each (goal: < 200 ms)`);
for (const [name, args] of cases) {
  const times: number[] = [];
  for (let i = 0; i < argv.runs; i++) {
    const t0 = performance.now();
    spawnSync(process.execPath, args, { cwd: root, stdio: 'ignore' });
    times.push(performance.now() - t0);
  }
  console.log(`  ${name.padEnd(28)} ${spread(times, { unit: 'ms' })}`);
}
