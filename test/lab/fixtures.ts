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
