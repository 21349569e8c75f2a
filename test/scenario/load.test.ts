import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ScenarioErrorCode } from '../../src/scenario/errors.js';
import {
  checkRunSettings,
  loadScenario,
  parseScenario,
  validateScenarioFiles,
} from '../../src/scenario/load.js';
import type { ScenarioError } from '../../src/scenario/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'speakersim-scenario-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A valid scenario head (lines 1-7); tests append steps from line 8 on. */
const HEAD = `name: t
topology:
  routers:
    - {name: r1, asn: 64500}
  nodes:
    - name: worker0
steps:
`;

function errorsOf(text: string, file = join(dir, 'case.yaml')): ScenarioError[] {
  const r = parseScenario(text, file);
  if (r.ok) throw new Error('expected the scenario to be rejected');
  return r.errors;
}

/** [code, line, col] of each error: the contract users (and editors) rely on. */
function where(errors: ScenarioError[]): [string, number, number][] {
  return errors.map((e) => [e.code, e.line, e.col]);
}

describe('scenario loader: each malformed file gives the exact file:line:col', () => {
  it('YAML syntax error', () => {
    const errors = errorsOf(`${HEAD}  - advance: [1s\n  - sleep: 2s\n`);
    expect(errors[0]!.code).toBe(ScenarioErrorCode.YamlSyntax);
    expect([errors[0]!.line, errors[0]!.col]).toEqual([9, 3]);
    expect(errors[0]!.message.startsWith(`${join(dir, 'case.yaml')}:9:3: `)).toBe(true);
  });

  it('unknown step kind points at the key', () => {
    expect(where(errorsOf(`${HEAD}  - advance: 1s\n  - reboot: {router: r1}\n`))).toEqual([
      [ScenarioErrorCode.UnknownStep, 9, 5],
    ]);
  });

  it('a misspelt key, value or name carries the close known one', () => {
    const errors = errorsOf(
      `${HEAD}  - aply: {file: x.yaml}\n  - drop: {protocol: bfd, ruoter: r1}\n  - killDaemon: {router: r1, daemon: bgdp}\n`,
    );
    expect(errors.map((e) => [e.code, e.subject, e.suggestion])).toEqual([
      [ScenarioErrorCode.UnknownStep, 'aply', 'apply'],
      [ScenarioErrorCode.MissingField, 'router', undefined],
      [ScenarioErrorCode.UnknownProperty, 'ruoter', 'router'],
      [ScenarioErrorCode.BadValue, 'bgdp', 'bgpd'],
    ]);
    const refs = errorsOf(`${HEAD}  - linkDown: {router: r2}\n  - stopNode: wroker0\n`);
    expect(refs.map((e) => [e.code, e.subject, e.suggestion])).toEqual([
      [ScenarioErrorCode.UnknownReference, 'r2', 'r1'],
      [ScenarioErrorCode.UnknownReference, 'wroker0', 'worker0'],
    ]);
  });

  it('wrong type for a duration', () => {
    expect(where(errorsOf(`${HEAD}  - advance: true\n`))).toEqual([
      [ScenarioErrorCode.WrongType, 8, 14],
    ]);
  });

  it('missing required field points at the closest existing node', () => {
    const text = `${HEAD}  - expect:\n      sessions:\n        node: worker0\n        sequence: [Established]\n`;
    const errors = errorsOf(text);
    expect(where(errors)).toEqual([[ScenarioErrorCode.MissingField, 10, 9]]);
    expect(errors[0]!.subject).toBe('peer');
  });

  it('unknown property points at the key', () => {
    expect(where(errorsOf(`${HEAD}  - linkDown: {router: r1, nodes: worker0}\n`))).toEqual([
      [ScenarioErrorCode.UnknownProperty, 8, 28],
    ]);
  });

  it('bad duration', () => {
    expect(
      where(
        errorsOf(`${HEAD}  - expect:\n      metric: {name: m, value: 1}\n      timeout: 3 s\n`),
      ),
    ).toEqual([[ScenarioErrorCode.BadDuration, 10, 16]]);
  });

  it('missing resource file points at the file: value', () => {
    expect(
      where(errorsOf(`${HEAD}  - advance: 1s\n  - apply:\n      file: nope/pool.yaml\n`)),
    ).toEqual([[ScenarioErrorCode.FileNotFound, 10, 13]]);
  });

  it('inline manifest without apiVersion', () => {
    expect(
      where(errorsOf(`${HEAD}  - apply: {kind: IPAddressPool, metadata: {name: p}}\n`)),
    ).toEqual([[ScenarioErrorCode.BadManifest, 8, 12]]);
  });

  it('a manifest file without kind is reported inside that file', () => {
    writeFileSync(
      join(dir, 'two.yaml'),
      'apiVersion: v1\nkind: Namespace\nmetadata: {name: n}\n---\napiVersion: v1\nmetadata: {}\n',
    );
    const errors = errorsOf(`${HEAD}  - apply: {file: two.yaml}\n`);
    expect(where(errors)).toEqual([[ScenarioErrorCode.BadManifest, 5, 1]]);
    expect(errors[0]!.file).toBe(join(dir, 'two.yaml'));
  });

  it('a step with two actions, and one with none', () => {
    expect(
      where(errorsOf(`${HEAD}  - advance: 1s\n    apply: {file: x.yaml}\n  - name: only a name\n`)),
    ).toEqual([
      [ScenarioErrorCode.MultipleActions, 9, 5],
      [ScenarioErrorCode.MissingAction, 10, 5],
    ]);
  });

  it('bad enum value and unknown notification name', () => {
    expect(where(errorsOf(`${HEAD}  - killDaemon: {router: r1, daemon: ospfd}\n`))).toEqual([
      [ScenarioErrorCode.BadValue, 8, 38],
    ]);
    const n = `${HEAD}  - expect: {notification: {node: worker0, peer: r1, direction: sent, name: cease/bogus}}\n`;
    expect(where(errorsOf(n))).toEqual([[ScenarioErrorCode.BadValue, 8, 77]]);
  });

  it('forge: one of bfd or bgp, hex octets, and no Capabilities parameter (type 2)', () => {
    const both = errorsOf(
      `${HEAD}  - forge: {router: r1, node: worker0, bfd: {ttl: 64}, bgp: {openParameter: {type: 9}}}\n`,
    );
    expect(both.length).toBeGreaterThan(0);
    const bad = errorsOf(
      `${HEAD}  - forge: {router: r1, node: worker0, bgp: {openParameter: {type: 2, value: 'xyz'}}}\n  - forge: {router: r1, node: worker0, bfd: {ttl: 0}}\n`,
    );
    expect(bad.map((e) => e.code)).toEqual([
      ScenarioErrorCode.BadValue,
      ScenarioErrorCode.BadValue,
      ScenarioErrorCode.BadValue,
    ]);
    expect(where(errorsOf(`${HEAD}  - forge: {router: r9, node: worker0, bfd: {}}\n`))).toEqual([
      [ScenarioErrorCode.UnknownReference, 8, 21],
    ]);
  });

  it('references to undefined routers and nodes', () => {
    expect(where(errorsOf(`${HEAD}  - linkDown: {router: r9}\n  - stopNode: worker7\n`))).toEqual([
      [ScenarioErrorCode.UnknownReference, 8, 24],
      [ScenarioErrorCode.UnknownReference, 9, 15],
    ]);
  });

  it('clock and backend must agree; sleep needs real time; advance works on both', () => {
    const text = `name: t\nbackend: netns\nclock: virtual\ntopology: {nodes: [{name: w}]}\nsteps:\n  - sleep: 1s\n`;
    expect(where(errorsOf(text))).toEqual([
      [ScenarioErrorCode.ClockMismatch, 3, 8],
      [ScenarioErrorCode.ClockMismatch, 6, 12],
    ]);
    const real = `name: t\nbackend: netns\ntopology: {nodes: [{name: w}]}\nsteps:\n  - advance: 1s\n`;
    expect(parseScenario(real, join(dir, 'case.yaml')).ok).toBe(true);
  });

  it('netns refuses addresses outside the never-routed ranges; builtin keeps them', () => {
    const text = (backend: string) =>
      `name: t\nbackend: ${backend}\nclock: real\ntopology:\n  routers:\n    - {name: r1, asn: 1, addresses: {ipv4: 192.168.1.1/24}}\n  nodes: [{name: w}]\nsteps: []\n`;
    expect(where(errorsOf(text('netns')))).toEqual([[ScenarioErrorCode.AddressNotAllowed, 6, 7]]);
    expect(parseScenario(text('builtin'), join(dir, 'b.yaml')).ok).toBe(true);
  });

  it('duplicate names', () => {
    const text = `name: t\ntopology:\n  routers: [{name: a, asn: 1}]\n  nodes: [{name: a}]\nsteps: []\n`;
    expect(where(errorsOf(text))).toEqual([[ScenarioErrorCode.Duplicate, 4, 18]]);
  });

  it('a file that is not there is one error at 1:1', async () => {
    const [v] = await validateScenarioFiles([join(dir, 'absent.yaml')]);
    expect(where(v!.errors)).toEqual([[ScenarioErrorCode.ReadFailed, 1, 1]]);
  });

  it('never throws on hostile input', () => {
    for (const text of ['', '---\n---\n', '- 1\n', 'a: &a [*a]\n', '{', 'name: [', '\t\u0000']) {
      expect(() => parseScenario(text, 'x.yaml')).not.toThrow();
      expect(parseScenario(text, 'x.yaml').ok).toBe(false);
    }
  });
});

