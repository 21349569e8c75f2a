import { describe, expect, it } from 'vitest';
import { labNameFor, labPrefix, linkPrefix, ownedName, plannedNames } from '../../src/lab/names.js';
import type { LabTopology } from '../../src/lab/topology.js';
import { defaultTopology, LAB_NAME_PATTERN, validateTopology } from '../../src/lab/topology.js';
import { richTopology } from './fixtures.js';

type Mutation = [name: string, path: string, mutate: (t: LabTopology) => void];

const r1 = (t: LabTopology) => t.routers[0]!;
/** Adds segment `vred` (198.18.1.0/24) for VRF red interfaces. */
const vred = (t: LabTopology): string => {
  t.segments.push({ name: 'vred', ipv4Prefix: '198.18.1.0/24' });
  return 'vred';
};

// Each row breaks one rule; the error must carry ERR_LAB_TOPOLOGY_INVALID and point at the field.
const invalid: Mutation[] = [
  ['lab name longer than 32', 'name', (t) => (t.name = 'a'.repeat(33))],
  ['lab name ending in a dash', 'name', (t) => (t.name = 'lab-')],
  ['lab name with upper case', 'name', (t) => (t.name = 'Lab')],
  ['no segments', 'segments', (t) => (t.segments = [])],
  ['no routers', 'routers', (t) => (t.routers = [])],
  ['segment without prefixes', 'segments[0]', (t) => (t.segments[0] = { name: 'lan' })],
  [
    'ipv4 prefix that is ipv6',
    'segments[0].ipv4Prefix',
    (t) => (t.segments[0]!.ipv4Prefix = '2001:db8::/64'),
  ],
  [
    'prefix without length',
    'segments[0].ipv4Prefix',
    (t) => (t.segments[0]!.ipv4Prefix = '198.18.0.0'),
  ],
  [
    'duplicate router name',
    'routers[1].name',
    (t) => t.routers.push({ ...r1(t), routerId: '198.18.0.2', interfaces: [] }),
  ],
  ['ASN 0', 'routers[0].asn', (t) => (r1(t).asn = 0)],
  ['AS_TRANS', 'routers[0].asn', (t) => (r1(t).asn = 23456)],
  ['ASN above 32 bits', 'routers[0].asn', (t) => (r1(t).asn = 2 ** 32)],
  ['router id not IPv4', 'routers[0].routerId', (t) => (r1(t).routerId = '2001:db8::1')],
  ['router without interfaces', 'routers[0].interfaces', (t) => (r1(t).interfaces = [])],
  [
    'unknown segment',
    'routers[0].interfaces[0].segment',
    (t) => (r1(t).interfaces[0]!.segment = 'nope'),
  ],
  [
    'address outside segment',
    'routers[0].interfaces[0].ipv4',
    (t) => (r1(t).interfaces[0]!.ipv4 = '198.19.0.1'),
  ],
  [
    'network address',
    'routers[0].interfaces[0].ipv4',
    (t) => (r1(t).interfaces[0]!.ipv4 = '198.18.0.0'),
  ],
  [
    'broadcast address',
    'routers[0].interfaces[0].ipv4',
    (t) => (r1(t).interfaces[0]!.ipv4 = '198.18.0.255'),
  ],
  ['address used twice', 'nodes[0].ipv4', (t) => (t.nodes[0]!.ipv4 = '198.18.0.1')],
  ['same ipv6 written differently', 'nodes[0].ipv6', (t) => (t.nodes[0]!.ipv6 = '2001:0db8:0::1')],
  [
    'neighbor not an address',
    'routers[0].neighbors[0].address',
    (t) => (r1(t).neighbors[0]!.address = 'x'),
  ],
  [
    'neighbor is the router itself',
    'routers[0].neighbors[0].address',
    (t) => (r1(t).neighbors[0]!.address = '198.18.0.1'),
  ],
  [
    'duplicate neighbor',
    'routers[0].neighbors[1].address',
    (t) => (r1(t).neighbors[1]!.address = '198.18.0.10'),
  ],
  [
    'hold time 1 s (RFC 4271 4.2)',
    'routers[0].neighbors[0].timers.holdS',
    (t) => (r1(t).neighbors[0]!.timers = { keepaliveS: 1, holdS: 1 }),
  ],
  [
    'BFD interval below 10 ms',
    'routers[0].neighbors[0].bfd.receiveIntervalMs',
    (t) => (r1(t).neighbors[0]!.bfd = { ...r1(t).neighbors[0]!.bfd!, receiveIntervalMs: 5 }),
  ],
  [
    'BFD multiplier 1',
    'routers[0].neighbors[0].bfd.detectMultiplier',
    (t) => (r1(t).neighbors[0]!.bfd = { ...r1(t).neighbors[0]!.bfd!, detectMultiplier: 1 }),
  ],
  [
    'one BFD profile name, two meanings',
    'routers[0].neighbors[1].bfd',
    (t) => (r1(t).neighbors[1]!.bfd = { ...r1(t).neighbors[1]!.bfd!, passive: true }),
  ],
  [
    'password with a space',
    'routers[0].neighbors[0].password',
    (t) => (r1(t).neighbors[0]!.password = 'a b'),
  ],
  ['port 0', 'routers[0].neighbors[0].port', (t) => (r1(t).neighbors[0]!.port = 0)],
  [
    'multihop 0',
    'routers[0].neighbors[0].ebgpMultihop',
    (t) => (r1(t).neighbors[0]!.ebgpMultihop = 0),
  ],
  [
    'unknown family',
    'routers[0].neighbors[0].families',
    (t) => (r1(t).neighbors[0]!.families = ['ipv5' as 'ipv4']),
  ],
  [
    'originated prefix of the wrong family',
    'routers[0].originate.ipv4[0]',
    (t) => (r1(t).originate = { ipv4: ['2001:db8::/48'] }),
  ],
  [
    'node without address',
    'nodes[0]',
    (t) => (t.nodes[0] = { name: 'n', asn: 64501, segment: 'lan' }),
  ],
  [
    'node ASN differs from the router neighbor',
    'routers[0].neighbors[0].remoteAsn',
    (t) => (t.nodes[0]!.asn = 64999),
  ],
  [
    'interface neighbour at a global address (unnumbered runs between link-locals)',
    'routers[0].neighbors[1].address',
    (t) => (r1(t).neighbors[1]!.interface = 'eth0'),
  ],
  [
    'interface neighbour on an interface name longer than IFNAMSIZ',
    'routers[0].neighbors[0].interface',
    (t) => Object.assign(r1(t).neighbors[0]!, { address: 'fe80::1', interface: 'e'.repeat(16) }),
  ],
  ['VRF named default', 'routers[0].vrf', (t) => (r1(t).vrf = 'default')],
  ['VRF name longer than an interface name', 'routers[0].vrf', (t) => (r1(t).vrf = 'v'.repeat(16))],
  [
    'node VRF interface on the node segment',
    'nodes[0].vrfs[0].segment',
    (t) => (t.nodes[0]!.vrfs = [{ vrf: 'red', segment: 'lan', ipv4: '198.18.0.77' }]),
  ],
  [
    'node VRF interface without address',
    'nodes[0].vrfs[0]',
    (t) => (t.nodes[0]!.vrfs = [{ vrf: 'red', segment: vred(t) }]),
  ],
  [
    'one VRF address on two nodes',
    'nodes[1].vrfs[0].ipv4',
    (t) => {
      t.nodes[0]!.vrfs = [{ vrf: 'red', segment: vred(t), ipv4: '198.18.1.10' }];
      t.nodes[1]!.vrfs = [{ vrf: 'red', segment: 'vred', ipv4: '198.18.1.10' }];
    },
  ],
  [
    'one VRF twice on a node',
    'nodes[0].vrfs[1].vrf',
    (t) =>
      (t.nodes[0]!.vrfs = [
        { vrf: 'red', segment: vred(t), ipv4: '198.18.1.10' },
        { vrf: 'red', segment: 'vred', ipv4: '198.18.1.11' },
      ]),
  ],
  [
    'too many routers for one-character indexes',
    'routers',
    (t) => {
      t.routers = Array.from({ length: 37 }, (_, i) => ({ ...r1(t), name: `r${i}` }));
    },
  ],
];

