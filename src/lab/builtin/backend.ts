import type { Clock } from '../../core/clock.js';
import type { Random } from '../../core/random.js';
import { MemoryNetwork } from '../../bgp/io/memory.js';
import type { Connection, Transport } from '../../bgp/io/transport.js';
import { InMemoryBfdNetwork } from '../../bfd/io/memory-transport.js';
import type { BfdTransportFactory } from '../../bfd/io/transport.js';
import type { DropDirection } from '../nft.js';
import {
  closeForged,
  nodeAddresses,
  PeerBackendError,
  sendForged,
  type ForgedPacket,
  type NodeInterfaceLink,
  type NodeVrfNetwork,
  type NodeVrfUnavailable,
  type PeerBackend,
  type RouterDaemonName,
  unnumberedLink,
} from '../peer-backend.js';
import type { LabTopology } from '../topology.js';
import { BuiltinRouter } from './router.js';
import { MemorySegment } from '../../l2/io/memory-segment.js';
import { NeighborCache } from '../../l2/neighbor-cache.js';
import type { L2Port } from '../../l2/port.js';
import { nodeMac, routerMac } from '../names.js';
import type { RouterNeighbor } from '../peer-backend.js';

/**
 * Builtin peers: speakersim's own BGP and BFD in each router's role, over in-memory
 * transports, so they run on virtual time and need no privileges. Faults are filters on the
 * in-memory networks.
 */
