/**
 * The one seam between a scenario and its peers: builtin speakersim routers (in memory,
 * virtual or real time), FRR in network namespaces, or FRR in compose containers. The runner
 * asks for the transports its node speakers use, router state in the FRR readers' shapes, and
 * faults; it never needs to know which backend it has. `createPeerBackend` (backends.ts) picks
 * one; test/lab/backend-contract.test.ts holds all three to the same behaviour.
 */
import { SpeakersimError } from '../core/errors.js';
import type { Connection, Transport } from '../bgp/io/transport.js';
import type { BfdTransport, BfdTransportFactory } from '../bfd/io/transport.js';
import type { BfdPeer, BgpNeighbor, BgpPath } from './frr-json.js';
import type { DropDirection } from './nft.js';
import type {
  NodeInterfaceLink,
  NodeVrfNetwork,
  NodeVrfUnavailable,
} from '../metallb/runtime/peer-sessions.js';

export type { NodeInterfaceLink, NodeVrfNetwork, NodeVrfUnavailable };
import type { LabTopology } from './topology.js';
import type { L2Port } from '../l2/port.js';

export class PeerBackendError extends SpeakersimError {}

export type PeerBackendKind = 'builtin' | 'netns' | 'compose';
export type RouterDaemonName = 'bgpd' | 'bfdd' | 'zebra';

/** A path plus communities (FRR's detail view; the builtin router has them at hand). */
export interface RouterPath extends BgpPath {
  communities?: string[];
  largeCommunities?: string[];
}

/** A router's neighbour entry for one address (`ip neigh`'s view; the builtin cache's). */
export interface RouterNeighbor {
  address: string;
  /** Absent while the address is not resolved (INCOMPLETE, FAILED). */
  mac?: string;
  /** Linux's NUD state names: REACHABLE, STALE, DELAY, PROBE, INCOMPLETE, FAILED, ... */
  state: string;
}

export interface PeerBackend {
  readonly name: PeerBackendKind;
  /** What node speakers connect with (in the default VRF). */
  bgpTransport: Transport;
  /** A BFD listener on a node address: port 3784, or 4784 for multihop (RFC 5883). */
  bfdTransport: BfdTransportFactory;
  /** The node's interface in `vrf`, or why its sessions cannot run in that VRF here. */
  nodeVrf(node: string, vrf: string): NodeVrfNetwork | NodeVrfUnavailable;
  /** The node's unnumbered link on `iface` (RFC 8950 over link-locals), or why there is none. */
  nodeInterface(node: string, iface: string): NodeInterfaceLink | NodeVrfUnavailable;
  up(): Promise<void>;
  /** Removes what `up` made; a backend whose `up` was refused removes nothing. */
  down(): Promise<void>;
  neighbors(router: string): Promise<Record<string, BgpNeighbor>>;
  /** The router's BGP table of `family` in `vrf` (absent: the default VRF). */
  routes(
    router: string,
    family: 'ipv4' | 'ipv6',
    vrf?: string,
  ): Promise<Record<string, RouterPath[]>>;
  bfdPeers(router: string): Promise<BfdPeer[]>;
  /** The router's link down/up: to everything, or (with `node`) to that node only. */
  link(router: string, state: 'down' | 'up', node?: string): Promise<void>;
  packets(
    mode: 'drop' | 'restore',
    protocol: 'bgp' | 'bfd',
    router: string,
    peer?: string,
    direction?: DropDirection,
  ): Promise<void>;
  daemon(op: 'kill' | 'restart', router: string, daemon: RouterDaemonName): Promise<void>;
  vtysh(router: string, commands: string[]): Promise<string>;
  /**
   * A simulated node's own port on its segment, with its MAC (names.ts nodeMac): the node's
   * L2 announcements (ARP, NDP) go out and come in there.
   */
  l2Port(node: string): Promise<L2Port>;
  /**
   * What the router's neighbour table says about `address`. With `resolve`, a router with no
   * resolved entry first sends traffic that makes it resolve the address (as forwarding to a
   * service IP does), then looks.
   */
  neighbor(router: string, address: string, resolve: boolean): Promise<RouterNeighbor | undefined>;
  /**
   * Sends from `router`'s side what a conformant router never sends, for scenarios that test
   * how a node treats it: a crafted BFD datagram with a chosen TTL, or a TCP connection to a
   * node's BGP port that carries `bytes` (left open for the node to answer and close; the
   * backend closes what is left at `down`).
   */
  forge(router: string, packet: ForgedPacket): Promise<void>;
  /** How a person looks inside (printed by `lab up`). */
  describe(): string[];
}

