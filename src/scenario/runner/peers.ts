/**
 * The peers a scenario runs against, behind one interface: builtin speakersim routers (in
 * memory, virtual or real time, no privileges) or real FRR in network namespaces. The runner
 * asks for the transports its node speakers use, router state in the FRR readers' shapes, and
 * faults; it never needs to know which backend it has.
 */
import type { Clock } from '../../core/clock.js';
import { SpeakersimError } from '../../core/errors.js';
import type { Random } from '../../core/random.js';
import { MemoryNetwork } from '../../bgp/io/memory.js';
import { TcpTransport } from '../../bgp/io/tcp.js';
import type { Transport } from '../../bgp/io/transport.js';
import { InMemoryBfdNetwork } from '../../bfd/io/memory-transport.js';
import { createUdpBfdTransport } from '../../bfd/io/udp-transport.js';
import type { BfdTransport } from '../../bfd/io/transport.js';
import { BuiltinRouter } from '../../lab/builtin/router.js';
import { LabGuard } from './lab-guard.js';
import type { BfdPeer, BgpNeighbor, BgpPath } from '../../lab/frr-json.js';
import { labDown, labUp, checkPrerequisites } from '../../lab/lifecycle.js';
import { bfdPeers, bgpNeighbors, bgpRoutes, vtyshCommands } from '../../lab/router-state.js';
import {
  dropBfd,
  dropBgp,
  killDaemon,
  linkDown,
  linkUp,
  restartDaemon,
  restorePackets,
  type PacketFaultHandle,
} from '../../lab/faults.js';
import type { LabTopology, NeighborSpec, RouterSpec as LabRouterSpec } from '../../lab/topology.js';
import type { DropDirection, Manifest, Scenario } from '../types.js';

export class PeerBackendError extends SpeakersimError {}

/** A path plus communities (FRR's detail view; the builtin router has them at hand). */
export interface RouterPath extends BgpPath {
  communities?: string[];
  largeCommunities?: string[];
}

export interface PeerBackend {
  readonly name: 'builtin' | 'netns';
  /** What node speakers connect with. */
  bgpTransport: Transport;
  bfdTransport(localAddress: string): Promise<BfdTransport>;
  up(): Promise<void>;
  down(): Promise<void>;
  neighbors(router: string): Promise<Record<string, BgpNeighbor>>;
  routes(router: string, family: 'ipv4' | 'ipv6'): Promise<Record<string, RouterPath[]>>;
  bfdPeers(router: string): Promise<BfdPeer[]>;
  link(router: string, state: 'down' | 'up', node?: string): Promise<void>;
  packets(
    mode: 'drop' | 'restore',
    protocol: 'bgp' | 'bfd',
    router: string,
    peer?: string,
    direction?: DropDirection,
  ): Promise<void>;
  daemon(op: 'kill' | 'restart', router: string, daemon: 'bgpd' | 'bfdd' | 'zebra'): Promise<void>;
  vtysh(router: string, commands: string[]): Promise<string>;
  /** How a person looks inside (printed by `lab up`). */
  describe(): string[];
}

/**
 * The router side of the lab, derived from the scenario: each router accepts the simulated
 * nodes that a BGPPeer points at it, with the BGPPeer's myASN, and runs BFD with the router's
 * `bfd` settings. Nodes with no BGPPeer for a router are still accepted as eBGP neighbours.
 */
export function labTopologyFor(scenario: Scenario, labName: string): LabTopology {
  const t = scenario.topology;
  const peers = scenario.resources
    .flatMap((r) => r.manifests)
    .filter((m: Manifest) => m.kind === 'BGPPeer') as (Manifest & {
    spec?: { peerAddress?: string; myASN?: number; peerPort?: number };
  })[];
  const segment = { name: 'lan', ipv4Prefix: t.subnets.ipv4, ipv6Prefix: t.subnets.ipv6 };
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
    for (const n of t.nodes) {
      for (const fam of ['ipv4', 'ipv6'] as const) {
        const nodeAddr = n.addresses[fam]?.address;
        const routerAddr = r.addresses[fam]?.address;
        if (!nodeAddr || !routerAddr) continue;
        const peer = peers.find((p) => p.spec?.peerAddress === routerAddr);
        const asn = peer?.spec?.myASN ?? 64501;
        neighbors.push({
          address: nodeAddr,
          remoteAsn: asn,
          ...(bfd ? { bfd } : {}),
          connectRetryS: 2,
          families: [fam],
        });
      }
    }
    return {
      name: r.name,
      asn: r.asn,
      routerId: r.routerId,
      interfaces: [
        {
          segment: 'lan',
          ...(r.addresses.ipv4 ? { ipv4: `${r.addresses.ipv4.address}` } : {}),
          ...(r.addresses.ipv6 ? { ipv6: `${r.addresses.ipv6.address}` } : {}),
        },
      ],
      neighbors,
      ...(r.originate ? { originate: r.originate } : {}),
    };
  });
  return {
    name: labName,
    segments: [segment],
    routers,
    nodes: t.nodes.map((n) => ({
      name: n.name,
      asn: 64501,
      segment: 'lan',
      ...(n.addresses.ipv4 ? { ipv4: n.addresses.ipv4.address } : {}),
      ...(n.addresses.ipv6 ? { ipv6: n.addresses.ipv6.address } : {}),
    })),
  };
}

