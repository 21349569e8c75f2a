import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * `speakersim apiserver` takes its bearer token from a file (or SPEAKERSIM_API_TOKEN), never
 * from argv: any local user reads a process's arguments (`ps`, /proc/PID/cmdline).
 */
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

async function startApiServer(args: string[], env: NodeJS.ProcessEnv = {}) {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/cli/main.ts', 'apiserver', '--port', '0', ...args],
    { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } },
  );
  const line = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('apiserver did not start')), 30_000);
    createInterface({ input: child.stdout }).once('line', (l) => {
      clearTimeout(timer);
      resolve(l);
    });
  });
  return { child, url: (JSON.parse(line) as { url: string }).url };
}

async function statusOf(url: string, token?: string): Promise<number> {
  const res = await fetch(`${url}/api/v1/namespaces`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  await res.arrayBuffer();
  return res.status;
}

describe('apiserver bearer token', () => {
  it('--token-file: required on every request, and absent from the command line', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ssim-token-'));
    const file = path.join(dir, 'token');
    const token = 'c2VjcmV0LXRva2VuLWZvci10aGUtdGVzdA';
    fs.writeFileSync(file, `${token}\n`, { mode: 0o600 });
    const { child, url } = await startApiServer(['--token-file', file]);
    try {
      expect(await statusOf(url)).toBe(401);
      expect(await statusOf(url, 'wrong')).toBe(401);
      expect(await statusOf(url, token)).toBe(200);
      const cmdline = fs.readFileSync(`/proc/${child.pid}/cmdline`, 'utf8');
      expect(cmdline).toContain('--token-file');
      expect(cmdline).not.toContain(token);
    } finally {
      child.kill('SIGTERM');
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('SPEAKERSIM_API_TOKEN: the same, from the environment', async () => {
    const { child, url } = await startApiServer([], { SPEAKERSIM_API_TOKEN: 'from-env' });
    try {
      expect(await statusOf(url)).toBe(401);
      expect(await statusOf(url, 'from-env')).toBe(200);
    } finally {
      child.kill('SIGTERM');
    }
  }, 60_000);
});
