/**
 * The scenario side of the peer backends: `labTopologyFor` turns a scenario's topology into
 * the lab's, and `peerBackendFor` builds the backend (src/lab/backends.ts) with the runner's
 * network guard. The PeerBackend interface and its three implementations live in src/lab.
 */
import type { Clock } from '../../core/clock.js';
import type { Random } from '../../core/random.js';
import { createPeerBackend } from '../../lab/backends.js';
import { labSubnets, type PeerBackend } from '../../lab/peer-backend.js';
import { Address4, Address6 } from 'ip-address';
import type {
  LabTopology,
  NeighborSpec,
  RouterSpec as LabRouterSpec,
  SegmentSpec,
} from '../../lab/topology.js';
import type { AddressPair, Backend, Manifest, Scenario } from '../types.js';
import { LabGuard } from './lab-guard.js';
import { linkLocalOf, nodeMac, routerIfName, routerMac } from '../../lab/names.js';
import { bgpPeerPassword } from '../../metallb/config.js';
import type { BGPPeer, Secret } from '../../metallb/types.js';

export { PeerBackendError } from '../../lab/peer-backend.js';
export type { PeerBackend, RouterPath } from '../../lab/peer-backend.js';
export { BuiltinBackend } from '../../lab/builtin/backend.js';
export { NetnsBackend } from '../../lab/netns-backend.js';
export { ComposeBackend } from '../../lab/compose-backend.js';

/**
 * The router side of the lab, derived from the scenario: each router accepts the simulated
 * nodes that a BGPPeer points at it, with the BGPPeer's myASN, and runs BFD with the router's
 * `bfd` settings. Nodes with no BGPPeer for a router are still accepted as eBGP neighbours.
 */
export function labTopologyFor(scenario: Scenario, labName: string): LabTopology {
  const t = scenario.topology;
  const manifests = scenario.resources.flatMap((r) => r.manifests);
  const peers = manifests.filter((m: Manifest) => m.kind === 'BGPPeer') as unknown as BGPPeer[];
  const secrets: Record<string, Secret> = {};
  for (const m of manifests) {
    if (m.kind === 'Secret')
      secrets[(m as unknown as Secret).metadata.name!] = m as unknown as Secret;
  }
  const segment = { name: 'lan', ipv4Prefix: t.subnets.ipv4, ipv6Prefix: t.subnets.ipv6 };
  const segments = [segment, ...vrfSegments(t)];
  const routers: LabRouterSpec[] = t.routers.map((r) => {
    const bfd = r.bfd
      ? {
          name: `${r.name}-bfd`,
          receiveIntervalMs: r.bfd.receiveInterval ?? 300,
          transmitIntervalMs: r.bfd.transmitInterval ?? 300,
          detectMultiplier: r.bfd.detectMultiplier ?? 3,
          passive: r.bfd.passiveMode ?? false,
        }
      : undefined;
    const neighbors: NeighborSpec[] = [];
    for (const n of r.unnumbered ? t.nodes : []) {
      if (n.interface === undefined) continue;
      // `neighbor eth0 interface remote-as N`: the node's link-local address is what FRR learns
      // from its Router Advertisements; the BGPPeer naming that interface gives the ASN.
      const peer = peers.find((p) => p.spec?.interface === n.interface);
      neighbors.push({
        address: linkLocalOf(nodeMac(labName, n.name)),
        interface: routerIfName(0),
        remoteAsn: peer?.spec?.myASN ?? 64501,
        ...(bfd ? { bfd } : {}),
        connectRetryS: 2,
      });
    }
    for (const n of r.unnumbered ? [] : t.nodes) {
      // A router in VRF red peers with the nodes' interfaces in VRF red, and only with those.
      const on = r.vrf ?? r.vrfSegment;
      const nodeAddrs = on === undefined ? n.addresses : n.vrfs[on];
      if (!nodeAddrs) continue;
      for (const fam of ['ipv4', 'ipv6'] as const) {
        const nodeAddr = nodeAddrs[fam]?.address;
        const routerAddr = r.addresses[fam]?.address;
        if (!nodeAddr || !routerAddr) continue;
        const peer = peers.find((p) => p.spec?.peerAddress === routerAddr);
        const asn = peer?.spec?.myASN ?? 64501;
        // The router keeps the password the scenario starts with: changing the BGPPeer's later
        // shows what a mismatch does.
        const password = peer ? bgpPeerPassword(peer, secrets) : undefined;
        // dualStackAddressFamily: both families over this session (the other one's next hop is
        // the node's address of that family, RFC 2545 2 / RFC 4760 3).
        const other: typeof fam = fam === 'ipv4' ? 'ipv6' : 'ipv4';
        const families =
          peer?.spec?.dualStackAddressFamily && nodeAddrs[other] ? [fam, other] : [fam];
        neighbors.push({
          address: nodeAddr,
          remoteAsn: asn,
          ...(bfd ? { bfd } : {}),
          ...(password ? { password } : {}),
          ...(r.ttlSecurityHops !== undefined ? { ttlSecurityHops: r.ttlSecurityHops } : {}),
          // The router side of a BGPPeer with ebgpMultiHop: FRR's bare `ebgp-multihop` (255),
          // which also makes BFD on the session multihop (RFC 5883).
          ...(peer?.spec?.ebgpMultiHop ? { ebgpMultihop: 255 } : {}),
          connectRetryS: 2,
          families,
        });
      }
    }
    return {
      name: r.name,
      asn: r.asn,
      routerId: r.routerId,
      ...(r.vrf !== undefined ? { vrf: r.vrf } : {}),
      interfaces: [
        {
          segment:
            (r.vrf ?? r.vrfSegment) === undefined
              ? 'lan'
              : vrfSegmentName((r.vrf ?? r.vrfSegment)!),
          ...(r.addresses.ipv4 ? { ipv4: `${r.addresses.ipv4.address}` } : {}),
          ...(r.addresses.ipv6 ? { ipv6: `${r.addresses.ipv6.address}` } : {}),
          ...(r.unnumbered
            ? { name: routerIfName(0), linkLocal: linkLocalOf(routerMac(labName, r.name)) }
            : {}),
        },
      ],
      neighbors,
      ...(r.originate ? { originate: r.originate } : {}),
    };
  });
  return {
    name: labName,
    segments,
    routers,
    nodes: t.nodes.map((n) => ({
      name: n.name,
      asn: 64501,
      segment: 'lan',
      ...(n.addresses.ipv4 ? { ipv4: n.addresses.ipv4.address } : {}),
      ...(n.addresses.ipv6 ? { ipv6: n.addresses.ipv6.address } : {}),
      ...(n.interface !== undefined
        ? { interface: { name: n.interface, linkLocal: linkLocalOf(nodeMac(labName, n.name)) } }
        : {}),
      ...(Object.keys(n.vrfs).length
        ? {
            vrfs: Object.entries(n.vrfs).map(([vrf, a]) => ({
              vrf,
              segment: vrfSegmentName(vrf),
              ...(a.ipv4 ? { ipv4: a.ipv4.address } : {}),
              ...(a.ipv6 ? { ipv6: a.ipv6.address } : {}),
            })),
          }
        : {}),
    })),
  };
}