export class BuiltinBackend implements PeerBackend {
  readonly name = 'builtin' as const;
  private readonly bgpNet: MemoryNetwork;
  private readonly bfdNet: InMemoryBfdNetwork;
  /**
   * One network per VRF besides the default one: a VRF is a routing instance of its own, so
   * what is in VRF red reaches only what is in VRF red (RFC 4364 2: each VRF is a separate
   * forwarding table), whatever its addresses.
   */
  private readonly vrfNets = new Map<string, { bgp: MemoryNetwork; bfd: InMemoryBfdNetwork }>();
  private readonly routers = new Map<string, BuiltinRouter>();
  /** The lab segment at layer 2, and each router's neighbour cache on it. */
  private readonly segment = new MemorySegment();
  private readonly neighborCaches = new Map<string, NeighborCache>();
  /** Active faults: which (router address, other address) paths drop what. */
  private readonly faults = new Map<
    string,
    {
      protocol: 'bgp' | 'bfd' | 'all';
      router: string[];
      /** A whole router's link: its MAC, whose frames the segment drops. */
      routerMac?: string;
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

  get bfdTransport(): BfdTransportFactory {
    return this.bfdNet.transportFactory;
  }

  private networksOf(vrf: string | undefined): { bgp: MemoryNetwork; bfd: InMemoryBfdNetwork } {
    if (vrf === undefined) return { bgp: this.bgpNet, bfd: this.bfdNet };
    let nets = this.vrfNets.get(vrf);
    if (!nets) {
      nets = {
        bgp: new MemoryNetwork(this.clock),
        bfd: new InMemoryBfdNetwork({ clock: this.clock, random: this.random }),
      };
      this.vrfNets.set(vrf, nets);
      this.applyFaults();
    }
    return nets;
  }

  nodeVrf(node: string, vrf: string): NodeVrfNetwork | NodeVrfUnavailable {
    const spec = this.topology.nodes.find((n) => n.name === node);
    const itf = spec?.vrfs?.find((v) => v.vrf === vrf);
    if (!itf) return { unavailable: `node ${node} has no interface in VRF ${vrf}` };
    const nets = this.networksOf(vrf);
    return {
      addresses: {
        ...(itf.ipv4 ? { ipv4: itf.ipv4 } : {}),
        ...(itf.ipv6 ? { ipv6: itf.ipv6 } : {}),
      },
      bgpTransport: nets.bgp.transport(),
      bfdTransport: nets.bfd.transportFactory,
    };
  }

  /** A node's unnumbered link (peer-backend.ts unnumberedLink). */
  nodeInterface(node: string, iface: string): NodeInterfaceLink | NodeVrfUnavailable {
    return unnumberedLink(this.topology, node, iface);
  }

  async up(): Promise<void> {
    // A router on a segment of nodes' VRF interfaces (in its own default VRF or in that VRF)
    // is reachable through that VRF only, as on a real lab, where nothing else reaches it.
    const vrfOfSegment = new Map(
      this.topology.nodes.flatMap((n) => (n.vrfs ?? []).map((v) => [v.segment, v.vrf] as const)),
    );
    for (const spec of this.topology.routers) {
      const nets = this.networksOf(spec.vrf ?? vrfOfSegment.get(spec.interfaces[0]?.segment ?? ''));
      const r = new BuiltinRouter(spec, {
        clock: this.clock,
        random: this.random,
        bgpTransport: nets.bgp.transport(),
        bfdTransport: nets.bfd.transportFactory,
      });
      await r.start();
      this.routers.set(spec.name, r);
      const itf = spec.interfaces[0];
      this.neighborCaches.set(
        spec.name,
        new NeighborCache(
          this.segment.attach(routerMac(this.topology.name, spec.name)),
          this.clock,
          {
            ...(itf?.ipv4 ? { ipv4: itf.ipv4 } : {}),
            ...(itf?.ipv6 ? { ipv6: itf.ipv6 } : {}),
          },
        ),
      );
    }
  }

  async l2Port(node: string): Promise<L2Port> {
    nodeAddresses(this.topology, node); // ERR_UNKNOWN_NODE for a node the lab does not have
    return this.segment.attach(nodeMac(this.topology.name, node));
  }

  async neighbor(
    router: string,
    address: string,
    resolve: boolean,
  ): Promise<RouterNeighbor | undefined> {
    this.router(router);
    const cache = this.neighborCaches.get(router)!;
    if (resolve && cache.lookup(address)?.mac === undefined) {
      cache.resolve(address);
      // The answer comes on the segment's microtasks.
      await new Promise<void>((r) => setImmediate(r));
    }
    const e = cache.lookup(address);
    return e ? { address: e.address, state: e.state, ...(e.mac ? { mac: e.mac } : {}) } : undefined;
  }

  async down(): Promise<void> {
    closeForged(this.forged);
    for (const r of this.routers.values()) await r.stop();
    this.routers.clear();
    this.neighborCaches.clear();
  }

  private router(name: string): BuiltinRouter {
    const r = this.routers.get(name);
    if (!r) throw new PeerBackendError('ERR_UNKNOWN_ROUTER', `no router ${name}`);
    return r;
  }

  async neighbors(router: string) {
    return this.router(router).bgpNeighbors();
  }

  async routes(router: string, family: 'ipv4' | 'ipv6', vrf?: string) {
    return this.router(router).bgpRoutes(family, vrf).routes;
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
    for (const nets of [{ bgp: this.bgpNet, bfd: this.bfdNet }, ...this.vrfNets.values()]) {
      nets.bgp.setFilter((from, to) => (blocks('bgp', from, to) ? 'drop' : 'pass'));
      nets.bfd.setFilter((d) => blocks('bfd', d.from.address, d.to.address));
    }
    // A router whose whole link is down hears and sends no frames either (on netns its veth is
    // down); a fault aimed at one node drops that node's IP packets only, as nft does there.
    const cut = new Set(
      [...this.faults.values()].flatMap((f) => (f.routerMac !== undefined ? [f.routerMac] : [])),
    );
    this.segment.setFilter((from, to) => cut.has(from) || cut.has(to));
  }

  async link(router: string, state: 'down' | 'up', node?: string): Promise<void> {
    const key = `link|${router}|${node ?? '*'}`;
    if (state === 'down')
      this.faults.set(key, {
        protocol: 'all',
        router: this.router(router).addresses,
        others: node ? nodeAddresses(this.topology, node) : undefined,
        ...(node ? {} : { routerMac: routerMac(this.topology.name, router) }),
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

  async daemon(op: 'kill' | 'restart', router: string, daemon: RouterDaemonName): Promise<void> {
    const r = this.router(router);
    if (op === 'kill') await r.killDaemon(daemon);
    else await r.restartDaemon(daemon);
  }

  vtysh(router: string, commands: string[]): Promise<string> {
    return this.router(router).vtysh(commands);
  }

  /** Forged BGP connections the node has not closed yet. */
  private readonly forged = new Set<Connection>();

  /** Onto the lab's in-memory networks, where the faults' filters see it like any packet. */
  async forge(router: string, packet: ForgedPacket): Promise<void> {
    this.router(router);
    if (packet.protocol === 'bfd') {
      this.bfdNet.send({
        payload: packet.payload,
        // RFC 5881 4: a source port in 49152-65535, as the router's own would have.
        from: { address: packet.from, port: 49_152 },
        to: { address: packet.to, port: packet.port },
        ttl: packet.ttl,
      });
      return;
    }
    const c = await this.bgpNet
      .transport()
      .connect({ host: packet.to, port: packet.port, localAddress: packet.from });
    sendForged(this.forged, c, packet.bytes);
  }

  describe(): string[] {
    return [...this.routers.values()].map(
      (r) =>
        `${r.name}: builtin speakersim router, AS ${r.spec.asn}${r.spec.vrf ? ` in VRF ${r.spec.vrf}` : ''}, ${r.addresses.join(', ')}`,
    );
  }
}
