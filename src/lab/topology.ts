import { Address4, Address6 } from 'ip-address';
import { LabTopologyError } from './errors.js';

/**
 * The lab's typed topology: routers (FRR, one network namespace each), segments (one bridge each
 * in the host namespace), and simulated nodes (speakersim's MetalLB nodes, whose addresses live
 * on the segment's bridge so that speakersim in the host namespace can bind one per node).
 */

export type AddressFamily = 'ipv4' | 'ipv6';

export interface BfdProfileSpec {
  /** FRR profile name, shared by every neighbor that uses the same values. */
  name: string;
  receiveIntervalMs: number;
  transmitIntervalMs: number;
  detectMultiplier: number;
  passive: boolean;
}

export interface NeighborSpec {
  /** The neighbour's address; for an `interface` neighbour its IPv6 link-local address there. */
  address: string;
  /**
   * Unnumbered (FRR `neighbor IFACE interface remote-as N`): the session runs over this
   * interface of the router to the neighbour's link-local address, with RFC 8950 extended next
   * hops, IPv4 and IPv6 unicast. FRR learns that address from the neighbour's Router
   * Advertisements; builtin routers take `address`.
   */
  interface?: string;
  remoteAsn: number;
  bfd?: BfdProfileSpec;
  ebgpMultihop?: number;
  /** RFC 5082 GTSM (FRR `neighbor X ttl-security hops N`): send TTL 255, accept >= 256 - N. */
  ttlSecurityHops?: number;
  password?: string;
  /** TCP port the neighbor listens on (FRR `neighbor X port N`); 179 when absent. */
  port?: number;
  timers?: { keepaliveS: number; holdS: number };
  connectRetryS?: number;
  /** Address families activated on the session; the family of `address` when absent. */
  families?: AddressFamily[];
  /**
   * RFC 8950 extended next hop (FRR `neighbor X capability extended-nexthop`): IPv4 routes with
   * IPv6 next hops over an IPv6 session. FRR turns it on by itself for `interface` neighbours.
   */
  extendedNextHop?: boolean;
}

export interface RouterInterfaceSpec {
  segment: string;
  /** Interface name in the router (FRR's, for `neighbor IFACE interface`). */
  name?: string;
  /** Its IPv6 link-local address (RFC 4291 2.5.6), for unnumbered neighbours. */
  linkLocal?: string;
  ipv4?: string;
  ipv6?: string;
}

export interface RouterSpec {
  name: string;
  asn: number;
  routerId: string;
  /**
   * The VRF its interfaces and its BGP instance are in (FRR `router bgp ASN vrf NAME`); absent:
   * the default VRF. Its neighbours are reached through that VRF only.
   */
  vrf?: string;
  interfaces: RouterInterfaceSpec[];
  neighbors: NeighborSpec[];
  /** Prefixes this router originates itself (static blackhole + `network`). */
  originate?: { ipv4?: string[]; ipv6?: string[] };
}

export interface SegmentSpec {
  name: string;
  ipv4Prefix?: string;
  ipv6Prefix?: string;
}

/** A node's interface enslaved to a VRF (Linux `ip link set dev X master VRF`). */
export interface NodeVrfInterfaceSpec {
  vrf: string;
  segment: string;
  ipv4?: string;
  ipv6?: string;
}

export interface SimulatedNodeSpec {
  name: string;
  /** The ASN speakersim uses for this node (MetalLB's myASN). */
  asn: number;
  segment: string;
  ipv4?: string;
  ipv6?: string;
  /** Its interface on `segment` (what a BGPPeer's `interface` names) and that one's link-local. */
  interface?: { name: string; linkLocal: string };
  /** Interfaces in VRFs: a BGPPeer with `vrf: NAME` runs its session from this node's one. */
  vrfs?: NodeVrfInterfaceSpec[];
}

export interface LabTopology {
  /** Lab name (1-32 of [a-z0-9-], DNS-label style); names every namespace, link, container. */
  name: string;
  segments: SegmentSpec[];
  routers: RouterSpec[];
  nodes: SimulatedNodeSpec[];
}

