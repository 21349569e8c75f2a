import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ApiServer } from '../../src/k8s/api-server.js';
import { ownedTempDirs } from '../../src/k8s/temp-dir.js';

/**
 * The kubeconfig folder a server writes to /tmp (speakersim-kube-*) is gone after every way
 * out: close(), normal exit without close, an uncaught error, SIGINT, SIGTERM, and a signal
 * that another handler turns into a graceful shutdown. Each way out runs in a child process.
 */

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const CHILD = `
import { existsSync } from 'node:fs';
import { ApiServer } from './src/k8s/api-server.ts';
const mode = process.argv[process.argv.length - 1];
const server = await ApiServer.start({ crdDir: false });
if (mode === 'graceful') {
  process.once('SIGTERM', () => setTimeout(() => { console.log('graceful'); process.exit(0); }, 50));
}
// The child checks the file itself: in 'exit' mode it is gone before the parent could look.
console.log(JSON.stringify({ kubeconfig: server.kubeconfigPath, exists: existsSync(server.kubeconfigPath) }));
if (mode === 'exit') process.exit(0);
if (mode === 'throw') setTimeout(() => { throw new Error('boom'); }, 10);
setInterval(() => undefined, 1000);
`;

function startChild(args: string[]): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', ...args], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

async function firstLine(child: ChildProcess): Promise<string> {
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('child did not start')), 30_000);
    lines.once('line', (line) => {
      clearTimeout(timer);
      resolve(line);
    });
  });
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: string | null }> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null)
      resolve({ code: child.exitCode, signal: child.signalCode });
    else child.once('exit', (code, signal) => resolve({ code, signal }));
  });
}

describe('the kubeconfig temp folder', () => {
  it('close() removes it', async () => {
    const server = await ApiServer.start({ crdDir: false });
    const dir = path.dirname(server.kubeconfigPath);
    expect(path.basename(dir)).toMatch(/^speakersim-kube-/);
    expect(fs.existsSync(server.kubeconfigPath)).toBe(true);
    await server.close();
    expect(fs.existsSync(dir)).toBe(false);
    expect(ownedTempDirs()).not.toContain(dir);
  });

  it.each([
    ['exit', { code: 0, signal: null }],
    ['throw', { code: 1, signal: null }],
    ['SIGTERM', { code: null, signal: 'SIGTERM' }],
    ['SIGINT', { code: null, signal: 'SIGINT' }],
    ['graceful', { code: 0, signal: null }],
  ] as const)('is removed on %s', async (mode, expected) => {
    const child = startChild(['--input-type=module', '-e', CHILD, mode]);
    const { kubeconfig, exists } = JSON.parse(await firstLine(child)) as {
      kubeconfig: string;
      exists: boolean;
    };
    expect(exists).toBe(true);
    if (mode === 'SIGTERM' || mode === 'SIGINT' || mode === 'graceful')
      child.kill(mode === 'graceful' ? 'SIGTERM' : mode);
    expect(await exited(child)).toEqual(expected);
    expect(fs.existsSync(path.dirname(kubeconfig))).toBe(false);
  });

  /** `speakersim run` with its own temp folder (TMPDIR), so other processes' folders don't count. */
  function runCli(tmp: string): ChildProcess {
    return spawn(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', 'run', 'scenarios/bfd-down-recovery.yaml'],
      { cwd: repoRoot, stdio: 'ignore', env: { ...process.env, TMPDIR: tmp } },
    );
  }
  const kubeDirs = (tmp: string): string[] =>
    fs.readdirSync(tmp).filter((f) => f.startsWith('speakersim-kube-'));

  it('speakersim run leaves none, after a normal run and after SIGINT mid-run', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'speakersim-tmpdir-'));
    try {
      const done = runCli(tmp);
      expect(await exited(done)).toEqual({ code: 0, signal: null });
      expect(kubeDirs(tmp)).toEqual([]);
      const interrupted = runCli(tmp);
      // Interrupt once the run has made its folder.
      for (let i = 0; i < 600 && kubeDirs(tmp).length === 0; i++) {
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(kubeDirs(tmp)).toHaveLength(1);
      interrupted.kill('SIGINT');
      await exited(interrupted);
      expect(kubeDirs(tmp)).toEqual([]);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  }, 60_000);

  it('the apiserver command removes it on SIGTERM', async () => {
    const child = startChild(['src/k8s/main.ts', '--no-crds']);
    const ready = JSON.parse(await firstLine(child)) as { kubeconfig: string };
    expect(fs.existsSync(ready.kubeconfig)).toBe(true);
    child.kill('SIGTERM');
    await exited(child);
    expect(fs.existsSync(path.dirname(ready.kubeconfig))).toBe(false);
  });
});
