import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { composeLeftovers, containerName } from '../../src/lab/compose.js';
import { labDown, labStatus, labUp } from '../../src/lab/lifecycle.js';
import { listLinks } from '../../src/lab/kernel.js';
import { bridgeName } from '../../src/lab/names.js';
import { loadScenario } from '../../src/scenario/load.js';
import { runScenario } from '../../src/scenario/runner/run.js';
import { testLabTopology } from '../lab/fixtures.js';
import { integration, serialLabFile } from './require.js';

// Labs that never collide: compose and netns labs with different names run side by side; a
// `lab up` (CLI, another process) that is refused, or a run of the same lab, leaves the running
// lab alone; `lab up --detach` returns once the lab is up; `lab down` leaves nothing behind.
const repo = resolve(import.meta.dirname, '../..');
const tsx = join(repo, 'node_modules/.bin/tsx');
const work = mkdtempSync(join(tmpdir(), 'ssim-compose-labs-'));
const env = { ...process.env, SPEAKERSIM_LAB_DIR: join(work, 'labs') };
const cli = (...args: string[]) =>
  spawnSync(tsx, [join(repo, 'src/cli/main.ts'), ...args], {
    cwd: repo,
    env,
    encoding: 'utf8',
    timeout: 240_000,
  });

// The contract scenario twice: as shipped (lab `contract`, 198.18.0.0/24) and moved to a lab
// and a subnet of its own.
const original = readFileSync(join(repo, 'test/lab/contract/two-nodes.yaml'), 'utf8');
const fileA = join(work, 'a.yaml');
const fileB = join(work, 'b.yaml');
writeFileSync(fileA, original);
writeFileSync(
  fileB,
  original
    .replace(
      'lab: contract',
      'lab: contract-b\n  subnets: {ipv4: 198.18.70.0/24, ipv6: 2001:db8:70::/64}',
    )
    .replaceAll('198.18.0.', '198.18.70.'),
);

integration(['root', 'frr', 'vtysh', 'ip', 'nft', 'docker'])('labs that never collide', () => {
  serialLabFile();
  afterAll(async () => {
    cli('lab', 'down', 'contract', '--force');
    cli('lab', 'down', 'contract-b', '--force');
    await labDown('side-netns', { force: true });
    rmSync(work, { recursive: true, force: true });
  });

  it('lab up --detach returns with the lab up; a second lab up of it is refused', () => {
    const t0 = Date.now();
    const up = cli('lab', 'up', fileA, '--backend', 'compose', '--detach');
    console.log(`[compose-labs] compose lab up --detach: ${Date.now() - t0} ms`);
    expect(up.status, up.stderr).toBe(0);
    expect(up.stdout).toContain('lab contract is up (backend: compose)');
    const again = cli('lab', 'up', fileA, '--backend', 'compose');
    expect(again.status).toBe(1);
    expect(again.stderr).toContain('ERR_LAB_ALREADY_UP');
  }, 300_000);

  it('a run of the running lab is refused and removes nothing of it', async () => {
    const out = await runScenario(await loadScenario(fileA), { backend: 'compose' });
    expect(out.error).toMatch(/^ERR_LAB_BUSY/);
    const state = spawnSync('docker', [
      'inspect',
      '--format',
      '{{.State.Status}}',
      containerName('contract', 'r1'),
    ]);
    expect(String(state.stdout).trim()).toBe('running');
    expect(cli('lab', 'status', 'contract').stdout).toMatch(/^worker0\s+r1\s+\S+\s+Established\s/m);
  }, 300_000);

  it('another compose lab and a netns lab run beside it', async () => {
    const up = cli('lab', 'up', fileB, '--backend', 'compose', '--detach');
    expect(up.status, up.stderr).toBe(0);
    const netns = await labUp(testLabTopology('side-netns', { subnet: 71 }), {
      cleanupOnExit: true,
    });
    expect(netns.routers.map((r) => r.name)).toEqual(['r1']);
    // Without a name, lab status and inject cannot guess which lab is meant.
    const ambiguous = cli('lab', 'status');
    expect(ambiguous.status).toBe(1);
    expect(ambiguous.stderr).toContain('ERR_LAB_AMBIGUOUS');
    const inject = cli('inject', 'drop-bfd', '--lab', 'contract-b', '--router', 'r1');
    expect(inject.status, inject.stderr).toBe(0);
    const all = { zebra: true, bgpd: true, bfdd: true, staticd: true };
    const before = await labStatus('contract-b');
    expect([before.state, before.routers[0]!.daemons]).toEqual(['up', all]);
    // A killed daemon is really gone (the container's init reaps it) until it is restarted.
    expect(cli('inject', 'kill', '--lab', 'contract-b', '--daemon', 'bfdd').status).toBe(0);
    const killed = await labStatus('contract-b');
    expect([killed.state, killed.routers[0]!.daemons]).toEqual([
      'degraded',
      { ...all, bfdd: false },
    ]);
    expect(cli('inject', 'restart', '--lab', 'contract-b', '--daemon', 'bfdd').status).toBe(0);
    expect((await labStatus('contract-b')).state).toBe('up');
    const links = listLinks();
    for (const lab of ['contract', 'contract-b', 'side-netns']) {
      expect(links).toContain(bridgeName(lab, 0));
    }
    await labDown('side-netns');
  }, 300_000);

  it('lab down stops each lab and leaves no container, network or link', () => {
    for (const lab of ['contract', 'contract-b']) {
      const t0 = Date.now();
      const down = cli('lab', 'down', lab);
      console.log(`[compose-labs] compose lab down ${lab}: ${Date.now() - t0} ms`);
      expect(down.status, down.stderr).toBe(0);
      expect(composeLeftovers(lab)).toEqual([]);
      expect(listLinks()).not.toContain(bridgeName(lab, 0));
    }
  }, 300_000);
});
