import { describe, expect, it } from 'vitest';
import { planBgp, serviceBgpStatusObject, type AnnounceInput } from '../../src/metallb/announce.js';
import { buildConfig } from '../../src/metallb/config.js';
import {
  electL2Node,
  l2ElectionOrder,
  planL2,
  serviceL2StatusObject,
} from '../../src/metallb/l2.js';
import type { ClusterResources, EndpointSlice, Node, Service } from '../../src/metallb/types.js';
import {
  bgpAdv,
  community,
  l2Adv,
  node,
  peer,
  pool,
  resources,
  service,
  slice,
} from './fixtures.js';

const NODES = [
  node('worker0', { rack: 'a' }, '10.89.0.10', 'fd00::10'),
  node('worker1', { rack: 'b' }, '10.89.0.11', 'fd00::11'),
];
const BGP_POOL = pool('bgp-pool', ['192.168.122.210-192.168.122.220'], {}, { tier: 'gold' });
const V6_POOL = pool('v6-pool', ['2001:db8::/64']);
const SEED_PEER = peer('bgp-peer', { myASN: 64501, peerASN: 64500, peerAddress: '192.168.1.1' });
const SVC = service('test-service', { ingress: ['192.168.122.210'] });
const READY_ON_0 = [slice('test-service', [{ node: 'worker0' }])];

function plan(
  r: Partial<ClusterResources>,
  services: Service[],
  slices: EndpointSlice[],
  nodes: Node[] = NODES,
  extra: Partial<AnnounceInput> = {},
) {
  const cfg = buildConfig(resources({ nodes, ...r }), { component: 'speaker', node: 'worker0' });
  if (!cfg.ok) throw new Error(cfg.error.message);
  return planBgp({ config: cfg.config, nodes, services, endpointSlices: slices, ...extra });
}

/** node -> peer -> prefixes, for compact expectations. */
function table(p: ReturnType<typeof planBgp>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const s of p.sessions) out[`${s.node}/${s.peer}`] = s.routes.map((r) => r.prefix);
  return out;
}

const seedBgp = {
  pools: [BGP_POOL],
  peers: [SEED_PEER],
  bgpAdvertisements: [bgpAdv('bgp-advertisement', { ipAddressPools: ['bgp-pool'] })],
};