export const LAB_NAME_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/;
const ROUTER_NAME_PATTERN = /^[a-z][a-z0-9]{0,9}$/;
const SEGMENT_NAME_PATTERN = /^[a-z][a-z0-9-]{0,15}$/;
const NODE_NAME_PATTERN = /^[a-z0-9]([a-z0-9.-]{0,61}[a-z0-9])?$/;
/** A Linux interface name (IFNAMSIZ 16 with its NUL) that is no FRR keyword ('default'). */
export const VRF_NAME_PATTERN = /^(?!default$)[a-z][a-z0-9-]{0,14}$/;
/** A Linux interface name: at most 15 characters (IFNAMSIZ 16 with its NUL). */
export const IFNAME_PATTERN = /^[A-Za-z0-9_.-]{1,15}$/;
/** Interface names carry a one-character base-36 index for routers and segments. */
export const MAX_ROUTERS = 36;
export const MAX_SEGMENTS = 36;

export interface DefaultTopologyOptions {
  labName?: string;
  /** Nodes use the router's AS (iBGP) instead of AS 64501 (eBGP). */
  ibgp?: boolean;
  /** BFD on the router's sessions to the nodes (default true). */
  bfd?: boolean;
}

/** The default lab, mirrored by compose.yaml: one router, two MetalLB nodes. */
export function defaultTopology(options: DefaultTopologyOptions = {}): LabTopology {
  const nodeAsn = options.ibgp ? 64500 : 64501;
  const bfd: BfdProfileSpec | undefined =
    options.bfd === false
      ? undefined
      : {
          name: 'speakersim',
          receiveIntervalMs: 300,
          transmitIntervalMs: 300,
          detectMultiplier: 3,
          passive: false,
        };
  const nodes: SimulatedNodeSpec[] = [
    { name: 'node1', asn: nodeAsn, segment: 'lan', ipv4: '198.18.0.10', ipv6: '2001:db8::10' },
    { name: 'node2', asn: nodeAsn, segment: 'lan', ipv4: '198.18.0.11', ipv6: '2001:db8::11' },
  ];
  return {
    name: options.labName ?? 'lab',
    segments: [{ name: 'lan', ipv4Prefix: '198.18.0.0/24', ipv6Prefix: '2001:db8::/64' }],
    routers: [
      {
        name: 'r1',
        asn: 64500,
        routerId: '198.18.0.1',
        interfaces: [{ segment: 'lan', ipv4: '198.18.0.1', ipv6: '2001:db8::1' }],
        neighbors: nodes.flatMap((n) =>
          [n.ipv4, n.ipv6]
            .filter((a): a is string => a !== undefined)
            .map((address) => ({ address, remoteAsn: nodeAsn, ...(bfd ? { bfd } : {}) })),
        ),
      },
    ],
    nodes,
  };
}

function familyOf(address: string): AddressFamily | undefined {
  if (Address4.isValid(address) && !address.includes('/')) return 'ipv4';
  if (Address6.isValid(address) && !address.includes('/')) return 'ipv6';
  return undefined;
}

/** Canonical text of an address (IPv6 compressed lower case), for comparisons. */
export function canonicalAddress(address: string): string {
  return familyOf(address) === 'ipv6'
    ? new Address6(address).correctForm()
    : new Address4(address).correctForm();
}

function parsePrefix(path: string, prefix: string, family: AddressFamily): Address4 | Address6 {
  const [addr, len, extra] = prefix.split('/');
  if (addr === undefined || len === undefined || extra !== undefined || !/^\d{1,3}$/.test(len)) {
    throw new LabTopologyError(path, 'expected a prefix like 198.18.0.0/24');
  }
  const max = family === 'ipv4' ? 32 : 128;
  if (Number(len) > max || familyOf(addr) !== family) {
    throw new LabTopologyError(path, `expected an ${family} prefix`);
  }
  return family === 'ipv4' ? new Address4(prefix) : new Address6(prefix);
}

function inPrefix(address: string, prefix: string): boolean {
  return familyOf(address) === 'ipv4'
    ? new Address4(address).isInSubnet(new Address4(prefix))
    : new Address6(address).isInSubnet(new Address6(prefix));
}

