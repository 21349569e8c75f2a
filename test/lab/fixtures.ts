import type { LabTopology } from '../../src/lab/topology.js';

/**
 * A topology that uses every option of the model: two segments, passwords, ports, multihop,
 * timers, a passive BFD profile, dual-stack sessions and originated prefixes.
 */
export function richTopology(): LabTopology {
  const fast = {
    name: 'fast',
    receiveIntervalMs: 100,
    transmitIntervalMs: 150,
    detectMultiplier: 4,
    passive: true,
  };
  return {
    name: 'rich',
    segments: [
      { name: 'lan', ipv4Prefix: '198.18.0.0/24', ipv6Prefix: '2001:db8::/64' },
      { name: 'core', ipv4Prefix: '198.19.0.0/30' },
    ],
    routers: [
      {
        name: 'r1',
        asn: 64500,
        routerId: '198.18.0.1',
        interfaces: [
          { segment: 'lan', ipv4: '198.18.0.1', ipv6: '2001:db8::1' },
          { segment: 'core', ipv4: '198.19.0.1' },
        ],
        neighbors: [
          {
            address: '198.18.0.10',
            remoteAsn: 64501,
            bfd: fast,
            password: 's3cret!',
            timers: { keepaliveS: 1, holdS: 3 },
            connectRetryS: 2,
            families: ['ipv4', 'ipv6'],
          },
          { address: '2001:db8::10', remoteAsn: 64501, bfd: fast, port: 1790 },
          { address: '198.19.0.2', remoteAsn: 4200000000, ebgpMultihop: 2 },
        ],
        originate: { ipv4: ['198.18.100.0/24'], ipv6: ['2001:db8:100::/48'] },
      },
      {
        name: 'r2',
        asn: 4200000000,
        routerId: '198.19.0.2',
        interfaces: [{ segment: 'core', ipv4: '198.19.0.2' }],
        neighbors: [{ address: '198.19.0.1', remoteAsn: 64500, ebgpMultihop: 2 }],
      },
    ],
    nodes: [
      { name: 'node1', asn: 64501, segment: 'lan', ipv4: '198.18.0.10', ipv6: '2001:db8::10' },
    ],
  };
}

export interface TestLabOptions {
  /** Third octet of 198.18.x.0/24 and hextet of 2001:db8:x::/64: one per test file. */
  subnet: number;
  /** Add router r2 (AS 64502) peering with r1, with small timers, BFD and routes of its own. */
  twoRouters?: boolean;
}

/**
 * Lab topologies for integration tests: r1 (AS 64500) and nodes node1/node2 (AS 64501) like the
 * default, on a subnet of their own so that test files never collide; optionally r2 (AS 64502),
 * which peers with r1 over IPv4 (with BFD) and IPv6, with 1 s keepalive / 3 s hold.
 */
export function testLabTopology(lab: string, options: TestLabOptions): LabTopology {
  const k = options.subnet;
  const v4 = (host: number) => `198.18.${k}.${host}`;
  const v6 = (host: number) => `2001:db8:${k}::${host}`;
  // 200 ms x 3: fast enough to see BFD act before BGP's 3 s hold, slow enough not to flap on
  // two cores shared with other work.
  const fastBfd = {
    name: 'fast',
    receiveIntervalMs: 200,
    transmitIntervalMs: 200,
    detectMultiplier: 3,
    passive: false,
  };
  const small = { timers: { keepaliveS: 1, holdS: 3 }, connectRetryS: 1 };
  const nodes = [
    { name: 'node1', asn: 64501, segment: 'lan', ipv4: v4(10), ipv6: v6(10) },
    { name: 'node2', asn: 64501, segment: 'lan', ipv4: v4(11), ipv6: v6(11) },
  ];
  const t: LabTopology = {
    name: lab,
    segments: [{ name: 'lan', ipv4Prefix: `198.18.${k}.0/24`, ipv6Prefix: `2001:db8:${k}::/64` }],
    routers: [
      {
        name: 'r1',
        asn: 64500,
        routerId: v4(1),
        interfaces: [{ segment: 'lan', ipv4: v4(1), ipv6: v6(1) }],
        neighbors: nodes.flatMap((n) => [
          { address: n.ipv4, remoteAsn: 64501 },
          { address: n.ipv6, remoteAsn: 64501 },
        ]),
      },
    ],
    nodes,
  };
  if (options.twoRouters) {
    t.routers[0]!.neighbors.push(
      { address: v4(2), remoteAsn: 64502, bfd: fastBfd, ...small },
      { address: v6(2), remoteAsn: 64502, ...small },
    );
    t.routers.push({
      name: 'r2',
      asn: 64502,
      routerId: v4(2),
      interfaces: [{ segment: 'lan', ipv4: v4(2), ipv6: v6(2) }],
      neighbors: [
        { address: v4(1), remoteAsn: 64500, bfd: fastBfd, ...small },
        { address: v6(1), remoteAsn: 64500, ...small },
      ],
      originate: { ipv4: [`198.19.${k}.0/24`], ipv6: [`2001:db8:ff${k}::/48`] },
    });
  }
  return t;
}
