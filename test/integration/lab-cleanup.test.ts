import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { run } from '../../src/lab/exec.js';
import { labDown, labStatus, labUp } from '../../src/lab/lifecycle.js';
import { stateFilePath } from '../../src/lab/names.js';
import { labLeftovers } from '../../src/lab/teardown.js';
import { testLabTopology } from '../lab/fixtures.js';
import { integration, serialLabFile } from './require.js';

// Every exit path removes the lab: a failure half way through `up`, SIGINT during `up`, SIGTERM
// while up, and a crash (SIGKILL) whose leftovers the next `up` or `down --force` removes.
const LAB = 'icl';
const SUBNET = 15;
const RUN_ROOT = '/run/speakersim';
const repo = resolve(import.meta.dirname, '../..');

interface Child {
  pid: number;
  up: Promise<void>;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function child(mode: 'crash' | 'hold' | 'interrupt'): Child {
  const p = spawn(
    process.execPath,
    ['--import', 'tsx', 'test/lab/lab-child.ts', mode, LAB, String(SUBNET)],
    { cwd: repo, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const up = new Promise<void>((res, rej) => {
    p.stdout.setEncoding('utf8').on('data', (d: string) => d.includes('UP') && res());
    p.once('exit', () => rej(new Error('child exited before UP')));
  });
  up.catch(() => undefined);
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) =>
    p.once('exit', (code, signal) => res({ code, signal })),
  );
  return { pid: p.pid!, up, exit };
}

async function waitUntil(check: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 20));
  }
}

integration(['root', 'frr', 'vtysh', 'ip', 'nft'])('netns lab: cleanup on every exit path', () => {
  serialLabFile();

  afterAll(async () => {
    await labDown(LAB, { force: true });
  });

  it('a daemon that fails to start fails `up` with its log tail and leaves nothing', async () => {
    const bin = mkdtempSync(join(tmpdir(), 'ssim-frr-'));
    try {
      for (const d of ['zebra', 'bgpd', 'bfdd']) symlinkSync(`/usr/lib/frr/${d}`, join(bin, d));
      symlinkSync('/bin/false', join(bin, 'staticd')); // exits 1: a daemon that cannot start
      const topology = testLabTopology(LAB, { subnet: SUBNET });
      await expect(labUp(topology, { frrBinDir: bin })).rejects.toMatchObject({
        code: 'ERR_LAB_DAEMON_START_FAILED',
        daemon: 'staticd',
        router: 'r1',
      });
      expect(labLeftovers(LAB, RUN_ROOT)).toEqual([]);
      expect(existsSync(stateFilePath(LAB, RUN_ROOT))).toBe(false);
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
  }, 60_000);

  it('refuses segments that overlap a host route (ERR_LAB_PREFIX_CONFLICT)', async () => {
    // A host bridge of the test's own (no lab prefix, never-routed address) stands for a real network.
    await run(['ip', 'link', 'add', 'ssimt-icl0', 'type', 'bridge']);
    try {
      await run(['ip', 'addr', 'add', `198.18.${SUBNET}.200/24`, 'dev', 'ssimt-icl0']);
      await run(['ip', 'link', 'set', 'ssimt-icl0', 'up']);
      await expect(labUp(testLabTopology(LAB, { subnet: SUBNET }))).rejects.toMatchObject({
        code: 'ERR_LAB_PREFIX_CONFLICT',
      });
      expect(labLeftovers(LAB, RUN_ROOT)).toEqual([]);
    } finally {
      await run(['ip', 'link', 'del', 'ssimt-icl0'], { allowFailure: true });
    }
  }, 30_000);

  it('a crashed run leaves the lab; the next `up` cleans it first, `down` removes it', async () => {
    const c = child('crash');
    await c.up;
    expect((await c.exit).signal).toBe('SIGKILL');
    expect(labLeftovers(LAB, RUN_ROOT).length).toBeGreaterThan(0);
    const info = await labUp(testLabTopology(LAB, { subnet: SUBNET, twoRouters: true }));
    expect(info.routers).toHaveLength(2);
    expect((await labDown(LAB)).leftovers).toEqual([]);
    expect(labLeftovers(LAB, RUN_ROOT)).toEqual([]);
  }, 90_000);

  it('`down --force` sweeps a crashed run', async () => {
    const c = child('crash');
    await c.up;
    await c.exit;
    expect(labLeftovers(LAB, RUN_ROOT).length).toBeGreaterThan(0);
    rmSync(stateFilePath(LAB, RUN_ROOT)); // even without its state file
    const report = await labDown(LAB, { force: true });
    expect(report.namespaces.sort()).toEqual(['ssim-icl-r1', 'ssim-icl-r2']);
    expect(report.killed.length).toBeGreaterThanOrEqual(8);
    expect(labLeftovers(LAB, RUN_ROOT)).toEqual([]);
  }, 90_000);

  it('a lab that is up on purpose, or owned by a live process, is not replaced by accident', async () => {
    const t = testLabTopology(LAB, { subnet: SUBNET });
    await labUp(t); // persistent: a trainer's lab
    await expect(labUp(t)).rejects.toMatchObject({ code: 'ERR_LAB_ALREADY_UP' });
    expect((await labStatus(LAB)).state).toBe('up');
    await labUp(t, { replace: true });
    await labDown(LAB);
    const c = child('hold');
    await c.up;
    await expect(labUp(t)).rejects.toMatchObject({ code: 'ERR_LAB_BUSY' });
    process.kill(c.pid, 'SIGTERM');
    await c.exit;
    expect(labLeftovers(LAB, RUN_ROOT)).toEqual([]);
  }, 90_000);

  it('SIGTERM to a process holding the lab tears it down', async () => {
    const c = child('hold');
    await c.up;
    process.kill(c.pid, 'SIGTERM');
    expect((await c.exit).signal).toBe('SIGTERM');
    expect(labLeftovers(LAB, RUN_ROOT)).toEqual([]);
  }, 90_000);

  it('SIGINT half way through `up` leaves nothing', async () => {
    const c = child('interrupt');
    // The state file is written before the first namespace or link is made.
    await waitUntil(() => existsSync(stateFilePath(LAB, RUN_ROOT)), 30_000);
    await new Promise((r) => setTimeout(r, 150));
    process.kill(c.pid, 'SIGINT');
    const exit = await c.exit;
    expect(exit.signal).toBe('SIGINT');
    expect(labLeftovers(LAB, RUN_ROOT)).toEqual([]);
  }, 90_000);
});
