import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { junitXml } from '../../src/scenario/report/junit.js';
import { stepOutcomes } from '../../src/scenario/report/model.js';
import { sampleRun } from './sample-run.js';
import { findAll, parseXml } from './tiny-xml.js';

const XSD = resolve(import.meta.dirname, 'fixtures/junit.xsd');
const dir = mkdtempSync(join(tmpdir(), 'speakersim-junit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** xmllint --schema (Debian libxml2-utils, installed by .ci/run): '' when valid, else why. */
function schemaProblems(xml: string): string {
  const file = join(dir, `${Math.random().toString(36).slice(2)}.xml`);
  writeFileSync(file, xml);
  try {
    execFileSync('xmllint', ['--noout', '--schema', XSD, file], { stdio: 'pipe' });
    return '';
  } catch (e) {
    return String((e as { stderr?: Buffer }).stderr ?? e);
  }
}

const xmllint = existsSync('/usr/bin/xmllint');
if (!xmllint && process.env['SPEAKERSIM_REQUIRE_INTEGRATION'] === '1')
  throw new Error('xmllint missing: .ci/run installs libxml2-utils');

/** A run with wall timing, step positions, a failure and a skipped step. */
function timedRun() {
  const run = sampleRun();
  run.steps = run.steps!.map((s) => ({
    ...s,
    at: `scenarios/bfd-down-recovery.yaml:${20 + s.index * 4}:5`,
  }));
  run.wall = {
    startedAt: '2026-12-03T08:00:00.250Z',
    ms: 4321,
    steps: { 0: 12, 1: 250, 2: 900, 3: 3000 },
  };
  return run;
}

describe('JUnit tells the truth', () => {
  it('a lab that cannot start is an <error> with its message, not a suite of skips', () => {
    const run = sampleRun();
    run.events = [];
    run.setupError = 'ERR_LAB_ADDRESS: cannot add 198.18.0.1/24: permission denied';
    run.wall = { startedAt: '2026-12-03T08:00:00.000Z', ms: 40, steps: {} };
    const xml = junitXml([run]);
    const root = parseXml(xml);
    expect(root.attrs).toMatchObject({ tests: '6', failures: '0', errors: '1' });
    const suite = findAll(root, 'testsuite')[0]!;
    expect(suite.attrs).toMatchObject({ tests: '6', errors: '1', failures: '0', skipped: '5' });
    const error = findAll(suite, 'error');
    expect(error.length).toBe(1);
    expect(error[0]!.attrs['type']).toBe('ERR_LAB_ADDRESS');
    expect(error[0]!.attrs['message']).toContain('permission denied');
    expect(findAll(suite, 'testcase')[0]!.attrs['name']).toBe('setup');
    if (xmllint) expect(schemaProblems(xml)).toBe('');
  });

  it('failure@message has expected vs actual and file:line:col; file and line attributes', () => {
    const root = parseXml(junitXml([timedRun()]));
    const failed = findAll(root, 'testcase')[3]!;
    expect(failed.attrs['file']).toBe('scenarios/bfd-down-recovery.yaml');
    expect(failed.attrs['line']).toBe('32');
    const msg = findAll(failed, 'failure')[0]!.attrs['message']!;
    expect(msg).toContain('expected r1 lacks 192.168.122.210/32 & nothing <else>');
    expect(msg).toContain("actual route present via 198.18.0.101 (it's still there)");
    expect(msg.endsWith('(scenarios/bfd-down-recovery.yaml:32:5)')).toBe(true);
  });

  it('time and timestamp are wall clock; the virtual time is a property', () => {
    const root = parseXml(junitXml([timedRun()]));
    const suite = findAll(root, 'testsuite')[0]!;
    expect(suite.attrs['time']).toBe('4.321');
    expect(suite.attrs['timestamp']).toBe('2026-12-03T08:00:00.250Z');
    expect(root.attrs['time']).toBe('4.321');
    const props = Object.fromEntries(
      findAll(suite, 'property').map((p) => [p.attrs['name'], p.attrs['value']]),
    );
    expect(props['scenario-time']).toBe('32.100');
    expect(props['clock']).toBe('virtual');
    expect(findAll(root, 'testcase').map((c) => c.attrs['time'])).toEqual([
      '0.012',
      '0.250',
      '0.900',
      '3.000',
      '0.000',
    ]);
  });

  it('a scenario not run is one skipped testcase with the reason', () => {
    const run = sampleRun();
    run.events = [];
    run.skipReason = "address 192.168.1.1 of 'r1' is outside 198.18.0.0/15";
    const xml = junitXml([run, timedRun()]);
    const suites = findAll(parseXml(xml), 'testsuite');
    expect(suites[0]!.attrs).toMatchObject({ tests: '1', skipped: '1', errors: '0' });
    expect(findAll(suites[0]!, 'skipped')[0]!.attrs['message']).toContain('192.168.1.1');
    if (xmllint) expect(schemaProblems(xml)).toBe('');
  });

  it.skipIf(!xmllint)('validates against the Jenkins/GitLab JUnit schema', () => {
    expect(schemaProblems(junitXml([timedRun(), sampleRun()]))).toBe('');
    // The check can fail: a testcase without a name is rejected.
    expect(
      schemaProblems(
        '<testsuites><testsuite name="x" tests="1"><testcase/></testsuite></testsuites>',
      ),
    ).not.toBe('');
  });

  it('steps keep their position for the reports', () => {
    expect(stepOutcomes(timedRun())[1]!.at).toBe('scenarios/bfd-down-recovery.yaml:24:5');
  });
});
