/**
 * Two labs of one scenario side by side (issue 13): `lab up --detach --name` of
 * test/lab/contract/two-nodes.yaml twice, started one after the other or both at once (the
 * second is relocated either way), through the CLI as a user runs it; per run the time until
 * each `lab up` returns, until both labs show all sessions Established, and each `lab down`.
 * Needs root and FRR (netns), plus a Docker engine (DOCKER_HOST) and the FRR image (compose);
 * runs the built CLI (dist/, `npm run build` first) so that tsx's start is not in the figures.
 *
 *   npm run build && sudo -E npm run bench:twin-labs -- --backends netns,compose --runs 3
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { spread } from './stats.js';

const argv = await yargs(hideBin(process.argv))
  .option('backends', { type: 'string', default: 'netns,compose' })
  .option('runs', { type: 'number', default: 3 })
  .strict()
  .parse();

const repo = resolve(import.meta.dirname, '..');
const scenario = join(repo, 'test/lab/contract/two-nodes.yaml');
const work = mkdtempSync(join(tmpdir(), 'ssim-bench-twins-'));
const env = { ...process.env, SPEAKERSIM_LAB_DIR: join(work, 'labs') };

function cli(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [join(repo, 'dist/cli/main.js'), ...args], { env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

async function established(name: string): Promise<boolean> {
  const rows = (await cli('lab', 'status', name)).stdout
    .split('\n')
    .filter((l) => /^worker/.test(l));
  return rows.length === 2 && rows.every((l) => l.split(/\s+/)[3] === 'Established');
}

async function up(name: string, backend: string, t0: number): Promise<number> {
  const r = await cli('lab', 'up', scenario, '--backend', backend, '--name', name, '--detach');
  if (r.code !== 0) throw new Error(`lab up ${name}: ${r.stderr}`);
  return performance.now() - t0;
}

try {
  for (const backend of argv.backends.split(',')) {
    for (const mode of ['one after the other', 'both at once'] as const) {
      const upA: number[] = [];
      const upB: number[] = [];
      const both: number[] = [];
      const down: number[] = [];
      for (let i = 0; i < argv.runs; i++) {
        const names = [`twin-bench-a`, `twin-bench-b`];
        const t0 = performance.now();
        if (mode === 'both at once') {
          const [a, b] = await Promise.all(names.map((n) => up(n, backend, t0)));
          upA.push(a!);
          upB.push(b!);
        } else {
          upA.push(await up(names[0]!, backend, t0));
          upB.push(await up(names[1]!, backend, t0));
        }
        while (!(await established(names[0]!)) || !(await established(names[1]!))) {
          await new Promise((r) => setTimeout(r, 100));
        }
        both.push(performance.now() - t0);
        for (const n of names) {
          const t1 = performance.now();
          const r = await cli('lab', 'down', n);
          if (r.code !== 0) throw new Error(`lab down ${n}: ${r.stderr}`);
          down.push(performance.now() - t1);
        }
      }
      const ms = { unit: 'ms' };
      console.log(
        `${backend}, ${mode}: lab up a ${spread(upA, ms)}, lab up b ${spread(upB, ms)} (both from the start), ` +
          `both Established ${spread(both, ms)}, lab down ${spread(down, ms)} (${argv.runs} runs)`,
      );
    }
  }
} finally {
  for (const n of ['twin-bench-a', 'twin-bench-b']) await cli('lab', 'down', n, '--force');
  rmSync(work, { recursive: true, force: true });
}
