/**
 * Which nodes announce which Service IPs to which BGP peers, with which attributes, and the
 * ServiceBGPStatus objects that report it (reference §5, §11; MetalLB speaker
 * bgp_controller.go). Pure: the whole cluster view in, the desired announcements out.
 *
 * Data flow: Service IPs -> owning pool -> the pool's BGPAdvertisements (node, service and peer
 * selection) -> per node, the peers with a session there (BGPPeer nodeSelectors) -> prefixes
 * (the IP masked to aggregationLength) with LOCAL_PREF (iBGP only) and communities.
 */
import { type BgpCommunity, communityKey, compareCommunities } from './community.js';
import type { MetallbConfig, ParsedBgpAdvertisement, ParsedPeer, ParsedPool } from './config.js';
import { hasHealthyEndpoint, slicesForService } from './endpoints.js';
import { type IPAddr, type IPFamily, cidrContains, formatCIDR, maskIP, cidrOf } from './ip.js';
import { anySelectorMatches } from './labels.js';
import { nodeAddress, nodeExcludedFromLB, nodeNetworkAvailable } from './nodes.js';
import { isBuggyIP } from './pool.js';
import { ingressIPs } from './service-ip.js';
import type { EndpointSlice, Node, Service, ServiceBGPStatus } from './types.js';
import { METALLB_NAMESPACE } from './types.js';

export interface AnnounceInput {
  config: Pick<MetallbConfig, 'pools' | 'peers'>;
  nodes: readonly Node[];
  services: readonly Service[];
  endpointSlices: readonly EndpointSlice[];
  /** Nodes running a speaker; default: every node. */
  speakerNodes?: readonly string[];
  /** The speaker's loadBalancerClass; Services with another class are not MetalLB's. */
  loadBalancerClass?: string;
  /** Announce from nodes labelled exclude-from-external-load-balancers (speaker flag). */
  ignoreExcludeLB?: boolean;
}

/** One route as a BGP speaker sends it. */
export interface BgpRoute {
  /** `ip/len`, the Service IP masked to the advertisement's aggregation length. */
  prefix: string;
  family: IPFamily;
  /** The announcing node's address of the prefix's family. */
  nextHop?: string;
  /** RFC 4271 5.1.5: LOCAL_PREF is sent to internal peers only. */
  localPref?: number;
  /** RFC 1997 values ((asn << 16) | value), ascending. */
  communities: number[];
  /** RFC 8092 (global, local1, local2), ascending. */
  largeCommunities: [number, number, number][];
  /** `namespace/name` of the Services behind this prefix, sorted. */
  services: string[];
}

export interface NodePeerRoutes {
  node: string;
  /** BGPPeer name. */
  peer: string;
  routes: BgpRoute[];
}

export interface DesiredServiceBGPStatus {
  node: string;
  serviceName: string;
  serviceNamespace: string;
  /** Sorted BGPPeer names. */
  peers: string[];
}

