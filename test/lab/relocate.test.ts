import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  addressBlocks,
  chooseAddresses,
  describeRelocation,
  planRelocation,
  relocateText,
  relocateValue,
} from '../../src/lab/relocate.js';
import { checkRunSettings, loadScenario } from '../../src/scenario/load.js';
import { runScenario } from '../../src/scenario/runner/run.js';

const repo = resolve(import.meta.dirname, '../..');
const contract = join(repo, 'test/lab/contract/two-nodes.yaml');

describe('address blocks of a scenario', () => {
  it('are the /24s and /64s it names, and whole shorter prefixes', () => {
    expect(
      addressBlocks({
        a: '198.18.0.1/24',
        b: ['198.18.0.101', '198.19.70.0/25', { 'prefix: 198.19.64.0/18': 'x' }],
        c: 'neighbor 2001:db8:100::10/128 and 2001:db8::1',
      }),
    ).toEqual(['198.18.0.0/24', '198.19.64.0/18', '2001:db8::/64', '2001:db8:100::/64']);
  });

  it('keep an a-b range in one block, even across a /24 boundary', () => {
    expect(addressBlocks('198.18.0.250-198.18.1.5')).toEqual(['198.18.0.0/23']);
    expect(addressBlocks('2001:db8:100::10-2001:db8:100::20')).toEqual(['2001:db8:100::/64']);
  });

  it('ignore addresses outside the lab ranges, prefixes that hold all of one, positions, paths', () => {
    expect(
      addressBlocks({
        text: '10.89.0.63 192.0.2.1 2001:db9::1 198.18.0.0/15 2001:db8::/32 12:30:00 1.2.3.4.5',
        at: { file: '/x/198.18.7.1.yaml', line: 1, col: 1 },
        file: '/y/198.18.8.1.yaml',
      }),
    ).toEqual([]);
  });

  it('of the contract scenario: its segment, pool, endpoints and default IPv6 subnet', async () => {
    expect(addressBlocks(await loadScenario(contract))).toEqual([
      '198.18.0.0/24',
      '198.18.100.0/24',
      '198.19.1.0/24',
      '2001:db8::/64',
    ]);
  });
});

describe('planRelocation', () => {
  it('takes aligned free blocks of the same size from the top of the ranges down, in order', () => {
    expect(planRelocation(['198.18.0.0/24', '198.19.64.0/18', '2001:db8::/64'], [])).toEqual([
      // Below the /18's new place (and its old one), with a three-digit third octet.
      { from: '198.18.0.0/24', to: '198.18.255.0/24' },
      // /18s of 198.18.0.0/15 from the top: 198.19.192.0/18 holds the pod addresses.
      { from: '198.19.64.0/18', to: '198.19.128.0/18' },
      { from: '2001:db8::/64', to: '2001:db8:ffff:ffff::/64' },
    ]);
  });

  it('skips blocks in use, the pod addresses and its own blocks', () => {
    const plan = planRelocation(
      ['198.18.0.0/24', '198.18.1.0/24'],
      ['198.19.255.0/24', '198.19.252.0/23', '10.0.0.0/8'],
    );
    expect(plan).toEqual([
      { from: '198.18.0.0/24', to: '198.19.251.0/24' },
      { from: '198.18.1.0/24', to: '198.19.254.0/24' },
    ]);
    // Only pod addresses (198.19.200-249) above 198.19.199.0/24 once 250-255 are taken.
    expect(planRelocation(['198.18.0.0/24'], ['198.19.250.0/23', '198.19.252.0/22'])).toEqual([
      { from: '198.18.0.0/24', to: '198.19.199.0/24' },
    ]);
  });

  it('refuses with ERR_LAB_NO_FREE_BLOCK when the range is full', () => {
    expect(() => planRelocation(['198.18.0.0/24'], ['198.18.0.0/15'])).toThrow(
      expect.objectContaining({ code: 'ERR_LAB_NO_FREE_BLOCK' }),
    );
    expect(() =>
      planRelocation(['2001:db8:5::/64'], ['2001:db8::/33', '2001:db8:8000::/33']),
    ).toThrow(expect.objectContaining({ code: 'ERR_LAB_NO_FREE_BLOCK' }));
    // A /16 fits once (the other /16 is its own), a second /16 does not.
    expect(() => planRelocation(['198.18.0.0/16', '198.19.0.0/16'], [])).toThrow(
      expect.objectContaining({ code: 'ERR_LAB_NO_FREE_BLOCK' }),
    );
  });
});