/** The segment a VRF's interfaces are on (segment names allow 16 characters, VRFs 15). */
function vrfSegmentName(vrf: string): string {
  return `v${vrf}`;
}

/**
 * One segment per VRF the scenario uses, with the prefix of the first address given on it
 * (routers and nodes in a VRF name their addresses; validateTopology checks the rest fit).
 */
function vrfSegments(t: Scenario['topology']): SegmentSpec[] {
  const out = new Map<string, SegmentSpec>();
  const add = (vrf: string, a: AddressPair) => {
    const s = out.get(vrf) ?? { name: vrfSegmentName(vrf) };
    for (const fam of ['ipv4', 'ipv6'] as const) {
      const ia = a[fam];
      const key = fam === 'ipv4' ? 'ipv4Prefix' : 'ipv6Prefix';
      if (!ia || s[key]) continue;
      const net =
        fam === 'ipv4'
          ? new Address4(`${ia.address}/${ia.prefixLength}`)
          : new Address6(`${ia.address}/${ia.prefixLength}`);
      s[key] = `${net.startAddress().correctForm()}/${ia.prefixLength}`;
    }
    out.set(vrf, s);
  };
  for (const r of t.routers) {
    const on = r.vrf ?? r.vrfSegment;
    if (on !== undefined) add(on, r.addresses);
  }
  for (const n of t.nodes) for (const [vrf, a] of Object.entries(n.vrfs)) add(vrf, a);
  return [...out.values()];
}

/** The scenario's peers on `backend`; real sockets reach only the lab's own subnets. */
export function peerBackendFor(
  backend: Backend,
  topology: LabTopology,
  deps: { clock: Clock; random: Random },
): PeerBackend {
  return createPeerBackend(backend, topology, {
    ...deps,
    ...(backend === 'builtin' ? {} : { guard: new LabGuard(labSubnets(topology)) }),
  });
}