export interface BgpPlan {
  /** Sorted by node, then peer name; a peer with a session but nothing to announce has routes []. */
  sessions: NodePeerRoutes[];
  /** Sorted by node, namespace, name; only (Service, node) pairs with at least one peer. */
  statuses: DesiredServiceBGPStatus[];
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export function poolForIPs(
  pools: Iterable<ParsedPool>,
  ips: readonly IPAddr[],
): ParsedPool | undefined {
  for (const p of pools) {
    let n = 0;
    for (const ip of ips) {
      if (p.avoidBuggyIPs && isBuggyIP(ip)) continue;
      if (p.cidrs.some((c) => cidrContains(c, ip))) n++;
    }
    if (n === ips.length && ips.length > 0) return p;
  }
  return undefined;
}

export function peerSelectsNode(peer: ParsedPeer, node: Node): boolean {
  return anySelectorMatches(peer.nodeSelectors, node.metadata.labels);
}

export function isInternalPeer(peer: ParsedPeer): boolean {
  return (
    peer.dynamicASN === 'internal' || (peer.dynamicASN === undefined && peer.asn === peer.myASN)
  );
}

/**
 * frr-k8s activates a neighbour for its own address family only, unless
 * dualStackAddressFamily asks for both (RFC 4760 multiprotocol); unnumbered peers carry both.
 * ServiceBGPStatus reports intent, so it still names such a peer.
 */
export function peerCarriesFamily(peer: ParsedPeer, family: IPFamily): boolean {
  if (peer.iface !== undefined || peer.dualStackAddressFamily) return true;
  const peerFamily: IPFamily = (peer.address ?? '').includes(':') ? 'ipv6' : 'ipv4';
  return peerFamily === family;
}

export function isServedService(svc: Service, loadBalancerClass?: string): boolean {
  return (
    svc.spec.type === 'LoadBalancer' &&
    (svc.spec.loadBalancerClass ?? undefined) === loadBalancerClass
  );
}

/**
 * MetalLB's bgpController.ShouldAnnounce: the pool is advertised from this node, the node is
 * usable, and Cluster needs a healthy endpoint anywhere while Local needs one on this node.
 */
export function shouldAnnounceBgp(
  pool: ParsedPool,
  svc: Service,
  node: Node,
  slices: readonly EndpointSlice[],
  ignoreExcludeLB = false,
): boolean {
  const name = node.metadata.name ?? '';
  if (!pool.bgpAdvertisements.some((a) => a.nodes.has(name))) return false;
  if (!nodeNetworkAvailable(node)) return false;
  if (!ignoreExcludeLB && nodeExcludedFromLB(node)) return false;
  if (svc.spec.externalTrafficPolicy === 'Local') return hasHealthyEndpoint(slices, name);
  return hasHealthyEndpoint(slices);
}

function adAppliesTo(ad: ParsedBgpAdvertisement, svc: Service, node: string): boolean {
  return ad.nodes.has(node) && anySelectorMatches(ad.serviceSelectors, svc.metadata.labels);
}

function adMatchesPeer(ad: ParsedBgpAdvertisement, peer: string): boolean {
  return ad.peers.length === 0 || ad.peers.includes(peer);
}

interface RouteAcc {
  family: IPFamily;
  localPref: number;
  communities: Map<string, BgpCommunity>;
  services: Set<string>;
}

export function planBgp(input: AnnounceInput): BgpPlan {
  const speakers = new Set(input.speakerNodes ?? input.nodes.map((n) => n.metadata.name ?? ''));
  const nodes = [...input.nodes]
    .filter((n) => speakers.has(n.metadata.name ?? ''))
    .sort((a, b) => cmp(a.metadata.name ?? '', b.metadata.name ?? ''));
  const peers = [...input.config.peers.values()].sort((a, b) => cmp(a.name, b.name));
  const services = input.services.filter((s) => isServedService(s, input.loadBalancerClass));

  const sessions: NodePeerRoutes[] = [];
  const statuses: DesiredServiceBGPStatus[] = [];
  for (const node of nodes) {
    const nodeName = node.metadata.name ?? '';
    const nodePeers = peers.filter((p) => peerSelectsNode(p, node));
    const perPeer = new Map<string, Map<string, RouteAcc>>(
      nodePeers.map((p) => [p.name, new Map()]),
    );
    const svcPeers = new Map<string, { svc: Service; peers: Set<string> }>();
    for (const svc of services) {
      const ips = ingressIPs(svc);
      const pool = poolForIPs(input.config.pools.values(), ips);
      if (!pool) continue;
      const slices = slicesForService(svc, input.endpointSlices);
      if (!shouldAnnounceBgp(pool, svc, node, slices, input.ignoreExcludeLB)) continue;
      const key = `${svc.metadata.namespace ?? ''}/${svc.metadata.name ?? ''}`;
      for (const ip of ips) {
        for (const ad of pool.bgpAdvertisements) {
          if (!adAppliesTo(ad, svc, nodeName)) continue;
          const len = ip.family === 'ipv4' ? ad.aggregationLength : ad.aggregationLengthV6;
          const prefix = formatCIDR(cidrOf(maskIP(ip, len), len));
          for (const peer of nodePeers) {
            if (!adMatchesPeer(ad, peer.name)) continue;
            const entry = svcPeers.get(key) ?? { svc, peers: new Set<string>() };
            entry.peers.add(peer.name);
            svcPeers.set(key, entry);
            if (!peerCarriesFamily(peer, ip.family)) continue;
            const routes = perPeer.get(peer.name)!;
            const acc = routes.get(prefix) ?? {
              family: ip.family,
              localPref: 0,
              communities: new Map<string, BgpCommunity>(),
              services: new Set<string>(),
            };
            // Overlapping advertisements add up in FRR (on-match next): communities join,
            // the highest LOCAL_PREF stands.
            acc.localPref = Math.max(acc.localPref, ad.localPref);
            for (const c of ad.communities) acc.communities.set(communityKey(c), c);
            acc.services.add(key);
            routes.set(prefix, acc);
          }
        }
      }
    }
    for (const peer of nodePeers) {
      const routes = [...perPeer.get(peer.name)!.entries()].sort(([a], [b]) =>
        comparePrefixes(a, b),
      );
      sessions.push({
        node: nodeName,
        peer: peer.name,
        routes: routes.map(([prefix, acc]) => toRoute(prefix, acc, peer, node)),
      });
    }
    for (const { svc, peers: names } of svcPeers.values()) {
      statuses.push({
        node: nodeName,
        serviceName: svc.metadata.name ?? '',
        serviceNamespace: svc.metadata.namespace ?? '',
        peers: [...names].sort(cmp),
      });
    }
  }
  statuses.sort(
    (a, b) =>
      cmp(a.node, b.node) ||
      cmp(a.serviceNamespace, b.serviceNamespace) ||
      cmp(a.serviceName, b.serviceName),
  );
  return { sessions, statuses };
}

function toRoute(prefix: string, acc: RouteAcc, peer: ParsedPeer, node: Node): BgpRoute {
  const comms = [...acc.communities.values()].sort(compareCommunities);
  const route: BgpRoute = {
    prefix,
    family: acc.family,
    communities: comms.flatMap((c) => (c.kind === 'standard' ? [c.value] : [])),
    largeCommunities: comms.flatMap((c) =>
      c.kind === 'large' ? [[...c.value] as [number, number, number]] : [],
    ),
    services: [...acc.services].sort(cmp),
  };
  // In a VRF the next hop is the node's address there, and over an unnumbered link the link-local
  // address of its interface (RFC 8950): the session's source, which only the speaker knows
  // (peer-sessions.ts), not the Node's own.
  const nh = peer.vrf || peer.iface ? undefined : nodeAddress(node, acc.family);
  if (nh !== undefined) route.nextHop = nh;
  if (acc.localPref > 0 && isInternalPeer(peer)) route.localPref = acc.localPref;
  return route;
}

/** IPv4 before IPv6, then numerically by address and length. */
export function comparePrefixes(a: string, b: string): number {
  const fa = a.includes(':') ? 1 : 0;
  const fb = b.includes(':') ? 1 : 0;
  if (fa !== fb) return fa - fb;
  return cmp(sortKey(a), sortKey(b));
}

function sortKey(prefix: string): string {
  const [addr = '', len = '0'] = prefix.split('/');
  if (!addr.includes(':'))
    return (
      addr
        .split('.')
        .map((o) => o.padStart(3, '0'))
        .join('.') +
      '/' +
      len.padStart(3, '0')
    );
  return addr + '/' + len.padStart(3, '0');
}

export const SERVICE_BGP_STATUS_LABELS = {
  node: 'metallb.io/node',
  serviceName: 'metallb.io/service-name',
  serviceNamespace: 'metallb.io/service-namespace',
} as const;

/** The object to create for a desired status (the API server fills in the generated name). */
export function serviceBgpStatusObject(
  d: DesiredServiceBGPStatus,
  namespace = METALLB_NAMESPACE,
): ServiceBGPStatus {
  return {
    apiVersion: 'metallb.io/v1beta1',
    kind: 'ServiceBGPStatus',
    metadata: {
      generateName: 'bgp-',
      namespace,
      labels: {
        [SERVICE_BGP_STATUS_LABELS.node]: d.node,
        [SERVICE_BGP_STATUS_LABELS.serviceName]: d.serviceName,
        [SERVICE_BGP_STATUS_LABELS.serviceNamespace]: d.serviceNamespace,
      },
    },
    spec: {},
    status: {
      node: d.node,
      peers: [...d.peers],
      serviceName: d.serviceName,
      serviceNamespace: d.serviceNamespace,
    },
  };
}
