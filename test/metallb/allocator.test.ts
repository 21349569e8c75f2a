import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../src/core/random.js';
import { Allocator } from '../../src/metallb/allocator.js';
import { buildConfig } from '../../src/metallb/config.js';
import { applyConverge, convergeService, restoreAllocations } from '../../src/metallb/converge.js';
import { poolStatusFromCounters } from '../../src/metallb/pool.js';
import type { IPAddressPool, Namespace, Service } from '../../src/metallb/types.js';
import { pool, resources, service } from './fixtures.js';

interface Row {
  name: string;
  pools: IPAddressPool[];
  namespaces?: Namespace[];
  before?: Service[];
  svc: Service;
  /** Expected ingress IPs, or the AllocationFailed message. */
  want: string[] | { error: string };
}

const V4 = pool('v4', ['10.0.0.0/24']);
const DUAL = pool('dual', ['10.0.0.0/30', '2001:db8::/126']);
const V6 = pool('v6', ['2001:db8::/120']);
const ns = (name: string, labels: Record<string, string> = {}): Namespace => ({
  metadata: { name, labels },
});
const v6svc = { clusterIPs: ['fd00::10'] };
const dualsvc = { clusterIPs: ['172.30.0.10', 'fd00::10'] };
const fail = (key: string, reason: string) => ({
  error: `Failed to allocate IP for "${key}": ${reason}`,
});

function setup(pools: IPAddressPool[], namespaces: Namespace[] = []) {
  const cfg = buildConfig(resources({ pools, namespaces }), { component: 'controller' });
  if (!cfg.ok) throw new Error(cfg.error.message);
  const alloc = new Allocator(new SeededRandom(7));
  alloc.setPools(cfg.config);
  return alloc;
}

function run(alloc: Allocator, svc: Service) {
  return convergeService(alloc, svc, true);
}