describe('validateTopology', () => {
  it('accepts the default topology (eBGP and iBGP) and the rich one', () => {
    expect(() => validateTopology(defaultTopology())).not.toThrow();
    const ibgp = validateTopology(defaultTopology({ ibgp: true }));
    expect(ibgp.nodes.every((n) => n.asn === ibgp.routers[0]!.asn)).toBe(true);
    expect(() => validateTopology(richTopology())).not.toThrow();
  });

  it('the default topology is the documented one', () => {
    const t = defaultTopology();
    expect(t.routers.map((r) => [r.name, r.asn, r.routerId, r.interfaces[0]])).toEqual([
      ['r1', 64500, '198.18.0.1', { segment: 'lan', ipv4: '198.18.0.1', ipv6: '2001:db8::1' }],
    ]);
    expect(t.nodes.map((n) => [n.asn, n.ipv4, n.ipv6])).toEqual([
      [64501, '198.18.0.10', '2001:db8::10'],
      [64501, '198.18.0.11', '2001:db8::11'],
    ]);
    expect(t.routers[0]!.neighbors.map((n) => n.address)).toEqual([
      '198.18.0.10',
      '2001:db8::10',
      '198.18.0.11',
      '2001:db8::11',
    ]);
  });

  for (const [name, path, mutate] of invalid) {
    it(`rejects ${name}`, () => {
      const t = defaultTopology({ labName: 'v' });
      mutate(t);
      expect(() => validateTopology(t)).toThrow(
        expect.objectContaining({ code: 'ERR_LAB_TOPOLOGY_INVALID', path }),
      );
    });
  }

  it('rejects non-objects without crashing', () => {
    for (const bad of [
      null,
      42,
      'x',
      { name: 'a' },
      { name: 'a', segments: {}, routers: [], nodes: [] },
    ]) {
      expect(() => validateTopology(bad as unknown as LabTopology)).toThrow(
        expect.objectContaining({ code: 'ERR_LAB_TOPOLOGY_INVALID' }),
      );
    }
  });
});