describe('relocateText', () => {
  const plan = [
    { from: '198.18.0.0/24', to: '198.19.255.0/24' },
    { from: '198.19.64.0/18', to: '198.19.128.0/18' },
    { from: '2001:db8::/64', to: '2001:db8:ffff:ffff::/64' },
  ];
  it.each([
    ['198.18.0.1/24', '198.19.255.1/24'],
    ['peer 198.18.0.1:179', 'peer 198.19.255.1:179'],
    ['ip prefix-list 198.18.0.1-inpl-ipv4 seq 1', 'ip prefix-list 198.19.255.1-inpl-ipv4 seq 1'],
    ['(^|\\n) neighbor 198\\.18\\.0\\.1 graceful', '(^|\\n) neighbor 198\\.19\\.255\\.1 graceful'],
    ['198.18.0.10-198.18.0.20', '198.19.255.10-198.19.255.20'],
    ['198.19.64.0/18 ge 25, 198.19.70.0/25', '198.19.128.0/18 ge 25, 198.19.134.0/25'],
    ['198.18.0.63/64/66', '198.19.255.63/64/66'],
    ['2001:db8::101/64', '2001:db8:ffff:ffff::101/64'],
    ['[2001:db8:0:0::1]:179', '[2001:db8:ffff:ffff::1]:179'],
    // Not in a moved block, or covering more than one: untouched.
    [
      '198.18.1.1 198.18.0.0/16 10.0.0.1 2001:db8:1::1 12:30:00',
      '198.18.1.1 198.18.0.0/16 10.0.0.1 2001:db8:1::1 12:30:00',
    ],
  ])('%s -> %s', (text, want) => {
    expect(relocateText(text, plan)).toBe(want);
  });

  it('describes the plan in one line', () => {
    expect(describeRelocation(plan.slice(0, 2))).toBe(
      '198.18.0.0/24 -> 198.19.255.0/24, 198.19.64.0/18 -> 198.19.128.0/18',
    );
  });
});

describe('chooseAddresses', () => {
  const blocks = ['198.18.0.0/24', '2001:db8::/64'];
  it('auto: stays put when nothing overlaps, moves every block when one does', () => {
    expect(chooseAddresses(blocks, ['198.18.5.0/24'], 'auto')).toEqual({ plan: [], blocks });
    const moved = chooseAddresses(blocks, ['198.18.0.0/22'], 'auto');
    expect(moved.blocks).toEqual(['198.19.255.0/24', '2001:db8:ffff:ffff::/64']);
    expect(moved.plan.map((p) => p.from)).toEqual(blocks);
  });

  it('always moves; never refuses an overlap with ERR_LAB_ADDRESSES_IN_USE', () => {
    expect(chooseAddresses(blocks, [], 'always').blocks).toEqual([
      '198.19.255.0/24',
      '2001:db8:ffff:ffff::/64',
    ]);
    expect(chooseAddresses(blocks, [], 'never')).toEqual({ plan: [], blocks });
    expect(() => chooseAddresses(blocks, ['2001:db8::1/128'], 'never')).toThrow(
      expect.objectContaining({ code: 'ERR_LAB_ADDRESSES_IN_USE' }),
    );
  });
});

describe('a relocated scenario', () => {
  it('keeps positions and paths, and names none of its old blocks', async () => {
    const s = await loadScenario(contract);
    const plan = planRelocation(addressBlocks(s), []);
    const moved = relocateValue(s, plan);
    expect(moved.file).toBe(s.file);
    expect(moved.steps[2]!.at).toEqual(s.steps[2]!.at);
    expect(addressBlocks(moved)).toEqual(plan.map((p) => p.to).sort());
    expect(moved.topology.routers[0]!.addresses.ipv4).toEqual({
      address: '198.19.253.1',
      prefixLength: 24,
    });
    expect(checkRunSettings(moved, { backend: 'netns' }).errors).toEqual([]);
  });

  // Every shipped scenario (and the backend contract) still passes, moved: the mapping reaches
  // the topology, the manifests, the steps and the expectations alike.
  // Except where the scenario names the leader MetalLB's L2 election picks: the election orders
  // nodes by sha256(node + '#' + service IP) (src/metallb/l2.ts), so a moved address may elect
  // the other node, as it would on a cluster whose pool moved.
  const electionBound = new Set(['l2-failover-mac.yaml']);
  const scenarios = [
    ...readdirSync(join(repo, 'scenarios'))
      .filter((f) => f.endsWith('.yaml') && !electionBound.has(f))
      .map((f) => join(repo, 'scenarios', f)),
    contract,
  ];
  it.each(scenarios)(
    '%s passes on builtin peers after relocation',
    async (file) => {
      const s = await loadScenario(file);
      const moved = relocateValue(s, planRelocation(addressBlocks(s), []));
      const out = await runScenario(moved, { backend: 'builtin' });
      expect(out.error).toBeUndefined();
      expect(out.failures.map((f) => f.step)).toEqual([]);
      expect(out.passed).toBe(true);
    },
    60_000,
  );
});