describe('BGP announcements (reference §5, §11)', () => {
  it('seed BGP example: worker0 announces 192.168.122.210/32 to bgp-peer', () => {
    const p = plan(seedBgp, [SVC], READY_ON_0, [NODES[0]!]);
    expect(p.sessions).toEqual([
      {
        node: 'worker0',
        peer: 'bgp-peer',
        routes: [
          {
            prefix: '192.168.122.210/32',
            family: 'ipv4',
            nextHop: '10.89.0.10',
            communities: [],
            largeCommunities: [],
            services: ['default/test-service'],
          },
        ],
      },
    ]);
    expect(p.statuses).toEqual([
      {
        node: 'worker0',
        peers: ['bgp-peer'],
        serviceName: 'test-service',
        serviceNamespace: 'default',
      },
    ]);
    expect(serviceBgpStatusObject(p.statuses[0]!)).toEqual({
      apiVersion: 'metallb.io/v1beta1',
      kind: 'ServiceBGPStatus',
      metadata: {
        generateName: 'bgp-',
        namespace: 'metallb-system',
        labels: {
          'metallb.io/node': 'worker0',
          'metallb.io/service-name': 'test-service',
          'metallb.io/service-namespace': 'default',
        },
      },
      spec: {},
      status: {
        node: 'worker0',
        peers: ['bgp-peer'],
        serviceName: 'test-service',
        serviceNamespace: 'default',
      },
    });
  });

  it.each<
    [string, Partial<ClusterResources>, Service[], EndpointSlice[], Record<string, string[]>]
  >([
    [
      'Cluster: every node announces when any endpoint is ready',
      seedBgp,
      [SVC],
      READY_ON_0,
      {
        'worker0/bgp-peer': ['192.168.122.210/32'],
        'worker1/bgp-peer': ['192.168.122.210/32'],
      },
    ],
    [
      'Cluster: no ready endpoint, no announcement (seed)',
      seedBgp,
      [SVC],
      [slice('test-service', [{ node: 'worker0', ready: false }])],
      {
        'worker0/bgp-peer': [],
        'worker1/bgp-peer': [],
      },
    ],
    [
      'Cluster: no endpoints at all',
      seedBgp,
      [SVC],
      [],
      { 'worker0/bgp-peer': [], 'worker1/bgp-peer': [] },
    ],
    [
      'Local: only the node with a ready endpoint',
      seedBgp,
      [service('test-service', { ingress: ['192.168.122.210'], etp: 'Local' })],
      READY_ON_0,
      {
        'worker0/bgp-peer': ['192.168.122.210/32'],
        'worker1/bgp-peer': [],
      },
    ],
    [
      'Local: a serving (terminating) endpoint still counts',
      seedBgp,
      [service('test-service', { ingress: ['192.168.122.210'], etp: 'Local' })],
      [slice('test-service', [{ node: 'worker1', ready: false, serving: true }])],
      { 'worker0/bgp-peer': [], 'worker1/bgp-peer': ['192.168.122.210/32'] },
    ],
    [
      'Local: an address unready in another slice is unhealthy',
      seedBgp,
      [service('test-service', { ingress: ['192.168.122.210'], etp: 'Local' })],
      [
        slice('test-service', [{ node: 'worker0', ip: '10.128.0.5' }]),
        slice('test-service', [{ node: 'worker0', ip: '10.128.0.5', ready: false }]),
      ],
      { 'worker0/bgp-peer': [], 'worker1/bgp-peer': [] },
    ],
    [
      'advertisement nodeSelectors',
      {
        ...seedBgp,
        bgpAdvertisements: [bgpAdv('a', { nodeSelectors: [{ matchLabels: { rack: 'b' } }] })],
      },
      [SVC],
      READY_ON_0,
      {
        'worker0/bgp-peer': [],
        'worker1/bgp-peer': ['192.168.122.210/32'],
      },
    ],
    [
      'BGPPeer nodeSelectors: no session elsewhere',
      {
        ...seedBgp,
        peers: [
          peer('bgp-peer', {
            nodeSelectors: [{ matchExpressions: [{ key: 'rack', operator: 'In', values: ['a'] }] }],
          }),
        ],
      },
      [SVC],
      READY_ON_0,
      {
        'worker0/bgp-peer': ['192.168.122.210/32'],
      },
    ],
    [
      'advertisement peers: only the named peer',
      {
        pools: [BGP_POOL],
        peers: [
          peer('p1', { peerAddress: '192.168.1.1' }),
          peer('p2', { peerAddress: '192.168.1.2' }),
        ],
        bgpAdvertisements: [bgpAdv('a', { peers: ['p2'] })],
      },
      [SVC],
      READY_ON_0,
      {
        'worker0/p1': [],
        'worker0/p2': ['192.168.122.210/32'],
        'worker1/p1': [],
        'worker1/p2': ['192.168.122.210/32'],
      },
    ],
    [
      'aggregationLength 24 (pool as wide as the aggregate)',
      {
        ...seedBgp,
        pools: [pool('bgp-pool', ['192.168.122.0/24'])],
        bgpAdvertisements: [bgpAdv('a', { aggregationLength: 24 })],
      },
      [SVC],
      READY_ON_0,
      {
        'worker0/bgp-peer': ['192.168.122.0/24'],
        'worker1/bgp-peer': ['192.168.122.0/24'],
      },
    ],
    [
      'ipAddressPoolSelectors by pool labels',
      {
        ...seedBgp,
        bgpAdvertisements: [
          bgpAdv('a', { ipAddressPoolSelectors: [{ matchLabels: { tier: 'gold' } }] }),
        ],
      },
      [SVC],
      READY_ON_0,
      {
        'worker0/bgp-peer': ['192.168.122.210/32'],
        'worker1/bgp-peer': ['192.168.122.210/32'],
      },
    ],
    [
      'an advertisement for another pool announces nothing',
      {
        ...seedBgp,
        pools: [BGP_POOL, pool('other', ['10.5.0.0/24'])],
        bgpAdvertisements: [bgpAdv('a', { ipAddressPools: ['other'] })],
      },
      [SVC],
      READY_ON_0,
      {
        'worker0/bgp-peer': [],
        'worker1/bgp-peer': [],
      },
    ],
    [
      'serviceSelectors on the advertisement',
      {
        ...seedBgp,
        bgpAdvertisements: [
          bgpAdv('a', { serviceSelectors: [{ matchLabels: { expose: 'yes' } }] }),
        ],
      },
      [SVC, service('other', { ingress: ['192.168.122.211'], labels: { expose: 'yes' } })],
      [...READY_ON_0, slice('other', [{ node: 'worker0' }])],
      { 'worker0/bgp-peer': ['192.168.122.211/32'], 'worker1/bgp-peer': ['192.168.122.211/32'] },
    ],
    [
      'a Service without IP or not a LoadBalancer is not announced',
      seedBgp,
      [service('test-service'), service('np', { ingress: ['192.168.122.212'], type: 'NodePort' })],
      [...READY_ON_0, slice('np', [{ node: 'worker0' }])],
      { 'worker0/bgp-peer': [], 'worker1/bgp-peer': [] },
    ],
  ])('%s', (_name, r, services, slices, want) => {
    expect(table(plan(r, services, slices))).toEqual(want);
  });

  it('IPv6 aggregationLengthV6, and no IPv6 route on an IPv4-only session (status still names the peer)', () => {
    const r = {
      pools: [V6_POOL],
      peers: [
        peer('v4peer', { peerAddress: '192.168.1.1' }),
        peer('v6peer', { peerAddress: '2001:db8:ff::1' }),
        peer('dual', { peerAddress: '192.168.1.3', dualStackAddressFamily: true }),
      ],
      bgpAdvertisements: [bgpAdv('a', { aggregationLengthV6: 64 })],
    };
    const svc = service('v6', { clusterIPs: ['fd00::5'], ingress: ['2001:db8::7'] });
    const p = plan(r, [svc], [slice('v6', [{ node: 'worker0' }])], [NODES[0]!]);
    expect(table(p)).toEqual({
      'worker0/dual': ['2001:db8::/64'],
      'worker0/v4peer': [],
      'worker0/v6peer': ['2001:db8::/64'],
    });
    expect(p.sessions.find((s) => s.peer === 'v6peer')?.routes[0]?.nextHop).toBe('fd00::10');
    expect(p.statuses[0]?.peers).toEqual(['dual', 'v4peer', 'v6peer']);
  });

  it('LOCAL_PREF goes to iBGP peers only; communities as numbers, large ones as triples, aliases resolved', () => {
    const r = {
      pools: [BGP_POOL],
      communities: [community('c', [{ name: 'no-export-ish', value: '65535:65281' }])],
      peers: [
        peer('ibgp', { myASN: 64501, peerASN: 64501, peerAddress: '192.168.1.1' }),
        peer('ebgp', { myASN: 64501, peerASN: 64500, peerAddress: '192.168.1.2' }),
      ],
      bgpAdvertisements: [
        bgpAdv('a', { localPref: 150, communities: ['1234:1234', 'large:1:2:3', 'no-export-ish'] }),
      ],
    };
    const p = plan(r, [SVC], READY_ON_0, [NODES[0]!]);
    const byPeer = Object.fromEntries(p.sessions.map((s) => [s.peer, s.routes[0]]));
    expect(byPeer['ibgp']).toMatchObject({
      localPref: 150,
      communities: [1234 * 65536 + 1234, 65535 * 65536 + 65281],
      largeCommunities: [[1, 2, 3]],
    });
    expect(byPeer['ebgp']?.localPref).toBeUndefined();
    expect(byPeer['ebgp']?.communities).toEqual([80872658, 4294967041]);
  });

  it('an unusable node announces nothing: NetworkUnavailable or exclude-from-external-load-balancers', () => {
    const down: Node = {
      ...NODES[0]!,
      status: { ...NODES[0]!.status, conditions: [{ type: 'NetworkUnavailable', status: 'True' }] },
    };
    const excluded = node(
      'worker1',
      { 'node.kubernetes.io/exclude-from-external-load-balancers': '' },
      '10.89.0.11',
    );
    const p = plan(seedBgp, [SVC], READY_ON_0, [down, excluded]);
    expect(table(p)).toEqual({ 'worker0/bgp-peer': [], 'worker1/bgp-peer': [] });
    expect(p.statuses).toEqual([]);
    const p2 = plan(seedBgp, [SVC], READY_ON_0, [down, excluded], { ignoreExcludeLB: true });
    expect(table(p2)).toEqual({
      'worker0/bgp-peer': [],
      'worker1/bgp-peer': ['192.168.122.210/32'],
    });
  });

  it('two services on one aggregated prefix make one route listing both', () => {
    const r = {
      ...seedBgp,
      pools: [pool('bgp-pool', ['192.168.122.0/24'])],
      bgpAdvertisements: [bgpAdv('a', { aggregationLength: 24 })],
    };
    const svcs = [SVC, service('second', { ingress: ['192.168.122.211'] })];
    const p = plan(r, svcs, [...READY_ON_0, slice('second', [{ node: 'worker0' }])], [NODES[0]!]);
    expect(p.sessions[0]?.routes).toHaveLength(1);
    expect(p.sessions[0]?.routes[0]?.services).toEqual(['default/second', 'default/test-service']);
    expect(p.statuses.map((s) => s.serviceName)).toEqual(['second', 'test-service']);
  });
});

