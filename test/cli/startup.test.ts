import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { colourEnabled, createOutput, fitStatus, statusEnabled } from '../../src/cli/output.js';

const root = resolve(import.meta.dirname, '../..');

/**
 * The packages a source file loads before any of its code runs: its static, non-type imports
 * followed through the project's own files (dynamic `import()` is not followed: that is the
 * point of importing heavy modules lazily).
 */
function staticPackages(entry: string): Set<string> {
  const packages = new Set<string>();
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(
      /^import\s+(?!type\b)[^'"]*?from\s+'([^']+)'|^import\s+'([^']+)'/gm,
    )) {
      const spec = (m[1] ?? m[2])!;
      if (spec.startsWith('.')) visit(join(dirname(file), spec.replace(/\.js$/, '.ts')));
      else if (!spec.startsWith('node:') && !builtinModules.includes(spec)) packages.add(spec);
    }
  };
  visit(join(root, entry));
  return packages;
}

describe('CLI start-up', () => {
  it('--help loads only yargs before running (client-node, ajv, the runner are lazy)', () => {
    expect([...staticPackages('src/cli/main.ts')].sort()).toEqual(['yargs', 'yargs/helpers']);
  });

  it('inject loads the action registry and yaml, nothing of the runner', () => {
    const pkgs = staticPackages('src/cli/lab.ts');
    expect([...pkgs].sort()).toEqual(['ip-address', 'yaml']);
  });

  it('the static check sees heavy imports (so it can fail)', () => {
    expect(staticPackages('src/scenario/runner/session.ts').has('@kubernetes/client-node')).toBe(
      true,
    );
  });
});

describe('terminal conventions', () => {
  it('FORCE_COLOR wins, then NO_COLOR and TERM=dumb turn colour off, else a TTY has it', () => {
    expect(colourEnabled({}, true)).toBe(true);
    expect(colourEnabled({}, false)).toBe(false);
    expect(colourEnabled({ NO_COLOR: '1' }, true)).toBe(false);
    expect(colourEnabled({ NO_COLOR: '' }, true)).toBe(true);
    expect(colourEnabled({ TERM: 'dumb' }, true)).toBe(false);
    expect(colourEnabled({ FORCE_COLOR: '1' }, false)).toBe(true);
    expect(colourEnabled({ FORCE_COLOR: '1', NO_COLOR: '1' }, false)).toBe(true);
    expect(colourEnabled({ FORCE_COLOR: '0' }, true)).toBe(false);
    expect(colourEnabled({ FORCE_COLOR: 'false' }, true)).toBe(false);
  });

  it('status lines only on a TTY that is not dumb; zero width means unknown, not cut', () => {
    expect(statusEnabled({}, true)).toBe(true);
    expect(statusEnabled({ TERM: 'dumb' }, true)).toBe(false);
    expect(statusEnabled({}, false)).toBe(false);
    expect(fitStatus('x'.repeat(300), 0)).toBe('x'.repeat(300));
    expect(fitStatus('x'.repeat(300), undefined)).toBe('x'.repeat(300));
    expect(fitStatus('abcdefghijkl', 10)).toBe('abcdef...');
    expect(fitStatus('abcdefghijkl', 4)).toBe('abc');
    const written: string[] = [];
    const stream = { write: (s: string) => written.push(s), isTTY: true, columns: 0 };
    createOutput(stream, stream, { TERM: 'dumb' }).status('waiting');
    expect(written).toEqual([]);
    createOutput(stream, stream, {}).status('waiting');
    expect(written).toEqual(['waiting']);
  });
});

const bin = join(root, 'dist/cli/main.js');
describe.skipIf(!existsSync(bin))('the built CLI', () => {
  it('exits quietly with 0 when its output pipe is closed (EPIPE)', async () => {
    const child = spawn(
      process.execPath,
      [bin, 'validate', ...Array(40).fill('scenarios/bfd-down-recovery.yaml')],
      {
        cwd: root,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    child.stdout.destroy(); // like `| head -0`: the reader is gone before anything is written
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise<number | null>((r) => child.on('close', r));
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
  }, 30_000);
});