function checkInt(path: string, value: unknown, lo: number, hi: number): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < lo || value > hi) {
    throw new LabTopologyError(path, `expected an integer in [${lo}, ${hi}]`);
  }
}

function checkName(path: string, value: unknown, pattern: RegExp): void {
  if (typeof value !== 'string' || !pattern.test(value)) {
    throw new LabTopologyError(path, `expected a name matching ${pattern}`);
  }
}

function checkAsn(path: string, value: unknown): void {
  // RFC 6793: four-octet ASNs; 0 is reserved (RFC 7607) and 23456 is AS_TRANS.
  checkInt(path, value, 1, 4294967295);
  if (value === 23456) throw new LabTopologyError(path, 'AS_TRANS (23456) is not a real ASN');
}

function checkHostAddress(
  path: string,
  value: unknown,
  family: AddressFamily,
  segment: SegmentSpec,
): void {
  if (typeof value !== 'string' || familyOf(value) !== family) {
    throw new LabTopologyError(path, `expected an ${family} address`);
  }
  const prefix = family === 'ipv4' ? segment.ipv4Prefix : segment.ipv6Prefix;
  if (prefix === undefined) {
    throw new LabTopologyError(path, `segment ${segment.name} has no ${family} prefix`);
  }
  if (!inPrefix(value, prefix)) {
    throw new LabTopologyError(path, `${value} is outside segment prefix ${prefix}`);
  }
  if (family === 'ipv4') {
    const p = new Address4(prefix);
    const a = new Address4(value).correctForm();
    if (
      p.subnetMask <= 30 &&
      (a === p.startAddress().correctForm() || a === p.endAddress().correctForm())
    ) {
      throw new LabTopologyError(path, 'network and broadcast addresses are not host addresses');
    }
  }
}

function checkBfd(path: string, bfd: BfdProfileSpec, seen: Map<string, BfdProfileSpec>): void {
  checkName(`${path}.name`, bfd.name, /^[A-Za-z0-9_-]{1,32}$/);
  // FRR bfdd accepts 10..60000 ms for both intervals and 2..255 for the multiplier.
  checkInt(`${path}.receiveIntervalMs`, bfd.receiveIntervalMs, 10, 60000);
  checkInt(`${path}.transmitIntervalMs`, bfd.transmitIntervalMs, 10, 60000);
  checkInt(`${path}.detectMultiplier`, bfd.detectMultiplier, 2, 255);
  if (typeof bfd.passive !== 'boolean') throw new LabTopologyError(`${path}.passive`, 'boolean');
  const prior = seen.get(bfd.name);
  if (
    prior &&
    (prior.receiveIntervalMs !== bfd.receiveIntervalMs ||
      prior.transmitIntervalMs !== bfd.transmitIntervalMs ||
      prior.detectMultiplier !== bfd.detectMultiplier ||
      prior.passive !== bfd.passive)
  ) {
    throw new LabTopologyError(path, `profile ${bfd.name} is defined twice with other values`);
  }
  seen.set(bfd.name, bfd);
}