describe('L2 election and ServiceL2Status (reference §6)', () => {
  const three = [node('worker0'), node('worker1'), node('worker2')];
  const l2cfg = (spec: Parameters<typeof l2Adv>[1] = {}) => {
    const cfg = buildConfig(
      resources({
        nodes: three,
        pools: [pool('doc-example-l2', ['192.168.122.200-192.168.122.220'])],
        l2Advertisements: [l2Adv('l2advertisement', spec)],
      }),
      { component: 'speaker', node: 'worker0' },
    );
    if (!cfg.ok) throw new Error(cfg.error.message);
    return cfg.config;
  };
  const nginx = service('nginx-service', { ingress: ['192.168.122.200'] });
  const eps = [slice('nginx-service', [{ node: 'worker0' }, { node: 'worker1' }])];

  it('orders by sha256(node#ip) (values checked with sha256sum)', () => {
    expect(l2ElectionOrder(['worker0', 'worker1', 'worker2'], '192.168.122.200')).toEqual([
      'worker2',
      'worker0',
      'worker1',
    ]);
    expect(l2ElectionOrder(['worker2', 'worker1', 'worker0'], '10.0.0.7')).toEqual([
      'worker1',
      'worker0',
      'worker2',
    ]);
  });

  it('Cluster: the hash winner among all speakers, regardless of endpoints', () => {
    expect(
      electL2Node({ config: l2cfg(), nodes: three, services: [nginx], endpointSlices: eps }, nginx),
    ).toBe('worker2');
  });

  it('Local: only nodes with a ready endpoint take part', () => {
    const local = service('nginx-service', { ingress: ['192.168.122.200'], etp: 'Local' });
    expect(
      electL2Node({ config: l2cfg(), nodes: three, services: [local], endpointSlices: eps }, local),
    ).toBe('worker0');
  });

  it('no ready endpoint: nobody announces', () => {
    const none = [slice('nginx-service', [{ node: 'worker0', ready: false }])];
    expect(
      electL2Node(
        { config: l2cfg(), nodes: three, services: [nginx], endpointSlices: none },
        nginx,
      ),
    ).toBeUndefined();
  });

  it('nodeSelectors and dead speakers narrow the candidates', () => {
    const cfg = l2cfg({
      nodeSelectors: [
        {
          matchExpressions: [
            { key: 'kubernetes.io/hostname', operator: 'NotIn', values: ['worker2'] },
          ],
        },
      ],
    });
    expect(
      electL2Node({ config: cfg, nodes: three, services: [nginx], endpointSlices: eps }, nginx),
    ).toBe('worker0');
    expect(
      electL2Node(
        {
          config: l2cfg(),
          nodes: three,
          services: [nginx],
          endpointSlices: eps,
          speakerNodes: ['worker1'],
        },
        nginx,
      ),
    ).toBe('worker1');
  });

  it('ServiceL2Status: interfaces listed only when the advertisement names them', () => {
    const all = planL2({ config: l2cfg(), nodes: three, services: [nginx], endpointSlices: eps });
    expect(serviceL2StatusObject(all[0]!)).toEqual({
      apiVersion: 'metallb.io/v1beta1',
      kind: 'ServiceL2Status',
      metadata: {
        generateName: 'l2-',
        namespace: 'metallb-system',
        labels: {
          'metallb.io/node': 'worker2',
          'metallb.io/service-name': 'nginx-service',
          'metallb.io/service-namespace': 'default',
        },
      },
      spec: {},
      status: { node: 'worker2', serviceName: 'nginx-service', serviceNamespace: 'default' },
    });
    const named = planL2({
      config: l2cfg({ interfaces: ['eth1', 'eth0'] }),
      nodes: three,
      services: [nginx],
      endpointSlices: eps,
    });
    expect(serviceL2StatusObject(named[0]!).status.interfaces).toEqual([
      { name: 'eth0' },
      { name: 'eth1' },
    ]);
  });
});