const rows: Row[] = [
  {
    name: 'seed L2: deprecated pool annotation, first IP of the range',
    pools: [pool('doc-example-l2', ['192.168.122.200-192.168.122.220'])],
    svc: service('nginx-service', {
      annotations: { 'metallb.universe.tf/address-pool': 'doc-example-l2' },
    }),
    want: ['192.168.122.200'],
  },
  {
    name: 'seed BGP: auto-assigned from the only pool',
    pools: [pool('bgp-pool', ['192.168.122.210-192.168.122.220'])],
    svc: service('test-service'),
    want: ['192.168.122.210'],
  },
  {
    name: 'network address is usable without avoidBuggyIPs',
    pools: [V4],
    svc: service('a'),
    want: ['10.0.0.0'],
  },
  {
    name: 'avoidBuggyIPs skips .0',
    pools: [pool('p', ['10.0.0.0/24'], { avoidBuggyIPs: true })],
    svc: service('a'),
    want: ['10.0.0.1'],
  },
  {
    name: 'avoidBuggyIPs skips .255 and .0 across a /24 boundary',
    pools: [pool('p', ['10.0.0.255-10.0.1.1'], { avoidBuggyIPs: true })],
    svc: service('a'),
    want: ['10.0.1.1'],
  },
  {
    name: 'avoidBuggyIPs refuses a requested .255',
    pools: [pool('p', ['10.0.0.0/24'], { avoidBuggyIPs: true })],
    svc: service('a', { loadBalancerIP: '10.0.0.255' }),
    want: fail('default/a', '["10.0.0.255"] is not allowed in config'),
  },
  {
    name: 'IPv6 service on a dual pool gets the first IPv6',
    pools: [DUAL],
    svc: service('a', v6svc),
    want: ['2001:db8::'],
  },
  {
    name: 'IPv6 service on an IPv4 pool',
    pools: [V4],
    svc: service('a', v6svc),
    want: fail('default/a', 'no available IPs'),
  },
  {
    name: 'RequireDualStack on a dual pool',
    pools: [DUAL],
    svc: service('a', { ...dualsvc, ipFamilyPolicy: 'RequireDualStack' }),
    want: ['10.0.0.0', '2001:db8::'],
  },
  {
    name: 'RequireDualStack with only IPv4 pools',
    pools: [V4],
    svc: service('a', { ...dualsvc, ipFamilyPolicy: 'RequireDualStack' }),
    want: fail('default/a', 'no available IPs'),
  },
  {
    name: 'PreferDualStack takes IPv4 alone when no pool has both',
    pools: [V4],
    svc: service('a', { ...dualsvc, ipFamilyPolicy: 'PreferDualStack' }),
    want: ['10.0.0.0'],
  },
  {
    name: 'PreferDualStack listing IPv6 first prefers an IPv6-only pool over an IPv4-only one',
    pools: [V4, V6],
    svc: service('a', {
      ...dualsvc,
      ipFamilyPolicy: 'PreferDualStack',
      ipFamilies: ['IPv6', 'IPv4'],
    }),
    want: ['2001:db8::'],
  },
  {
    name: 'spec.loadBalancerIP',
    pools: [V4],
    svc: service('a', { loadBalancerIP: '10.0.0.42' }),
    want: ['10.0.0.42'],
  },
  {
    name: 'metallb.io/loadBalancerIPs',
    pools: [DUAL],
    svc: service('a', {
      ...dualsvc,
      ipFamilyPolicy: 'RequireDualStack',
      annotations: { 'metallb.io/loadBalancerIPs': '10.0.0.2, 2001:db8::3' },
    }),
    want: ['10.0.0.2', '2001:db8::3'],
  },
  {
    name: 'metallb.io/loadBalancerIPs wins over the deprecated annotation',
    pools: [V4],
    svc: service('a', {
      annotations: {
        'metallb.io/loadBalancerIPs': '10.0.0.7',
        'metallb.universe.tf/loadBalancerIPs': '10.0.0.8',
      },
    }),
    want: ['10.0.0.7'],
  },
  {
    name: 'annotation and spec.loadBalancerIP together',
    pools: [V4],
    svc: service('a', {
      loadBalancerIP: '10.0.0.5',
      annotations: { 'metallb.io/loadBalancerIPs': '10.0.0.5' },
    }),
    want: fail(
      'default/a',
      'service can not have both metallb.io/loadBalancerIPs and svc.Spec.LoadBalancerIP',
    ),
  },
  {
    name: 'requested IP of the wrong family',
    pools: [DUAL],
    svc: service('a', { annotations: { 'metallb.io/loadBalancerIPs': '2001:db8::2' } }),
    want: fail(
      'default/a',
      'requested loadBalancer IP(s) ["2001:db8::2"] does not match the ipFamily of the service',
    ),
  },
  {
    name: 'requested IP outside every pool',
    pools: [V4],
    svc: service('a', { loadBalancerIP: '10.9.9.9' }),
    want: fail('default/a', '["10.9.9.9"] is not allowed in config'),
  },
  {
    name: 'requested IP not in the requested pool',
    pools: [V4, pool('other', ['10.1.0.0/24'])],
    svc: service('a', {
      loadBalancerIP: '10.0.0.5',
      annotations: { 'metallb.io/address-pool': 'other' },
    }),
    want: fail(
      'default/a',
      'requested loadBalancer IP(s) ["10.0.0.5"] is not compatible with requested address pool other',
    ),
  },
  {
    name: 'metallb.io/address-pool wins over metallb.universe.tf/address-pool',
    pools: [pool('a', ['10.0.0.0/24']), pool('b', ['10.1.0.0/24'])],
    svc: service('s', {
      annotations: { 'metallb.io/address-pool': 'b', 'metallb.universe.tf/address-pool': 'a' },
    }),
    want: ['10.1.0.0'],
  },
  {
    name: 'unknown pool requested',
    pools: [V4],
    svc: service('a', { annotations: { 'metallb.io/address-pool': 'nope' } }),
    want: fail('default/a', 'unknown pool "nope"'),
  },
  {
    name: 'autoAssign false is skipped by auto-assignment',
    pools: [pool('manual', ['10.0.0.0/24'], { autoAssign: false }), pool('auto', ['10.1.0.0/24'])],
    svc: service('a'),
    want: ['10.1.0.0'],
  },
  {
    name: 'autoAssign false pool still serves an explicit request',
    pools: [pool('manual', ['10.0.0.0/24'], { autoAssign: false })],
    svc: service('a', { annotations: { 'metallb.io/address-pool': 'manual' } }),
    want: ['10.0.0.0'],
  },
  {
    name: 'only autoAssign false pools: nothing to give',
    pools: [pool('manual', ['10.0.0.0/24'], { autoAssign: false })],
    svc: service('a'),
    want: fail('default/a', 'no available IPs'),
  },
  {
    name: 'sharing key with different ports shares the IP',
    pools: [V4],
    before: [
      service('a', { annotations: { 'metallb.io/allow-shared-ip': 'k' }, ports: [{ port: 80 }] }),
    ],
    svc: service('b', {
      annotations: { 'metallb.io/allow-shared-ip': 'k' },
      ports: [{ port: 443 }],
    }),
    want: ['10.0.0.0'],
  },
  {
    name: 'deprecated sharing annotation works the same',
    pools: [V4],
    before: [
      service('a', {
        annotations: { 'metallb.universe.tf/allow-shared-ip': 'k' },
        ports: [{ port: 53, protocol: 'UDP' }],
      }),
    ],
    svc: service('b', {
      annotations: { 'metallb.universe.tf/allow-shared-ip': 'k' },
      ports: [{ port: 53, protocol: 'TCP' }],
    }),
    want: ['10.0.0.0'],
  },
  {
    name: 'sharing key with the same port takes the next IP',
    pools: [V4],
    before: [service('a', { annotations: { 'metallb.io/allow-shared-ip': 'k' } })],
    svc: service('b', { annotations: { 'metallb.io/allow-shared-ip': 'k' } }),
    want: ['10.0.0.1'],
  },
  {
    name: 'different sharing keys never share',
    pools: [V4],
    before: [
      service('a', { annotations: { 'metallb.io/allow-shared-ip': 'k1' }, ports: [{ port: 80 }] }),
    ],
    svc: service('b', {
      annotations: { 'metallb.io/allow-shared-ip': 'k2' },
      ports: [{ port: 443 }],
    }),
    want: ['10.0.0.1'],
  },
  {
    name: 'requesting a shared IP with a clashing port',
    pools: [V4],
    before: [service('a', { annotations: { 'metallb.io/allow-shared-ip': 'k' } })],
    svc: service('b', {
      loadBalancerIP: '10.0.0.0',
      annotations: { 'metallb.io/allow-shared-ip': 'k' },
    }),
    want: fail('default/b', 'port TCP/80 is already in use on "10.0.0.0"'),
  },
  {
    name: 'requesting a taken IP without a sharing key',
    pools: [V4],
    before: [service('a')],
    svc: service('b', { loadBalancerIP: '10.0.0.0', ports: [{ port: 81 }] }),
    want: fail(
      'default/b',
      'can\'t change sharing key for "default/b", address also in use by default/a',
    ),
  },
  {
    name: 'externalTrafficPolicy Local sharing needs the same selector',
    pools: [V4],
    before: [
      service('a', {
        etp: 'Local',
        selector: { app: 'x' },
        annotations: { 'metallb.io/allow-shared-ip': 'k' },
      }),
    ],
    svc: service('b', {
      etp: 'Local',
      selector: { app: 'y' },
      ports: [{ port: 443 }],
      annotations: { 'metallb.io/allow-shared-ip': 'k' },
    }),
    want: ['10.0.0.1'],
  },
  {
    name: 'priority: lower value wins',
    pools: [
      pool('p20', ['10.20.0.0/24'], {
        serviceAllocation: { priority: 20, namespaces: ['default'] },
      }),
      pool('p10', ['10.10.0.0/24'], {
        serviceAllocation: { priority: 10, namespaces: ['default'] },
      }),
      V4,
    ],
    svc: service('a'),
    want: ['10.10.0.0'],
  },
  {
    name: 'priority 0 comes after any set priority',
    pools: [
      pool('p0', ['10.20.0.0/24'], { serviceAllocation: { namespaces: ['default'] } }),
      pool('p50', ['10.50.0.0/24'], {
        serviceAllocation: { priority: 50, namespaces: ['default'] },
      }),
    ],
    svc: service('a'),
    want: ['10.50.0.0'],
  },
  {
    name: 'pinned pools come before unpinned ones',
    pools: [
      V4,
      pool('pinned', ['10.9.0.0/24'], { serviceAllocation: { namespaces: ['default'] } }),
    ],
    svc: service('a'),
    want: ['10.9.0.0'],
  },
  {
    name: 'namespace pinning excludes other namespaces',
    pools: [pool('pinned', ['10.9.0.0/24'], { serviceAllocation: { namespaces: ['team-a'] } }), V4],
    svc: service('a', { namespace: 'team-b' }),
    want: ['10.0.0.0'],
  },
  {
    name: 'namespaceSelectors pick by namespace labels',
    pools: [
      pool('sel', ['10.9.0.0/24'], {
        serviceAllocation: { namespaceSelectors: [{ matchLabels: { tier: 'gold' } }] },
      }),
      V4,
    ],
    namespaces: [ns('team-a', { tier: 'gold' }), ns('default')],
    svc: service('a', { namespace: 'team-a' }),
    want: ['10.9.0.0'],
  },
  {
    name: 'serviceSelectors with matchExpressions',
    pools: [
      pool('sel', ['10.9.0.0/24'], {
        serviceAllocation: {
          serviceSelectors: [
            { matchExpressions: [{ key: 'tier', operator: 'In', values: ['gold', 'silver'] }] },
          ],
        },
      }),
      V4,
    ],
    svc: service('a', { labels: { tier: 'silver' } }),
    want: ['10.9.0.0'],
  },
  {
    name: 'serviceSelectors not matching fall through to unpinned pools',
    pools: [
      pool('sel', ['10.9.0.0/24'], {
        serviceAllocation: { serviceSelectors: [{ matchLabels: { tier: 'gold' } }] },
      }),
      V4,
    ],
    svc: service('a', { labels: { tier: 'bronze' } }),
    want: ['10.0.0.0'],
  },
  {
    name: 'requesting a pool the service is not allowed in',
    pools: [pool('pinned', ['10.9.0.0/24'], { serviceAllocation: { namespaces: ['team-a'] } })],
    svc: service('a', { annotations: { 'metallb.io/address-pool': 'pinned' } }),
    want: fail('default/a', 'pool pinned not compatible for ip assignment'),
  },
  {
    name: 'exhausted requested pool',
    pools: [pool('tiny', ['10.0.0.0/31'])],
    before: [service('a'), service('b')],
    svc: service('c', { annotations: { 'metallb.io/address-pool': 'tiny' } }),
    want: fail('default/c', 'no available IPs in pool tiny for ipv4 IPFamily'),
  },
  {
    name: 'exhausted pools for auto-assignment',
    pools: [pool('tiny', ['10.0.0.0/31'])],
    before: [service('a'), service('b')],
    svc: service('c'),
    want: fail('default/c', 'no available IPs'),
  },
  {
    name: 'CIDR order is the addresses order, not numeric order',
    pools: [pool('p', ['10.0.1.0/30', '10.0.0.0/30'])],
    before: [service('a')],
    svc: service('b'),
    want: ['10.0.1.1'],
  },
];

