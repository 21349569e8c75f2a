import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { labUpCommand } from '../../src/cli/lab.js';
import { capture } from './capture.js';
import { LabRegistry, type LabRecord } from '../../src/lab/registry.js';

// `lab up` refusals: each returns 1 with its code before any lab exists, and leaves the
// registry (and so every other lab) as it was. test/integration/twin-labs.test.ts runs the
// labs themselves.
const root = resolve(import.meta.dirname, '../..');
const contract = join(root, 'test/lab/contract/two-nodes.yaml');
const dir = mkdtempSync(join(tmpdir(), 'speakersim-lab-up-'));
const prior = process.env.SPEAKERSIM_LAB_DIR;
process.env.SPEAKERSIM_LAB_DIR = join(dir, 'labs');
afterAll(() => {
  if (prior === undefined) delete process.env.SPEAKERSIM_LAB_DIR;
  else process.env.SPEAKERSIM_LAB_DIR = prior;
  rmSync(dir, { recursive: true, force: true });
});
const registry = new LabRegistry(join(dir, 'labs'));
beforeEach(() => rmSync(registry.dir, { recursive: true, force: true }));

/** Another lab, owned by a live process (our parent), holding `blocks`. */
function otherLab(name: string, blocks: string[]): LabRecord {
  const r: LabRecord = { name, pid: process.ppid, backend: 'netns', scenario: 'x.yaml', blocks };
  registry.claim(r);
  return r;
}

const files = () => readdirSync(registry.dir).sort();

describe('speakersim lab up refuses', () => {
  it('addresses outside the never-routed ranges on a real backend, as run does', async () => {
    const file = join(dir, 'outside.yaml');
    writeFileSync(
      file,
      readFileSync(contract, 'utf8').replace('ipv4: 198.18.0.1/24', 'ipv4: 10.0.0.1/24'),
    );
    const out = capture();
    expect(await labUpCommand(file, { backend: 'netns' }, out)).toBe(1);
    expect(out.lines.join('\n')).toContain('ERR_SCENARIO_ADDRESS_NOT_ALLOWED');
  });

  it('a name that is not a lab name', async () => {
    const out = capture();
    expect(await labUpCommand(contract, { name: 'Two_Words' }, out)).toBe(1);
    expect(out.lines[0]).toMatch(/^ERR_LAB_TOPOLOGY_INVALID: --name/);
  });

  it('a second lab up of a running lab', async () => {
    const other = otherLab('twin', []);
    const out = capture();
    expect(await labUpCommand(contract, { name: 'twin', backend: 'netns' }, out)).toBe(1);
    expect(out.lines[0]).toMatch(/^ERR_LAB_ALREADY_UP/);
    expect(registry.read('twin')).toEqual(other);
  });

  it('--no-relocate on addresses another lab holds, leaving that lab alone', async () => {
    const other = otherLab('first', ['198.18.0.0/24']);
    const before = files();
    const out = capture();
    const code = await labUpCommand(
      contract,
      { name: 'second', backend: 'netns', relocate: false },
      out,
    );
    expect(code).toBe(1);
    expect(out.lines[0]).toMatch(
      /^ERR_LAB_ADDRESSES_IN_USE: .*198\.18\.0\.0\/24 overlaps 198\.18\.0\.0\/24/,
    );
    expect(files()).toEqual(before);
    expect(registry.read('first')).toEqual(other);
  });

  it('a relocation with no free block left (ERR_LAB_NO_FREE_BLOCK)', async () => {
    otherLab('all', ['198.18.0.0/15', '2001:db8::/32']);
    const before = files();
    const out = capture();
    expect(await labUpCommand(contract, { name: 'more', backend: 'compose' }, out)).toBe(1);
    expect(out.lines[0]).toMatch(/^ERR_LAB_NO_FREE_BLOCK/);
    expect(files()).toEqual(before);
  });
});
