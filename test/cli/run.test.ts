import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCommand } from '../../src/cli/run.js';
import type { Output } from '../../src/cli/output.js';
import { findAll, parseXml } from '../scenario/tiny-xml.js';

const root = resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'speakersim-run-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function capture(): Output & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    line: (t) => lines.push(t),
    error: (t) => lines.push(t),
    status: () => undefined,
  };
}

// A valid scenario that only runs on a real clock: with --clock virtual it cannot run.
const realOnly = `name: real-only
clock: real
topology:
  nodes: [{name: worker0}]
steps:
  - sleep: 10ms
`;

describe('speakersim run', () => {
  it('skips a file that cannot run with these settings, with its reason, and runs the rest', async () => {
    const file = join(dir, 'real-only.yaml');
    writeFileSync(file, realOnly);
    const junit = join(dir, 'skip.xml');
    const out = capture();
    const code = await runCommand(
      {
        files: [file, join(root, 'scenarios/hold-timer-expiry.yaml')],
        clock: 'virtual',
        junit,
      },
      out,
    );
    expect(code).toBe(0);
    expect(out.lines.some((l) => l.startsWith('SKIP real-only') && l.includes('sleep'))).toBe(true);
    expect(out.lines.at(-1)).toBe('\n1 passed, 0 failed, 1 skipped');
    const suites = findAll(parseXml(readFileSync(junit, 'utf8')), 'testsuite');
    expect(suites.map((s) => [s.attrs['name'], s.attrs['skipped']])).toEqual([
      ['real-only', '1'],
      ['hold-timer-expiry', '0'],
    ]);
    expect(findAll(suites[0]!, 'skipped')[0]!.attrs['message']).toContain('sleep');
    // `file` is relative to the working directory.
    expect(suites[1]!.attrs['file']).toBe('scenarios/hold-timer-expiry.yaml');
  }, 60_000);

  it('a lab that cannot start is a JUnit <error> and exit code 1', async () => {
    const junit = join(dir, 'setup.xml');
    const out = capture();
    const code = await runCommand(
      { files: [join(root, 'scenarios/bfd-down-recovery.yaml')], backend: 'compose', junit },
      out,
    );
    expect(code).toBe(1);
    const xml = parseXml(readFileSync(junit, 'utf8'));
    expect(xml.attrs['errors']).toBe('1');
    const error = findAll(xml, 'error')[0]!;
    expect(error.attrs['type']).toBe('ERR_BACKEND_COMPOSE');
  }, 60_000);

  it('--backend netns skips a scenario with out-of-range addresses (exit 1: nothing ran)', async () => {
    const out = capture();
    const code = await runCommand(
      { files: [join(root, 'scenarios/seed-servicebgpstatus.yaml')], backend: 'netns' },
      out,
    );
    expect(code).toBe(1);
    expect(out.lines[0]).toMatch(/^SKIP seed-servicebgpstatus .*192\.168\.1\.1.*198\.18\.0\.0\/15/);
  });
});