/**
 * A forged packet: `from` is the router's own address, or (for a spoofing test) a node's,
 * which then leaves from the node's side of the lab.
 */
export type ForgedPacket =
  | {
      protocol: 'bfd';
      from: string;
      fromNode: boolean;
      to: string;
      port: number;
      ttl: number;
      payload: Buffer;
    }
  | { protocol: 'bgp'; from: string; to: string; port: number; bytes: Buffer };

/**
 * Writes a forged connection's bytes and keeps the connection in `open` until the node closes
 * it (what it answers is the node's business: the scenario checks the session's NOTIFICATION).
 */
export function sendForged(open: Set<Connection>, c: Connection, bytes: Buffer): void {
  open.add(c);
  c.attach({ data: () => undefined, drain: () => undefined, close: () => open.delete(c) });
  c.write(bytes);
}

/** Closes the forged connections the node left open. */
export function closeForged(open: Set<Connection>): void {
  for (const c of open) c.destroy();
  open.clear();
}

/** Wraps real transports so that node speakers reach only the lab (the runner's LabGuard). */
export interface TrafficGuard {
  bgp(t: Transport): Transport;
  bfd(t: BfdTransport): BfdTransport;
}

/** Addresses of one node (or of every node), for faults aimed at a node. */
export function nodeAddresses(topology: LabTopology, node?: string): string[] {
  const nodes = topology.nodes.filter((n) => !node || n.name === node);
  if (node !== undefined && nodes.length === 0) {
    throw new PeerBackendError('ERR_UNKNOWN_NODE', `no node ${node}`);
  }
  return nodes.flatMap((n) =>
    [n.ipv4, n.ipv6, ...(n.vrfs ?? []).flatMap((v) => [v.ipv4, v.ipv6])].filter(
      (a): a is string => !!a,
    ),
  );
}

/**
 * Why a backend cannot run VRF `vrf`. This kernel has no VRF devices, so a router in a VRF
 * (`router`) needs FRR's netns VRF backend (zebra -n) with a mount namespace per daemon that
 * shows it only its own VRF namespace (daemons.ts): the netns lab does that, the compose
 * backend's FRR containers do not; compose runs no node VRF namespaces either.
 */
export function vrfUnsupported(
  backend: PeerBackendKind,
  vrf: string,
  router: boolean,
): NodeVrfUnavailable {
  return {
    unavailable: router
      ? `the ${backend} backend cannot put a router interface in VRF ${vrf}: this kernel has no VRF devices ("ip link add ... type vrf" fails), and FRR's netns VRF backend (zebra -n, the VRF as a network namespace) runs in the netns lab only`
      : `the ${backend} backend runs no node VRF (VRF ${vrf}): node VRF namespaces are the netns backend's`,
  };
}

/**
 * The lab's subnets, which real-socket backends' node speakers may reach; and the link-local
 * addresses (as /128s) of router interfaces that peer unnumbered, which exist on lab links only.
 */