function checkNeighbor(path: string, n: NeighborSpec, ownAddresses: Set<string>): void {
  const family = typeof n.address === 'string' ? familyOf(n.address) : undefined;
  if (!family) throw new LabTopologyError(`${path}.address`, 'expected an IP address');
  if (ownAddresses.has(canonicalAddress(n.address))) {
    throw new LabTopologyError(`${path}.address`, 'a router cannot peer with itself');
  }
  checkAsn(`${path}.remoteAsn`, n.remoteAsn);
  if (n.interface !== undefined) {
    checkName(`${path}.interface`, n.interface, IFNAME_PATTERN);
    // The session runs between link-local addresses (RFC 8950 over RFC 4291 2.5.6 ones).
    if (family !== 'ipv6' || !new Address6(n.address).isInSubnet(new Address6('fe80::/10')))
      throw new LabTopologyError(
        `${path}.address`,
        'an interface neighbour has a link-local address',
      );
  }
  if (n.ebgpMultihop !== undefined) checkInt(`${path}.ebgpMultihop`, n.ebgpMultihop, 1, 255);
  if (n.ttlSecurityHops !== undefined) {
    checkInt(`${path}.ttlSecurityHops`, n.ttlSecurityHops, 1, 254);
    // FRR refuses ttl-security beside ebgp-multihop: both set the TTL.
    if (n.ebgpMultihop !== undefined) {
      throw new LabTopologyError(`${path}.ttlSecurityHops`, 'not with ebgpMultihop');
    }
  }
  if (n.port !== undefined) checkInt(`${path}.port`, n.port, 1, 65535);
  if (n.connectRetryS !== undefined) checkInt(`${path}.connectRetryS`, n.connectRetryS, 1, 65535);
  if (n.password !== undefined) {
    // FRR stores the password as one word of its config; TCP-MD5 keys are at most 80 bytes.
    if (typeof n.password !== 'string' || !/^[\x21-\x7e]{1,80}$/.test(n.password)) {
      throw new LabTopologyError(`${path}.password`, 'expected 1-80 printable, non-space chars');
    }
  }
  if (n.timers !== undefined) {
    checkInt(`${path}.timers.keepaliveS`, n.timers.keepaliveS, 0, 65535);
    checkInt(`${path}.timers.holdS`, n.timers.holdS, 0, 65535);
    // RFC 4271 4.2: the Hold Time MUST be either zero or at least three seconds.
    if (n.timers.holdS !== 0 && n.timers.holdS < 3) {
      throw new LabTopologyError(`${path}.timers.holdS`, 'hold time is 0 or at least 3 s');
    }
  }
  if (n.families !== undefined) {
    if (
      !Array.isArray(n.families) ||
      n.families.length === 0 ||
      n.families.some((f) => f !== 'ipv4' && f !== 'ipv6') ||
      new Set(n.families).size !== n.families.length
    ) {
      throw new LabTopologyError(`${path}.families`, 'expected distinct ipv4/ipv6 entries');
    }
  }
}

/**
 * Checks a topology and returns it unchanged; throws LabTopologyError (code
 * ERR_LAB_TOPOLOGY_INVALID, with the path of the offending field) at the first problem.
 */
