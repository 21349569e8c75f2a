import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ScenarioErrorCode, type ScenarioError } from '../../src/scenario/errors.js';
import { parseScenario, parseScenarioFile } from '../../src/scenario/load.js';
import { MAX_SCENARIO_FILE_BYTES, readRegularFile } from '../../src/scenario/read-file.js';

/**
 * Files a scenario names cannot hang the tool or read what they should not (issue 15): only
 * regular files, at most MAX_SCENARIO_FILE_BYTES, inside the scenario's folder unless
 * --allow-outside-files; YAML alias bombs and nameless manifests are errors with positions.
 */

const root = mkdtempSync(join(tmpdir(), 'speakersim-file-safety-'));
const dir = join(root, 'scenarios');
mkdirSync(join(dir, 'manifests'), { recursive: true });
afterAll(() => rmSync(root, { recursive: true, force: true }));

const POOL = `apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata: {name: p, namespace: metallb-system}
spec: {addresses: [198.18.0.0/24]}
`;
writeFileSync(join(dir, 'manifests', 'pool.yaml'), POOL);
writeFileSync(join(root, 'outside.yaml'), POOL);
symlinkSync(join(root, 'outside.yaml'), join(dir, 'manifests', 'link.yaml'));
execFileSync('mkfifo', [join(dir, 'manifests', 'fifo.yaml')]);

/** A valid scenario whose resources are one file (lines 1-7; the file: value at 7:11). */
const withFile = (name: string): string => `name: t
topology:
  routers:
    - {name: r1, asn: 64500}
  nodes:
    - name: worker0
resources: [{file: ${name}}]
steps:
  - advance: 1s
`;

function codesOf(text: string, options = {}): Array<[string, number, number]> {
  const r = parseScenario(text, join(dir, 'case.yaml'), options);
  if (r.ok) return [];
  return r.errors.map((e: ScenarioError) => [e.code, e.line, e.col]);
}

describe('files named by a scenario', () => {
  it('a regular file inside the folder is read', () => {
    expect(codesOf(withFile('manifests/pool.yaml'))).toEqual([]);
  });

  it.each([
    ['/dev/zero', 'a device'],
    ['manifests/fifo.yaml', 'a FIFO (would block forever)'],
    ['manifests', 'a folder'],
  ])('%s (%s) is refused at once', (name) => {
    const started = performance.now();
    const errors = codesOf(withFile(name), { allowOutsideFiles: true });
    expect(errors).toEqual([[ScenarioErrorCode.FileRefused, 7, 20]]);
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('paths outside the folder, directly or through a symlink, need allowOutsideFiles', () => {
    for (const name of ['../outside.yaml', join(root, 'outside.yaml'), 'manifests/link.yaml']) {
      expect(codesOf(withFile(name))).toEqual([[ScenarioErrorCode.FileRefused, 7, 20]]);
      expect(codesOf(withFile(name), { allowOutsideFiles: true })).toEqual([]);
    }
    expect(codesOf(withFile('../../../../../../etc/shadow'))).toEqual([
      [ScenarioErrorCode.FileRefused, 7, 20],
    ]);
  });

  it('a file over the size limit is refused without reading it all', () => {
    const big = join(dir, 'manifests', 'big.yaml');
    writeFileSync(big, POOL + `# ${'x'.repeat(MAX_SCENARIO_FILE_BYTES)}\n`);
    expect(codesOf(withFile('manifests/big.yaml'))).toEqual([
      [ScenarioErrorCode.FileRefused, 7, 20],
    ]);
    const read = readRegularFile(big, 100);
    expect(read.ok).toBe(false);
  });

  it('the scenario file itself must be a regular file of bounded size', async () => {
    for (const file of ['/dev/zero', join(dir, 'manifests', 'fifo.yaml'), join(dir, 'none.yaml')]) {
      const r = await parseScenarioFile(file);
      expect(r.ok ? [] : r.errors.map((e) => e.code)).toEqual([ScenarioErrorCode.ReadFailed]);
    }
  });
});

describe('YAML and manifests', () => {
  it('an alias bomb in the scenario is an error at the first alias', () => {
    const bomb = `name: x
a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]
d: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]
`;
    expect(codesOf(bomb)).toEqual([[ScenarioErrorCode.YamlSyntax, 3, 8]]);
  });

  it('an alias bomb in a manifest file is an error inside that file', () => {
    writeFileSync(
      join(dir, 'manifests', 'bomb.yaml'),
      `apiVersion: v1
kind: ConfigMap
metadata: {name: b}
a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]
d: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]
`,
    );
    const r = parseScenario(withFile('manifests/bomb.yaml'), join(dir, 'case.yaml'));
    expect(r.ok ? [] : r.errors.map((e) => [e.code, e.file, e.line, e.col])).toEqual([
      [ScenarioErrorCode.YamlSyntax, join(dir, 'manifests', 'bomb.yaml'), 5, 8],
    ]);
  });

  it('a manifest without metadata.name does not validate', () => {
    writeFileSync(join(dir, 'manifests', 'noname.yaml'), POOL.replace('name: p, ', ''));
    const r = parseScenario(withFile('manifests/noname.yaml'), join(dir, 'case.yaml'));
    expect(r.ok ? [] : r.errors.map((e) => [e.code, e.line, e.col])).toEqual([
      [ScenarioErrorCode.BadManifest, 1, 1],
    ]);
    const inline = `${withFile('manifests/pool.yaml')}  - apply: {apiVersion: v1, kind: ConfigMap, metadata: {namespace: x}}\n`;
    expect(codesOf(inline)).toEqual([[ScenarioErrorCode.BadManifest, 10, 12]]);
  });
});
