import { spawnSync } from 'node:child_process';
import { chownSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LabRegistry, tokenMatches, type LabRecord } from '../../src/lab/registry.js';

const dirs: string[] = [];
function registry(): LabRegistry {
  const base = mkdtempSync(join(tmpdir(), 'ssim-registry-'));
  dirs.push(base);
  return new LabRegistry(join(base, 'labs'));
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const rec = (name: string, pid = process.pid): LabRecord => ({
  name,
  pid,
  backend: 'builtin',
  scenario: 's.yaml',
});
/** A pid that certainly belongs to no live process: a child that has exited. */
const deadPid = (): number => spawnSync('true').pid!;

describe('lab registry', () => {
  it('claims a lab with a private record and a 0600 token in a 0700 directory', () => {
    const r = registry();
    const token = r.claim(rec('a'));
    expect(token).toMatch(/^[0-9a-f]{64}$/);
    expect(r.token('a')).toBe(token);
    expect(statSync(r.dir).mode & 0o777).toBe(0o700);
    expect(statSync(r.tokenPath('a')).mode & 0o777).toBe(0o600);
    expect(statSync(join(r.dir, 'a.json')).mode & 0o777).toBe(0o600);
  });

  it('refuses a second claim while the owner lives, and takes over a dead owner’s record', () => {
    const r = registry();
    r.claim(rec('a', process.ppid));
    expect(() => r.claim(rec('a'))).toThrow(
      expect.objectContaining({ code: 'ERR_LAB_ALREADY_UP' }),
    );
    const r2 = registry();
    r2.claim(rec('b', deadPid()));
    expect(() => r2.claim(rec('b'))).not.toThrow();
    expect(r2.read('b')?.pid).toBe(process.pid);
  });

  it('resolves the only running lab, refuses ambiguity, and ignores dead ones', () => {
    const r = registry();
    expect(() => r.resolve()).toThrow(expect.objectContaining({ code: 'ERR_LAB_NOT_FOUND' }));
    r.claim(rec('a'));
    r.claim(rec('gone', deadPid()));
    expect(r.resolve().name).toBe('a');
    r.claim(rec('b', process.ppid));
    expect(() => r.resolve()).toThrow(
      expect.objectContaining({ code: 'ERR_LAB_AMBIGUOUS', names: ['a', 'b'] }),
    );
    expect(r.resolve('b').name).toBe('b');
    expect(() => r.resolve('gone')).toThrow(expect.objectContaining({ code: 'ERR_LAB_NOT_FOUND' }));
  });

  it('refuses a run directory that belongs to another user', () => {
    if (process.getuid?.() !== 0) return; // Only root can hand a directory to someone else.
    const r = registry();
    r.ensureDir();
    chownSync(r.dir, 65534, 65534);
    expect(() => r.claim(rec('a'))).toThrow(
      expect.objectContaining({ code: 'ERR_LAB_RUN_DIR_UNSAFE' }),
    );
  });

  it('tightens a directory others could read', () => {
    const r = registry();
    r.ensureDir();
    spawnSync('chmod', ['0755', r.dir]);
    r.claim(rec('a'));
    expect(statSync(r.dir).mode & 0o777).toBe(0o700);
  });

  it('reads the token from SPEAKERSIM_LAB_TOKEN before the file, never from argv', () => {
    const r = registry();
    r.claim(rec('a'));
    writeFileSync(r.tokenPath('a'), 'file-token\n');
    expect(r.token('a')).toBe('file-token');
    process.env.SPEAKERSIM_LAB_TOKEN = 'env-token';
    try {
      expect(r.token('a')).toBe('env-token');
    } finally {
      delete process.env.SPEAKERSIM_LAB_TOKEN;
    }
  });

  it('accepts only the exact bearer token', () => {
    expect(tokenMatches('Bearer abc', 'abc')).toBe(true);
    for (const h of [undefined, '', 'abc', 'Bearer abcd', 'Bearer ab', 'bearer abc', 'Basic abc']) {
      expect(tokenMatches(h, 'abc')).toBe(false);
    }
  });

  it('locked: one holder at a time, a dead holder is taken over, a live one times out', async () => {
    const r = registry();
    const order: string[] = [];
    const slow = r.locked(async () => {
      order.push('a in');
      await new Promise((res) => setTimeout(res, 100));
      order.push('a out');
    });
    const fast = r.locked(() => {
      order.push('b');
    });
    await Promise.all([slow, fast]);
    expect(order).toEqual(['a in', 'a out', 'b']);
    expect(readdirSync(r.dir)).toEqual([]);
    writeFileSync(join(r.dir, '.lock'), String(deadPid()));
    expect(await r.locked(() => 'taken over')).toBe('taken over');
    writeFileSync(join(r.dir, '.lock'), String(process.ppid));
    await expect(r.locked(() => 'never', 200)).rejects.toMatchObject({
      code: 'ERR_LAB_REGISTRY_BUSY',
    });
  });
});