describe('scenario loader: normalization', () => {
  it('turns durations into ms, resolves router names and fills defaults', async () => {
    writeFileSync(
      join(dir, 'pool.yaml'),
      'apiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nmetadata: {name: p, namespace: metallb-system}\nspec: {addresses: [198.18.100.0/24]}\n',
    );
    const file = join(dir, 'good.yaml');
    writeFileSync(
      file,
      `${HEAD}  - apply: {file: pool.yaml}\n  - advance: 1m30s\n  - expect:\n      sessions: {node: worker0, peer: r1, sequence: [Active, Established, BFD Down, {bgp: Established, bfd: Up}]}\n      timeout: 2m\n  - wait: {notification: {node: worker0, peer: r1, direction: received, name: cease/bfd-down}}\n`,
    );
    const s = await loadScenario(file);
    expect(s.clock).toBe('virtual');
    expect(s.backend).toBe('builtin');
    expect(s.topology.routers[0]!.addresses.ipv4).toEqual({
      address: '198.18.0.1',
      prefixLength: 24,
    });
    expect(s.topology.nodes[0]!.addresses.ipv4!.address).toBe('198.18.0.101');
    expect(s.steps.map((x) => x.keyword)).toEqual(['apply', 'advance', 'expect', 'wait']);
    const apply = s.steps[0]!.action;
    expect(apply.kind === 'apply' && apply.resources.file).toBe(join(dir, 'pool.yaml'));
    expect(s.steps[1]!.action).toEqual({ kind: 'advance', ms: 90_000 });
    const exp = s.steps[2]!.action;
    if (exp.kind !== 'expect' || exp.expectation.kind !== 'sessions') throw new Error('shape');
    expect(exp.timeoutMs).toBe(120_000);
    expect(exp.expectation.peer).toBe('198.18.0.1');
    expect(exp.expectation.sequence).toEqual([
      { bgp: 'Active' },
      { bgp: 'Established' },
      { bfd: 'Down' },
      { bgp: 'Established', bfd: 'Up' },
    ]);
    const wait = s.steps[3]!.action;
    if (wait.kind !== 'wait' || wait.expectation.kind !== 'notification') throw new Error('shape');
    // RFC 9384: Cease (6) subcode 10 is "BFD Down".
    expect([wait.expectation.code, wait.expectation.subcode]).toEqual([6, 10]);
    expect(wait.timeoutMs).toBe(30_000);
    expect(s.steps[3]!.at.line).toBe(13);
  });

  it('loadScenario throws a ScenarioLoadError carrying the list', async () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, `${HEAD}  - advance: soon\n`);
    await expect(loadScenario(file)).rejects.toMatchObject({
      code: 'ERR_SCENARIO_INVALID',
      errors: [{ code: ScenarioErrorCode.BadDuration, line: 8, col: 14 }],
    });
  });

  it('YAML merge keys work, and positions still resolve', () => {
    const text = `${HEAD}  - drop: &f {protocol: bfd, router: r1}\n  - restore: {<<: *f, direction: to-node}\n`;
    const r = parseScenario(text, join(dir, 'm.yaml'));
    if (!r.ok) throw new Error(r.errors.map((e) => e.message).join('\n'));
    expect(r.scenario.steps[1]!.action).toMatchObject({
      kind: 'packets',
      mode: 'restore',
      protocol: 'bfd',
      router: 'r1',
      direction: 'to-node',
    });
  });

  it('checkRunSettings re-checks a CLI backend override', () => {
    const text = `name: t\ntopology:\n  routers: [{name: r1, asn: 1, addresses: {ipv4: 192.168.1.1/24}}]\n  nodes: [{name: w}]\nsteps:\n  - advance: 1s\n`;
    const r = parseScenario(text, join(dir, 'o.yaml'));
    if (!r.ok) throw new Error('expected a valid builtin scenario');
    expect(checkRunSettings(r.scenario, { backend: 'builtin' }).errors).toEqual([]);
    const netns = checkRunSettings(r.scenario, { backend: 'netns' });
    expect(netns.clock).toBe('real');
    expect(where(netns.errors)).toEqual([[ScenarioErrorCode.AddressNotAllowed, 3, 13]]);
  });
});