function nodeAddresses(topology: LabTopology, node?: string): string[] {
  return topology.nodes
    .filter((n) => !node || n.name === node)
    .flatMap((n) => [n.ipv4, n.ipv6].filter((a): a is string => !!a));
}

export class BuiltinBackend implements PeerBackend {
  readonly name = 'builtin' as const;
  private readonly bgpNet: MemoryNetwork;
  private readonly bfdNet: InMemoryBfdNetwork;
  private readonly routers = new Map<string, BuiltinRouter>();
  /** Active faults: which (router address, other address) paths drop what. */
  private readonly faults = new Map<
    string,
    {
      protocol: 'bgp' | 'bfd' | 'all';
      router: string[];
      others?: string[];
      direction?: DropDirection;
    }
  >();

  constructor(
    private readonly topology: LabTopology,
    private readonly clock: Clock,
    private readonly random: Random,
  ) {
    this.bgpNet = new MemoryNetwork(clock);
    this.bfdNet = new InMemoryBfdNetwork({ clock, random });
  }

  get bgpTransport(): Transport {
    return this.bgpNet.transport();
  }

  bfdTransport(localAddress: string): Promise<BfdTransport> {
    return this.bfdNet.createTransport({ localAddress });
  }

  async up(): Promise<void> {
    for (const spec of this.topology.routers) {
      const r = new BuiltinRouter(spec, {
        clock: this.clock,
        random: this.random,
        bgpTransport: this.bgpNet.transport(),
        bfdTransport: (a) => this.bfdNet.createTransport({ localAddress: a }),
      });
      await r.start();
      this.routers.set(spec.name, r);
    }
  }

  async down(): Promise<void> {
    for (const r of this.routers.values()) await r.stop();
    this.routers.clear();
  }

  private router(name: string): BuiltinRouter {
    const r = this.routers.get(name);
    if (!r) throw new PeerBackendError('ERR_UNKNOWN_ROUTER', `no router ${name}`);
    return r;
  }

  async neighbors(router: string) {
    return this.router(router).bgpNeighbors();
  }

  async routes(router: string, family: 'ipv4' | 'ipv6') {
    return this.router(router).bgpRoutes(family).routes;
  }

  async bfdPeers(router: string) {
    return this.router(router).bfdPeers();
  }

  private applyFaults(): void {
    const blocks = (protocol: 'bgp' | 'bfd', a: string, b: string): boolean => {
      for (const f of this.faults.values()) {
        if (f.protocol !== 'all' && f.protocol !== protocol) continue;
        const hit = (x: string, y: string) =>
          f.router.includes(x) && (!f.others || f.others.includes(y));
        // a -> b: router -> node is 'to-node', node -> router is 'to-router'.
        const dir = f.direction ?? 'both';
        if (dir !== 'to-router' && hit(a, b)) return true;
        if (dir !== 'to-node' && hit(b, a)) return true;
      }
      return false;
    };
    this.bgpNet.setFilter((from, to) => (blocks('bgp', from, to) ? 'drop' : 'pass'));
    this.bfdNet.setFilter((d) => blocks('bfd', d.from.address, d.to.address));
  }

  async link(router: string, state: 'down' | 'up', node?: string): Promise<void> {
    const key = `link|${router}|${node ?? '*'}`;
    if (state === 'down')
      this.faults.set(key, {
        protocol: 'all',
        router: this.router(router).addresses,
        others: node ? nodeAddresses(this.topology, node) : undefined,
      });
    else this.faults.delete(key);
    this.applyFaults();
  }

