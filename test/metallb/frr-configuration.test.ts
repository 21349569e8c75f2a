import { describe, expect, it } from 'vitest';
import {
  acceptsRoute,
  filterMatches,
  receiveKey,
  receivePolicies,
  unappliedParts,
  type FRRConfiguration,
  type IncomingFilter,
} from '../../src/metallb/frr-configuration.js';
import { renderRunningConfig, type FrrNeighbor } from '../../src/metallb/frr-config.js';
import { node } from './fixtures.js';

const cfg = (
  name: string,
  neighbors: NonNullable<
    NonNullable<NonNullable<FRRConfiguration['spec']>['bgp']>['routers']
  >[number]['neighbors'],
  nodeSelector?: FRRConfiguration['spec'] extends infer S
    ? S extends { nodeSelector?: infer N }
      ? N
      : never
    : never,
): FRRConfiguration => ({
  metadata: { name, namespace: 'frr-k8s-system' },
  spec: {
    ...(nodeSelector ? { nodeSelector } : {}),
    bgp: { routers: [{ asn: 64501, neighbors }] },
  },
});

describe('FRR prefix-list matching (toReceive selectors)', () => {
  const f = (prefix: string, ge?: number, le?: number): IncomingFilter => ({
    prefix,
    family: prefix.includes(':') ? 'ipv6' : 'ipv4',
    ...(ge ? { ge } : {}),
    ...(le ? { le } : {}),
  });
  it.each([
    // no ge/le: exactly the prefix
    [f('10.0.0.0/8'), '10.0.0.0/8', true],
    [f('10.0.0.0/8'), '10.1.0.0/16', false],
    // ge: inside, at least that long
    [f('10.0.0.0/8', 24), '10.1.2.0/24', true],
    [f('10.0.0.0/8', 24), '10.1.0.0/16', false],
    [f('10.0.0.0/8', 24), '11.1.2.0/24', false],
    // le: inside, from the mask length up to le
    [f('10.0.0.0/8', undefined, 16), '10.0.0.0/8', true],
    [f('10.0.0.0/8', undefined, 16), '10.1.0.0/16', true],
    [f('10.0.0.0/8', undefined, 16), '10.1.2.0/24', false],
    // both
    [f('10.0.0.0/8', 16, 24), '10.1.2.0/24', true],
    [f('10.0.0.0/8', 16, 24), '10.1.2.128/25', false],
    // families never mix
    [f('2001:db8::/32', 48), '2001:db8:1::/48', true],
    [f('2001:db8::/32', 48), '10.0.0.0/8', false],
  ])('%j admits %s: %s', (filter, prefix, want) => {
    expect(filterMatches(filter, prefix)).toBe(want);
  });
});

describe('merging FRRConfigurations for a node (frr-k8s controller)', () => {
  const w0 = node('worker0', { rack: 'a' });
  it('selectors add up across configurations, sorted as frr-k8s sorts them; all wins', () => {
    const p = receivePolicies(w0, [
      cfg('b', [
        {
          address: '198.18.0.1',
          toReceive: {
            allowed: {
              prefixes: [{ prefix: '2001:db8::/32' }, { prefix: '198.19.0.0/16', le: 24 }],
            },
          },
        },
      ]),
      cfg('a', [
        {
          address: '198.18.0.1',
          toReceive: {
            allowed: { prefixes: [{ prefix: '198.19.0.0/16', le: 24 }, { prefix: '10.0.0.0/8' }] },
          },
        },
      ]),
    ]);
    expect(p.get(receiveKey(64501, '', '198.18.0.1'))).toEqual({
      all: false,
      filters: [
        { prefix: '10.0.0.0/8', family: 'ipv4' },
        { prefix: '198.19.0.0/16', family: 'ipv4', le: 24 },
        { prefix: '2001:db8::/32', family: 'ipv6' },
      ],
    });
    const all = receivePolicies(w0, [
      cfg('a', [
        { address: '198.18.0.1', toReceive: { allowed: { prefixes: [{ prefix: '10.0.0.0/8' }] } } },
      ]),
      cfg('b', [{ address: '198.18.0.1', toReceive: { allowed: { mode: 'all' } } }]),
    ]).get(receiveKey(64501, '', '198.18.0.1'));
    expect(all?.all).toBe(true);
    expect(acceptsRoute(all, '203.0.113.0/24')).toBe(true);
  });

  it('a configuration whose nodeSelector misses the node does not count; no policy accepts nothing', () => {
    const p = receivePolicies(w0, [
      cfg('x', [{ address: '198.18.0.1', toReceive: { allowed: { mode: 'all' } } }], {
        matchLabels: { rack: 'b' },
      }),
    ]);
    expect(p.size).toBe(0);
    expect(acceptsRoute(undefined, '10.0.0.0/8')).toBe(false);
  });

  it.each([
    [{ prefix: 'not-a-prefix' }, 'failed to parse prefix not-a-prefix'],
    [
      { prefix: '10.0.0.0/8', ge: 30, le: 26 },
      'invalid selector lengths: ge 30 is bigger than le 26',
    ],
    [
      { prefix: '10.0.0.0/24', le: 16 },
      'invalid selector lengths: cidr mask 24 is bigger than le 16',
    ],
    [
      { prefix: '10.0.0.0/24', ge: 16 },
      'invalid selector lengths: cidr mask 24 is bigger than ge 16',
    ],
  ])('%j fails the conversion with frr-k8s message', (selector, message) => {
    let err: unknown;
    try {
      receivePolicies(w0, [
        cfg('x', [{ address: '198.18.0.1', toReceive: { allowed: { prefixes: [selector] } } }]),
      ]);
    } catch (e) {
      err = e;
    }
    expect((err as { code?: string }).code).toBe('ERR_FRRK8S_CONVERSION');
    expect((err as Error).message).toBe(message);
  });
});