describe('IP allocation (reference §16)', () => {
  it.each(rows)('$name', (row) => {
    const alloc = setup(row.pools, row.namespaces);
    for (const b of row.before ?? []) expect(run(alloc, b).converged).toBe(true);
    const r = run(alloc, row.svc);
    if (Array.isArray(row.want)) {
      expect(r.ingress).toEqual(row.want);
      expect(r.converged).toBe(true);
    } else {
      expect(r.converged).toBe(false);
      expect(r.ingress).toEqual([]);
      expect(r.events.filter((e) => e.reason === 'AllocationFailed').map((e) => e.message)).toEqual(
        [row.want.error],
      );
    }
  });

  it('events, annotation and pool status for the seed L2 example (21 -> 20)', () => {
    const alloc = setup([pool('doc-example-l2', ['192.168.122.200-192.168.122.220'])]);
    expect(poolStatusFromCounters(alloc.countersForPool('doc-example-l2')!)).toEqual({
      assignedIPv4: 0,
      assignedIPv6: 0,
      availableIPv4: 21,
      availableIPv6: 0,
    });
    const svc = service('nginx-service', {
      annotations: { 'metallb.universe.tf/address-pool': 'doc-example-l2' },
    });
    const r = run(alloc, svc);
    expect(r.events).toEqual([
      { type: 'Normal', reason: 'IPAllocated', message: 'Assigned IP ["192.168.122.200"]' },
    ]);
    const updated = applyConverge(svc, r);
    expect(updated.metadata.annotations?.['metallb.io/ip-allocated-from-pool']).toBe(
      'doc-example-l2',
    );
    expect(updated.status?.loadBalancer?.ingress).toEqual([{ ip: '192.168.122.200' }]);
    expect(alloc.countersForPool('doc-example-l2')?.availableIPv4).toBe(20n);
    // Converging again is idempotent: no new event, no change.
    const again = run(alloc, updated);
    expect(again.ingress).toEqual(['192.168.122.200']);
    expect(again.events).toEqual([]);
    expect(alloc.countersForPool('doc-example-l2')?.assignedIPv4).toBe(1n);
  });

  it('IPv6 counters: exact for a /120, saturated at int64 max for a /64', () => {
    const alloc = setup([pool('small', ['2001:db8::/120']), pool('huge', ['2001:db9::/64'])]);
    run(alloc, service('a', { ...v6svc, annotations: { 'metallb.io/address-pool': 'small' } }));
    run(alloc, service('b', { ...v6svc, annotations: { 'metallb.io/address-pool': 'huge' } }));
    expect(alloc.countersForPool('small')).toEqual({
      assignedIPv4: 0n,
      assignedIPv6: 1n,
      availableIPv4: 0n,
      availableIPv6: 255n,
    });
    expect(alloc.countersForPool('huge')).toEqual({
      assignedIPv4: 0n,
      assignedIPv6: 1n,
      availableIPv4: 0n,
      availableIPv6: 9223372036854775806n,
    });
  });

  it('a shared IP counts once in the pool status', () => {
    const alloc = setup([V4]);
    run(
      alloc,
      service('a', { annotations: { 'metallb.io/allow-shared-ip': 'k' }, ports: [{ port: 80 }] }),
    );
    run(
      alloc,
      service('b', { annotations: { 'metallb.io/allow-shared-ip': 'k' }, ports: [{ port: 443 }] }),
    );
    expect(alloc.countersForPool('v4')).toMatchObject({ assignedIPv4: 1n, availableIPv4: 255n });
  });

  it('release on delete frees the IP for the next service', () => {
    const alloc = setup([pool('tiny', ['10.0.0.0/32'])]);
    expect(run(alloc, service('a')).ingress).toEqual(['10.0.0.0']);
    expect(run(alloc, service('b')).converged).toBe(false);
    alloc.unassign('default/a');
    expect(alloc.countersForPool('tiny')?.assignedIPv4).toBe(0n);
    expect(run(alloc, service('b')).ingress).toEqual(['10.0.0.0']);
  });

  it('a freed address in the middle is the next one given (first free in CIDR order)', () => {
    const alloc = setup([pool('p', ['10.0.0.0/29'])]);
    for (const n of ['a', 'b', 'c', 'd']) run(alloc, service(n));
    alloc.unassign('default/b');
    expect(run(alloc, service('e')).ingress).toEqual(['10.0.0.1']);
    expect(run(alloc, service('f')).ingress).toEqual(['10.0.0.4']);
  });

  it('a sharing Service still finds a shareable address below the used prefix', () => {
    const alloc = setup([pool('p', ['10.0.0.0/29'])]);
    run(alloc, service('a', { annotations: { 'metallb.io/allow-shared-ip': 'k' } }));
    for (const n of ['b', 'c', 'd']) run(alloc, service(n));
    const shared = service('s', {
      annotations: { 'metallb.io/allow-shared-ip': 'k' },
      ports: [{ port: 443 }],
    });
    expect(run(alloc, shared).ingress).toEqual(['10.0.0.0']);
    expect(run(alloc, service('z')).ingress).toEqual(['10.0.0.4']);
  });

  it('a Service that stops being a LoadBalancer releases its IP', () => {
    const alloc = setup([V4]);
    const svc = applyConverge(service('a'), run(alloc, service('a')));
    const r = run(alloc, { ...svc, spec: { ...svc.spec, type: 'ClusterIP' } });
    expect(r).toMatchObject({ converged: true, ingress: [] });
    expect(alloc.pool('default/a')).toBe('');
  });

  it('restore: Services holding IPs in status claim them before new ones are given', () => {
    const alloc = setup([pool('p', ['10.0.0.0/30'])]);
    const fresh = service('aaa');
    const holder = service('zzz', { ingress: ['10.0.0.0'] });
    const results = restoreAllocations(alloc, [fresh, holder], true);
    expect(results.get('default/zzz')?.ingress).toEqual(['10.0.0.0']);
    expect(results.get('default/aaa')?.ingress).toEqual(['10.0.0.1']);
    expect(results.get('default/zzz')?.events).toEqual([]);
  });

  it('an IP the new configuration no longer allows is cleared and replaced', () => {
    const alloc = setup([pool('p', ['10.0.0.0/24'])]);
    const r = run(alloc, service('a', { ingress: ['10.5.5.5'] }));
    expect(r.ingress).toEqual(['10.0.0.0']);
    expect(r.events.map((e) => e.reason)).toEqual(['ClearAssignment', 'IPAllocated']);
  });

  it('changing the pool annotation moves the service', () => {
    const alloc = setup([pool('a', ['10.0.0.0/24']), pool('b', ['10.1.0.0/24'])]);
    const svc = applyConverge(
      service('s'),
      run(alloc, service('s', { annotations: { 'metallb.io/address-pool': 'a' } })),
    );
    const moved = run(alloc, {
      ...svc,
      metadata: { ...svc.metadata, annotations: { 'metallb.io/address-pool': 'b' } },
    });
    expect(moved.ingress).toEqual(['10.1.0.0']);
    expect(alloc.countersForPool('a')?.assignedIPv4).toBe(0n);
  });

  it('ties between equal pools are broken by the injected randomness, reproducibly', () => {
    const pools = [
      pool('x', ['10.1.0.0/24']),
      pool('y', ['10.2.0.0/24']),
      pool('z', ['10.3.0.0/24']),
    ];
    const pickWith = (seed: number) => {
      const cfg = buildConfig(resources({ pools }), { component: 'controller' });
      if (!cfg.ok) throw new Error('config');
      const alloc = new Allocator(new SeededRandom(seed));
      alloc.setPools(cfg.config);
      return run(alloc, service('a')).ingress[0];
    };
    const seen = new Set(Array.from({ length: 20 }, (_, i) => pickWith(i)));
    expect(seen.size).toBeGreaterThan(1);
    expect(pickWith(3)).toBe(pickWith(3));
  });
});
