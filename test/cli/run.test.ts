import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pcapPaths, progressView, runCommand } from '../../src/cli/run.js';
import { parseScenario } from '../../src/scenario/load.js';
import { capture } from './capture.js';
import { LabPrerequisiteError } from '../../src/lab/errors.js';
import { findAll, parseXml } from '../scenario/tiny-xml.js';

const root = resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'speakersim-run-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

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
    // A compose lab with no Docker engine behind DOCKER_HOST cannot start, on any machine.
    const dockerHost = process.env['DOCKER_HOST'];
    process.env['DOCKER_HOST'] = `unix://${join(dir, 'no-such-docker.sock')}`;
    let code: number;
    try {
      code = await runCommand(
        { files: [join(root, 'scenarios/bfd-down-recovery.yaml')], backend: 'compose', junit },
        out,
      );
    } finally {
      if (dockerHost === undefined) delete process.env['DOCKER_HOST'];
      else process.env['DOCKER_HOST'] = dockerHost;
    }
    expect(code).toBe(1);
    const xml = parseXml(readFileSync(junit, 'utf8'));
    expect(xml.attrs['errors']).toBe('1');
    const error = findAll(xml, 'error')[0]!;
    expect(error.attrs['type']).toBe(new LabPrerequisiteError('').code);
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

const tshark = spawnSync('tshark', ['--version']).status === 0;
if (!tshark && process.env['SPEAKERSIM_REQUIRE_INTEGRATION'] === '1')
  throw new Error('tshark missing: .ci/run installs it');

/** tshark's expert-info warnings and errors in a capture (retransmissions, out of order...). */
function tsharkWarnings(file: string): number {
  const text = execFileSync('tshark', ['-r', file, '-q', '-z', 'expert,warn'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  return [...text.matchAll(/^(?:Warns|Errors) \((\d+)\)/gm)].reduce((a, m) => a + Number(m[1]), 0);
}

describe('run --pcap', () => {
  it('names one file per scenario', () => {
    expect(pcapPaths('out/run.pcap', ['a'])).toEqual(['out/run.pcap']);
    expect(pcapPaths('out/run.pcap', ['a', 'b', 'a'])).toEqual([
      'out/run.a.pcap',
      'out/run.b.pcap',
      'out/run.a-2.pcap',
    ]);
    expect(pcapPaths('caps/', ['a', 'b'])).toEqual(['caps/a.pcap', 'caps/b.pcap']);
    expect(pcapPaths(dir, ['a'])).toEqual([join(dir, 'a.pcap')]);
  });

  it.skipIf(!tshark)(
    'writes one capture per scenario, each with 0 tshark warnings',
    async () => {
      const names = ['bfd-down-recovery', 'hold-timer-expiry', 'ipv6-service'];
      const out = capture();
      const code = await runCommand(
        {
          files: names.map((n) => join(root, `scenarios/${n}.yaml`)),
          pcap: join(dir, 'caps', 'run.pcap'),
        },
        out,
      );
      expect(code).toBe(0);
      // The folder did not exist: run creates it.
      const files = names.map((n) => join(dir, 'caps', `run.${n}.pcap`));
      expect(files.map(tsharkWarnings)).toEqual([0, 0, 0]);
      // What one combined file did: the scenarios share start time and addresses, and tshark
      // takes them for one stream (so the check above can fail).
      const bytes = files.map((f) => readFileSync(f));
      const combined = join(dir, 'combined.pcap');
      writeFileSync(
        combined,
        Buffer.concat([bytes[0]!, ...bytes.slice(1).map((b) => b.subarray(24))]),
      );
      expect(tsharkWarnings(combined)).toBeGreaterThan(0);
    },
    120_000,
  );
});

describe('progress view', () => {
  it('shows how long a real-time wait may still take, not for virtual time', () => {
    const parsed = parseScenario(realOnly.replace('10ms', '30s'), join(dir, 'p.yaml'));
    if (!parsed.ok) throw new Error('scenario');
    const statuses: string[] = [];
    const out = { ...capture(), status: (s: string) => statuses.push(s) };
    let now = 1_000_000;
    const view = progressView(out, parsed.scenario, 'real', () => now);
    const stamp = { t: 0, wall: '' };
    view.onEvent({ ...stamp, kind: 'step-start', step: 0, name: 'pause', keyword: 'sleep' });
    now += 12_400;
    view.onEvent({
      ...stamp,
      kind: 'bgp-transition',
      node: 'w',
      peer: 'p',
      from: 'Idle',
      to: 'Active',
    });
    view.stop();
    expect(statuses).toEqual([
      '  step 1: pause (30s left)',
      '  step 1: pause (18s left)  [w>p Active]',
    ]);
    const virtual: string[] = [];
    const v = progressView(
      { ...capture(), status: (s) => virtual.push(s) },
      parsed.scenario,
      'virtual',
    );
    v.onEvent({ ...stamp, kind: 'step-start', step: 0, name: 'pause', keyword: 'sleep' });
    v.stop();
    expect(virtual).toEqual(['  step 1: pause']);
  });
});