describe('runningConfig with toReceive (frr-k8s prefixlists.tmpl, as FRR prints it back)', () => {
  const neighbor = (receive?: FrrNeighbor['receive']): FrrNeighbor => ({
    addr: '198.18.0.1',
    asn: '64500',
    family: 'ipv4',
    advertise: [],
    communities: new Map(),
    localPrefs: new Map(),
    ...(receive ? { receive } : {}),
  });
  const lists = (n: FrrNeighbor) =>
    renderRunningConfig({
      hostname: 'worker0',
      routers: [{ myASN: 64501, vrf: '', neighbors: [n], prefixes: [] }],
      bfdProfiles: [],
    })
      .split('\n')
      .filter((l) => l.includes('-inpl-'));

  it('MetalLB alone: deny any in both families', () => {
    expect(lists(neighbor())).toEqual([
      'ip prefix-list 198.18.0.1-inpl-ipv4 seq 1 deny any',
      'ipv6 prefix-list 198.18.0.1-inpl-ipv4 seq 2 deny any',
      ' match ip address prefix-list 198.18.0.1-inpl-ipv4',
      ' match ipv6 address prefix-list 198.18.0.1-inpl-ipv4',
    ]);
  });

  it('filtered: the selectors (ge before le), deny any for a family without one', () => {
    expect(
      lists(
        neighbor({
          all: false,
          filters: [
            { prefix: '198.19.0.0/16', family: 'ipv4', ge: 20, le: 24 },
            { prefix: '2001:db8::/32', family: 'ipv6' },
          ],
        }),
      ).slice(0, 2),
    ).toEqual([
      'ip prefix-list 198.18.0.1-inpl-ipv4 seq 1 permit 198.19.0.0/16 ge 20 le 24',
      'ipv6 prefix-list 198.18.0.1-inpl-ipv4 seq 2 permit 2001:db8::/32',
    ]);
    expect(
      lists(neighbor({ all: false, filters: [{ prefix: '198.19.0.0/16', family: 'ipv4' }] })).slice(
        0,
        2,
      ),
    ).toEqual([
      'ip prefix-list 198.18.0.1-inpl-ipv4 seq 1 permit 198.19.0.0/16',
      'ipv6 prefix-list 198.18.0.1-inpl-ipv4 seq 2 deny any',
    ]);
  });

  it('all: permit any in both families', () => {
    expect(lists(neighbor({ all: true, filters: [] })).slice(0, 2)).toEqual([
      'ip prefix-list 198.18.0.1-inpl-ipv4 seq 1 permit any',
      'ipv6 prefix-list 198.18.0.1-inpl-ipv4 seq 2 permit any',
    ]);
  });
});

describe('what is not applied is said, never dropped silently', () => {
  it('neighbours MetalLB does not peer with, fields beside toReceive, raw config', () => {
    const w0 = node('worker0');
    const c = cfg('x', [
      { address: '198.18.0.1', asn: 64500, toReceive: { allowed: { mode: 'all' } } },
      { address: '198.18.0.9', asn: 64509 },
      { address: '198.18.0.1', port: 180 } as never,
    ]);
    (c.spec as Record<string, unknown>)['raw'] = { rawConfig: 'router bgp 1' };
    expect(unappliedParts(w0, [c], new Set([receiveKey(64501, '', '198.18.0.1')]))).toEqual([
      'FRRConfiguration frr-k8s-system/x: raw configuration is not applied',
      'FRRConfiguration frr-k8s-system/x: neighbor 198.18.0.9 is no BGPPeer of this node: not peered',
      'FRRConfiguration frr-k8s-system/x: neighbor 198.18.0.1: port not applied (toReceive is)',
    ]);
  });
});