describe('names', () => {
  it('every link name fits IFNAMSIZ and carries the lab prefix, even at the limits', () => {
    const t = richTopology();
    t.name = 'abcde';
    for (const names of [
      plannedNames(t),
      plannedNames({ ...t, routers: Array(36).fill(t.routers[0]) }),
    ]) {
      for (const link of names.links) {
        expect(link.length).toBeLessThanOrEqual(15);
        expect(link.startsWith('ssim-abcde-')).toBe(true);
      }
      expect(names.namespaces.every((n) => n.startsWith('ssim-abcde-'))).toBe(true);
    }
  });

  it('long lab names get hashed link names that fit IFNAMSIZ and never merge two labs', () => {
    const a = 'seed-servicebgpstatus';
    const b = 'seed-servicebgpstatus-lab';
    for (const lab of [a, b, 'x'.repeat(32)]) {
      const t = { ...richTopology(), name: lab };
      validateTopology(t);
      for (const link of plannedNames(t).links) {
        expect(link.length).toBeLessThanOrEqual(15);
        expect(ownedName(link, linkPrefix(lab))).toBe(true);
      }
      expect(plannedNames(t).namespaces).toContain(`ssim-${lab}-r1`);
    }
    expect(linkPrefix(a)).not.toBe(linkPrefix(b));
    // A lab whose name extends another's never claims the other's objects, nor the reverse.
    expect(ownedName('ssim-lab-x-r1', labPrefix('lab'))).toBe(false);
    expect(ownedName('ssim-lab-r1', labPrefix('lab'))).toBe(true);
    expect(ownedName('ssim-lab-r1', labPrefix('lab-x'))).toBe(false);
  });

  it('labNameFor keeps valid names and never truncates two names into one', () => {
    expect(labNameFor('bfd-down-recovery')).toBe('bfd-down-recovery');
    const long1 = labNameFor('a-very-long-scenario-name-that-goes-on-and-on-1');
    const long2 = labNameFor('a-very-long-scenario-name-that-goes-on-and-on-2');
    expect(long1).not.toBe(long2);
    expect(labNameFor('seed.v1')).not.toBe(labNameFor('seed-v1'));
    for (const n of [long1, long2, labNameFor('seed.v1'), labNameFor('---'), labNameFor('Ü')]) {
      expect(n).toMatch(LAB_NAME_PATTERN);
    }
  });
});