  async packets(
    mode: 'drop' | 'restore',
    protocol: 'bgp' | 'bfd',
    router: string,
    peer?: string,
    direction: DropDirection = 'both',
  ): Promise<void> {
    const key = `${protocol}|${router}|${peer ?? '*'}`;
    if (mode === 'drop')
      this.faults.set(key, {
        protocol,
        router: this.router(router).addresses,
        others: peer ? [peer] : undefined,
        direction,
      });
    else this.faults.delete(key);
    this.applyFaults();
  }

  async daemon(
    op: 'kill' | 'restart',
    router: string,
    daemon: 'bgpd' | 'bfdd' | 'zebra',
  ): Promise<void> {
    const r = this.router(router);
    if (op === 'kill') await r.killDaemon(daemon);
    else await r.restartDaemon(daemon);
  }

  vtysh(router: string, commands: string[]): Promise<string> {
    return this.router(router).vtysh(commands);
  }

  describe(): string[] {
    return [...this.routers.values()].map(
      (r) => `${r.name}: builtin speakersim router, AS ${r.spec.asn}, ${r.addresses.join(', ')}`,
    );
  }
}

/** Real FRR 8.4 (zebra, bgpd, bfdd, staticd) per router, each in its own network namespace. */
export class NetnsBackend implements PeerBackend {
  readonly name = 'netns' as const;
  readonly bgpTransport: Transport;
  private readonly faults = new Map<string, PacketFaultHandle>();
  private info: string[] = [];

  private readonly guard: LabGuard;

  constructor(
    private readonly topology: LabTopology,
    clock: Clock,
    private readonly random: Random,
  ) {
    this.guard = new LabGuard(
      topology.segments.flatMap((s) =>
        [s.ipv4Prefix, s.ipv6Prefix].filter((p): p is string => !!p),
      ),
    );
    this.bgpTransport = this.guard.bgp(new TcpTransport(clock));
  }

  private ref(router: string) {
    return { lab: this.topology.name, router };
  }

  async bfdTransport(localAddress: string): Promise<BfdTransport> {
    return this.guard.bfd(await createUdpBfdTransport({ localAddress, random: this.random }));
  }

  async up(): Promise<void> {
    // A scenario with no router (pool accounting only) needs no lab at all.
    if (this.topology.routers.length === 0) return;
    checkPrerequisites();
    const lab = await labUp(this.topology, { cleanupOnExit: true });
    this.info = lab.routers.map(
      (r) =>
        `${r.name}: FRR in netns ${r.namespace} (AS ${r.asn}); look inside: ${r.commands.vtysh}`,
    );
  }

  async down(): Promise<void> {
    this.faults.clear();
    if (this.topology.routers.length === 0) return;
    await labDown(this.topology.name, { force: true });
  }

  async neighbors(router: string) {
    return bgpNeighbors(this.ref(router));
  }

  async routes(router: string, family: 'ipv4' | 'ipv6'): Promise<Record<string, RouterPath[]>> {
    const table = (await bgpRoutes(this.ref(router), family)).routes as Record<
      string,
      RouterPath[]
    >;
    // The table view has no communities; FRR shows them per prefix.
    for (const [prefix, paths] of Object.entries(table)) {
      const out = await vtyshCommands(this.ref(router), [
        `show bgp ${family} unicast ${prefix} json`,
      ]);
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

  bfdPeers(router: string) {
    return bfdPeers(this.ref(router));
  }

  async link(router: string, state: 'down' | 'up'): Promise<void> {
    if (state === 'down') await linkDown(this.ref(router));
    else await linkUp(this.ref(router));
  }

  async packets(
    mode: 'drop' | 'restore',
    protocol: 'bgp' | 'bfd',
    router: string,
    peer?: string,
    direction: DropDirection = 'both',
  ): Promise<void> {
    const key = `${protocol}|${router}|${peer ?? '*'}`;
    if (mode === 'drop') {
      if (this.faults.has(key)) return;
      const h =
        protocol === 'bgp'
          ? await dropBgp(this.ref(router), { peer, direction })
          : await dropBfd(this.ref(router), { peer, direction });
      this.faults.set(key, h);
    } else {
      const h = this.faults.get(key);
      this.faults.delete(key);
      if (h) await restorePackets(h);
    }
  }

  async daemon(
    op: 'kill' | 'restart',
    router: string,
    daemon: 'bgpd' | 'bfdd' | 'zebra',
  ): Promise<void> {
    if (op === 'kill') await killDaemon(this.ref(router), daemon);
    else await restartDaemon(this.ref(router), daemon);
  }

  vtysh(router: string, commands: string[]): Promise<string> {
    return vtyshCommands(this.ref(router), commands);
  }

  describe(): string[] {
    return this.info;
  }
}