export function validateTopology(topology: LabTopology): LabTopology {
  if (typeof topology !== 'object' || topology === null) {
    throw new LabTopologyError('$', 'expected an object');
  }
  checkName('name', topology.name, LAB_NAME_PATTERN);
  for (const key of ['segments', 'routers', 'nodes'] as const) {
    if (!Array.isArray(topology[key])) throw new LabTopologyError(key, 'expected a list');
  }
  if (topology.segments.length < 1 || topology.segments.length > MAX_SEGMENTS) {
    throw new LabTopologyError('segments', `expected 1-${MAX_SEGMENTS} segments`);
  }
  if (topology.routers.length < 1 || topology.routers.length > MAX_ROUTERS) {
    throw new LabTopologyError('routers', `expected 1-${MAX_ROUTERS} routers`);
  }

  const segments = new Map<string, SegmentSpec>();
  topology.segments.forEach((s, i) => {
    const path = `segments[${i}]`;
    checkName(`${path}.name`, s.name, SEGMENT_NAME_PATTERN);
    if (segments.has(s.name)) throw new LabTopologyError(`${path}.name`, 'duplicate segment');
    if (s.ipv4Prefix === undefined && s.ipv6Prefix === undefined) {
      throw new LabTopologyError(path, 'a segment needs an ipv4Prefix or an ipv6Prefix');
    }
    if (s.ipv4Prefix !== undefined) parsePrefix(`${path}.ipv4Prefix`, s.ipv4Prefix, 'ipv4');
    if (s.ipv6Prefix !== undefined) parsePrefix(`${path}.ipv6Prefix`, s.ipv6Prefix, 'ipv6');
    segments.set(s.name, s);
  });

  const usedAddresses = new Map<string, string>();
  const claim = (path: string, address: string | undefined): void => {
    if (address === undefined) return;
    const key = canonicalAddress(address);
    const owner = usedAddresses.get(key);
    if (owner) throw new LabTopologyError(path, `${address} is already used by ${owner}`);
    usedAddresses.set(key, path);
  };
  const segmentOf = (path: string, name: string): SegmentSpec => {
    const s = segments.get(name);
    if (!s) throw new LabTopologyError(path, `unknown segment ${String(name)}`);
    return s;
  };

  const routerNames = new Set<string>();
  const routerIds = new Set<string>();
  topology.routers.forEach((r, i) => {
    const path = `routers[${i}]`;
    checkName(`${path}.name`, r.name, ROUTER_NAME_PATTERN);
    if (routerNames.has(r.name)) throw new LabTopologyError(`${path}.name`, 'duplicate router');
    routerNames.add(r.name);
    checkAsn(`${path}.asn`, r.asn);
    if (typeof r.routerId !== 'string' || familyOf(r.routerId) !== 'ipv4') {
      // RFC 4271 4.2: the BGP Identifier is a 4-octet value, written as an IPv4 address.
      throw new LabTopologyError(`${path}.routerId`, 'expected an IPv4 dotted quad');
    }
    if (routerIds.has(r.routerId)) throw new LabTopologyError(`${path}.routerId`, 'duplicate');
    routerIds.add(r.routerId);
    if (r.vrf !== undefined) checkName(`${path}.vrf`, r.vrf, VRF_NAME_PATTERN);
    if (!Array.isArray(r.interfaces) || r.interfaces.length === 0) {
      throw new LabTopologyError(`${path}.interfaces`, 'a router needs at least one interface');
    }
    const own = new Set<string>();
    const attached = new Set<string>();
    r.interfaces.forEach((itf, j) => {
      const ipath = `${path}.interfaces[${j}]`;
      const seg = segmentOf(`${ipath}.segment`, itf.segment);
      if (attached.has(seg.name)) {
        throw new LabTopologyError(`${ipath}.segment`, 'router attached twice to one segment');
      }
      attached.add(seg.name);
      if (itf.ipv4 === undefined && itf.ipv6 === undefined) {
        throw new LabTopologyError(ipath, 'an interface needs an ipv4 or ipv6 address');
      }
      if (itf.ipv4 !== undefined) checkHostAddress(`${ipath}.ipv4`, itf.ipv4, 'ipv4', seg);
      if (itf.ipv6 !== undefined) checkHostAddress(`${ipath}.ipv6`, itf.ipv6, 'ipv6', seg);
      claim(`${ipath}.ipv4`, itf.ipv4);
      claim(`${ipath}.ipv6`, itf.ipv6);
      for (const a of [itf.ipv4, itf.ipv6]) if (a !== undefined) own.add(canonicalAddress(a));
    });
    if (!Array.isArray(r.neighbors)) throw new LabTopologyError(`${path}.neighbors`, 'list');
    const bfdProfiles = new Map<string, BfdProfileSpec>();
    const peers = new Set<string>();
    r.neighbors.forEach((n, j) => {
      const npath = `${path}.neighbors[${j}]`;
      checkNeighbor(npath, n, own);
      const key = canonicalAddress(n.address);
      if (peers.has(key)) throw new LabTopologyError(`${npath}.address`, 'duplicate neighbor');
      peers.add(key);
      if (n.bfd !== undefined) checkBfd(`${npath}.bfd`, n.bfd, bfdProfiles);
    });
    for (const family of ['ipv4', 'ipv6'] as const) {
      (r.originate?.[family] ?? []).forEach((p, j) =>
        parsePrefix(`${path}.originate.${family}[${j}]`, p, family),
      );
    }
  });

  const nodeNames = new Set<string>();
  topology.nodes.forEach((n, i) => {
    const path = `nodes[${i}]`;
    checkName(`${path}.name`, n.name, NODE_NAME_PATTERN);
    if (nodeNames.has(n.name)) throw new LabTopologyError(`${path}.name`, 'duplicate node');
    nodeNames.add(n.name);
    checkAsn(`${path}.asn`, n.asn);
    const seg = segmentOf(`${path}.segment`, n.segment);
    if (n.ipv4 === undefined && n.ipv6 === undefined) {
      throw new LabTopologyError(path, 'a node needs an ipv4 or ipv6 address');
    }
    if (n.ipv4 !== undefined) checkHostAddress(`${path}.ipv4`, n.ipv4, 'ipv4', seg);
    if (n.ipv6 !== undefined) checkHostAddress(`${path}.ipv6`, n.ipv6, 'ipv6', seg);
    claim(`${path}.ipv4`, n.ipv4);
    claim(`${path}.ipv6`, n.ipv6);
    if (n.vrfs !== undefined && !Array.isArray(n.vrfs))
      throw new LabTopologyError(`${path}.vrfs`, 'expected a list');
    const vrfs = new Set<string>();
    // Their namespace and veth names carry one base-36 character per index (names.ts).
    if ((n.vrfs?.length ?? 0) > 0 && i >= 36)
      throw new LabTopologyError(`${path}.vrfs`, 'only the first 36 nodes may have VRFs');
    if ((n.vrfs?.length ?? 0) > 36) throw new LabTopologyError(`${path}.vrfs`, 'at most 36');
    (n.vrfs ?? []).forEach((v, j) => {
      const vpath = `${path}.vrfs[${j}]`;
      checkName(`${vpath}.vrf`, v.vrf, VRF_NAME_PATTERN);
      if (vrfs.has(v.vrf)) throw new LabTopologyError(`${vpath}.vrf`, 'duplicate VRF');
      vrfs.add(v.vrf);
      const vseg = segmentOf(`${vpath}.segment`, v.segment);
      // One segment is one broadcast domain: an interface in a VRF sits on a segment of its own.
      if (vseg.name === seg.name)
        throw new LabTopologyError(`${vpath}.segment`, 'the node is already on this segment');
      if (v.ipv4 === undefined && v.ipv6 === undefined)
        throw new LabTopologyError(vpath, 'a VRF interface needs an ipv4 or ipv6 address');
      if (v.ipv4 !== undefined) checkHostAddress(`${vpath}.ipv4`, v.ipv4, 'ipv4', vseg);
      if (v.ipv6 !== undefined) checkHostAddress(`${vpath}.ipv6`, v.ipv6, 'ipv6', vseg);
      claim(`${vpath}.ipv4`, v.ipv4);
      claim(`${vpath}.ipv6`, v.ipv6);
    });
  });

  // A router's neighbor that is a simulated node must expect the node's own ASN.
  const nodeAsnByAddress = new Map<string, number>();
  for (const n of topology.nodes) {
    for (const a of [n.ipv4, n.ipv6, ...(n.vrfs ?? []).flatMap((v) => [v.ipv4, v.ipv6])])
      if (a) nodeAsnByAddress.set(canonicalAddress(a), n.asn);
  }
  topology.routers.forEach((r, i) =>
    r.neighbors.forEach((nb, j) => {
      const asn = nodeAsnByAddress.get(canonicalAddress(nb.address));
      if (asn !== undefined && asn !== nb.remoteAsn) {
        throw new LabTopologyError(
          `routers[${i}].neighbors[${j}].remoteAsn`,
          `node at ${nb.address} uses AS ${asn}`,
        );
      }
    }),
  );
  return topology;
}

/** Address family of a neighbor or host address (validated topologies only). */
export function addressFamily(address: string): AddressFamily {
  const f = familyOf(address);
  if (!f) throw new LabTopologyError(address, 'not an IP address');
  return f;
}

/** Prefix length of a segment, for addresses configured on its interfaces. */
export function prefixLength(prefix: string): number {
  return Number(prefix.split('/')[1]);
}

/**
 * The prefixes of a segment that something uses: a family no router interface and no node has
 * an address of on the segment puts nothing on any interface, so it cannot collide either.
 */
export function usedSegmentPrefixes(t: LabTopology, segment: SegmentSpec): string[] {
  const on = [
    ...t.routers.flatMap((r) => r.interfaces.filter((i) => i.segment === segment.name)),
    ...t.nodes.filter((n) => n.segment === segment.name),
    ...t.nodes.flatMap((n) => (n.vrfs ?? []).filter((v) => v.segment === segment.name)),
  ];
  return [
    segment.ipv4Prefix !== undefined && on.some((x) => x.ipv4) ? segment.ipv4Prefix : undefined,
    segment.ipv6Prefix !== undefined && on.some((x) => x.ipv6) ? segment.ipv6Prefix : undefined,
  ].filter((p): p is string => p !== undefined);
}