export function labSubnets(topology: LabTopology): string[] {
  const linkLocals = topology.routers.flatMap((r) =>
    r.interfaces.flatMap((i) =>
      i.linkLocal && r.neighbors.some((n) => n.interface === i.name) ? [`${i.linkLocal}/128`] : [],
    ),
  );
  return [
    ...topology.segments.flatMap((s) =>
      [s.ipv4Prefix, s.ipv6Prefix].filter((p): p is string => !!p),
    ),
    ...linkLocals,
  ];
}

/**
 * A node's unnumbered link from the topology: its interface's link-local address and that of
 * the router that peers with it there (`neighbor IFACE interface`). FRR learns the latter from
 * the router's Router Advertisements; the lab knows both (names.ts linkLocalOf).
 */
export function unnumberedLink(
  topology: LabTopology,
  node: string,
  iface: string,
): NodeInterfaceLink | NodeVrfUnavailable {
  const spec = topology.nodes.find((n) => n.name === node);
  if (spec?.interface?.name !== iface)
    return { unavailable: `node ${node} has no interface ${iface}` };
  const local = spec.interface.linkLocal;
  for (const r of topology.routers) {
    const nb = r.neighbors.find((n) => n.interface !== undefined && n.address === local);
    const peer = r.interfaces.find((i) => i.name === nb?.interface)?.linkLocal;
    if (nb && peer) return { localAddress: local, peerAddress: peer };
  }
  return {
    unavailable: `no router peers unnumbered with node ${node}'s ${iface}: nothing on that link sends Router Advertisements`,
  };
}

/**
 * A router's table with communities and local preference from FRR's per-prefix detail view
 * (the table view has no communities), through any vtysh runner.
 */
export async function frrRoutesWithDetail(
  table: Record<string, RouterPath[]>,
  family: 'ipv4' | 'ipv6',
  vtysh: (commands: string[]) => Promise<string>,
  vrf?: string,
): Promise<Record<string, RouterPath[]>> {
  for (const [prefix, paths] of Object.entries(table)) {
    const out = await vtysh([bgpTableCommand(family, vrf, prefix)]);
    const detail = JSON.parse(out) as {
      paths?: {
        community?: { string?: string };
        largeCommunity?: { string?: string };
        locPrf?: number;
      }[];
    };
    (detail.paths ?? []).forEach((d, i) => {
      const p = paths[i];
      if (!p) return;
      p.communities = d.community?.string ? d.community.string.split(' ') : [];
      p.largeCommunities = d.largeCommunity?.string ? d.largeCommunity.string.split(' ') : [];
      if (d.locPrf !== undefined && p.localPref === undefined) p.localPref = d.locPrf;
    });
  }
  return table;
}

/** FRR's `show bgp [vrf NAME] ipv4|ipv6 unicast [PREFIX] json` (no vrf: the default VRF). */
export function bgpTableCommand(family: 'ipv4' | 'ipv6', vrf?: string, prefix?: string): string {
  return `show bgp${vrf && vrf !== 'default' ? ` vrf ${vrf}` : ''} ${family} unicast${prefix ? ` ${prefix}` : ''} json`;
}

/**
 * A router in a VRF needs a VRF device or FRR's netns VRF backend, which only the netns lab
 * runs; the compose backend runs no router or node VRF. A compose lab that has one is refused
 * before anything is made, never run with the router or node in its default VRF.
 */
export function refuseVrfs(t: LabTopology, backend: PeerBackendKind): void {
  if (backend !== 'compose') return;
  const r = t.routers.find((x) => x.vrf !== undefined);
  const n = t.nodes.find((x) => x.vrfs?.length);
  const [who, vrf] = r
    ? [`router ${r.name}`, r.vrf!]
    : n
      ? [`node ${n.name}`, n.vrfs![0]!.vrf]
      : [];
  if (who && vrf)
    throw new PeerBackendError(
      'ERR_LAB_VRF_UNSUPPORTED',
      `${who} is in VRF ${vrf}: ${vrfUnsupported(backend, vrf, r !== undefined).unavailable}`,
    );
}
