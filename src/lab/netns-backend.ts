import type { Clock } from '../core/clock.js';
import type { Random } from '../core/random.js';
import { TcpTransport } from '../bgp/io/tcp.js';
import type { Connection, Transport } from '../bgp/io/transport.js';
import { createUdpBfdTransport, sendDatagramOnce } from '../bfd/io/udp-transport.js';
import type { BfdTransportFactory } from '../bfd/io/transport.js';
import { bfdPortFor } from '../bfd/wire/constants.js';
import {
  dropAll,
  dropBfd,
  dropBgp,
  killDaemon,
  linkDown,
  linkUp,
  restartDaemon,
  restorePackets,
  type PacketFaultHandle,
} from './faults.js';
import { checkPrerequisites, labDown, labUp } from './lifecycle.js';
import { inNamespace, run } from './exec.js';
import type { NetExec } from './faults.js';
import { nodeMac, nodePortName, routerInterfaceNamespace } from './names.js';
import { openPacketPort } from '../l2/io/packet-socket.js';
import type { L2Port } from '../l2/port.js';
import { RouterAdvertiser } from '../l2/router-advertiser.js';
import type { DropDirection } from './nft.js';
import {
  closeForged,
  frrRoutesWithDetail,
  sendForged,
  nodeAddresses,
  vrfUnsupported,
  type ForgedPacket,
  type NodeInterfaceLink,
  type NodeVrfNetwork,
  type NodeVrfUnavailable,
  unnumberedLink,
  PeerBackendError,
  type PeerBackend,
  type RouterDaemonName,
  type RouterNeighbor,
  type RouterPath,
  type TrafficGuard,
} from './peer-backend.js';
import { bfdPeers, bgpNeighbors, bgpRoutes, vtyshCommands } from './router-state.js';
import { canonicalAddress, type LabTopology } from './topology.js';
import { nodeVrfNamespace } from './names.js';

/** Real FRR 8.4 (zebra, bgpd, bfdd, staticd) per router, each in its own network namespace. */
export class NetnsBackend implements PeerBackend {
  readonly name: 'netns' | 'compose' = 'netns';
  readonly bgpTransport: Transport;
  /** Active packet faults (and per-node link faults), by what they drop. */
  protected readonly faults = new Map<string, PacketFaultHandle[]>();
  protected info: string[] = [];
  /** Set once `up` got past the in-use checks: only then does `down` remove anything. */
  protected started = false;

  constructor(
    protected readonly topology: LabTopology,
    private readonly clock: Clock,
    private readonly random: Random,
    private readonly guard?: TrafficGuard,
  ) {
    const tcp = new TcpTransport(clock, undefined, undefined, (a) => this.zoneOf(a));
    this.bgpTransport = guard ? guard.bgp(tcp) : tcp;
  }

  /** The node port (netns.ts nodePortSteps) that holds a node's unnumbered link-local address. */
  private zoneOf(localAddress: string): string | undefined {
    const i = this.topology.nodes.findIndex((n) => n.interface?.linkLocal === localAddress);
    return i < 0 ? undefined : nodePortName(this.topology.name, i);
  }

  /** Router Advertisements on nodes' unnumbered ports, and those ports, while the lab is up. */
  private readonly advertisers: { advertiser: RouterAdvertiser; port: L2Port }[] = [];

  protected ref(router: string) {
    return { lab: this.topology.name, router };
  }

  bfdTransport: BfdTransportFactory = async (localAddress, { multihop }) => {
    const zone = this.zoneOf(localAddress);
    const t = await createUdpBfdTransport({
      // Bound to a scoped link-local address, the socket is bound to that port (Linux
      // inet6_bind), so it reaches its unscoped link-local peer there.
      localAddress: zone ? `${localAddress}%${zone}` : localAddress,
      listenPort: bfdPortFor(multihop),
      random: this.random,
    });
    return this.guard ? this.guard.bfd(t) : t;
  };

  async up(): Promise<void> {
    // A scenario with no router (pool accounting only) needs no lab at all.
    if (this.topology.routers.length === 0) return;
    checkPrerequisites();
    // labUp removes what it made when it fails, and refuses (touching nothing) a lab in use.
    const lab = await labUp(this.topology, { cleanupOnExit: true });
    this.started = true;
    await this.startAdvertisers();
    this.info = lab.routers.map((r) => {
      const vrf = this.topology.routers.find((x) => x.name === r.name)?.vrf;
      const where =
        vrf === undefined
          ? ''
          : `, VRF ${vrf} = netns ${routerInterfaceNamespace(this.topology.name, { name: r.name, vrf })}`;
      return `${r.name}: FRR in netns ${r.namespace}${where} (AS ${r.asn}); look inside: ${r.commands.vtysh}`;
    });
  }

  /**
   * FRR finds an unnumbered neighbour only through its Router Advertisements (it accepts and
   * opens no session before): every node a router peers with over its interface sends them.
   */
  private async startAdvertisers(): Promise<void> {
    for (const n of this.topology.nodes) {
      if (!n.interface || 'unavailable' in unnumberedLink(this.topology, n.name, n.interface.name))
        continue;
      const port = await this.l2Port(n.name);
      const advertiser = new RouterAdvertiser(port, this.clock);
      this.advertisers.push({ advertiser, port });
      advertiser.start();
    }
  }

  async down(): Promise<void> {
    for (const { advertiser, port } of this.advertisers.splice(0)) {
      advertiser.stop();
      await port.close();
    }
    this.faults.clear();
    closeForged(this.forged);
    if (!this.started) return;
    this.started = false;
    await labDown(this.topology.name, { force: true });
  }

  /** Forged BGP connections the node has not closed yet. */
  protected readonly forged = new Set<Connection>();

  /**
   * From the router's namespace (a node address: from the host, where node addresses live), so
   * the packet crosses the lab's link as the router's own would.
   */
  async forge(router: string, packet: ForgedPacket): Promise<void> {
    const netns =
      packet.protocol === 'bfd' && packet.fromNode ? undefined : this.routerNetns(router);
    if (packet.protocol === 'bfd') {
      await sendDatagramOnce(
        { localAddress: packet.from, ttl: packet.ttl, ...(netns ? { netns } : {}) },
        packet.payload,
        { address: packet.to, port: packet.port },
      );
      return;
    }
    const c = await new TcpTransport(this.clock, undefined, netns).connect({
      host: packet.to,
      port: packet.port,
      localAddress: packet.from,
      timeoutMs: 5_000,
    });
    sendForged(this.forged, c, packet.bytes);
  }

  /** Where the router's interfaces are (its VRF's namespace when it has one), for sockets. */
  protected routerNetns(router: string): string {
    const r = this.topology.routers.find((x) => x.name === router) ?? { name: router };
    return `/run/netns/${routerInterfaceNamespace(this.topology.name, r)}`;
  }

  neighbors(router: string) {
    return bgpNeighbors(this.ref(router));
  }

  async routes(
    router: string,
    family: 'ipv4' | 'ipv6',
    vrf?: string,
  ): Promise<Record<string, RouterPath[]>> {
    const table = (await bgpRoutes(this.ref(router), family, vrf)).routes as Record<
      string,
      RouterPath[]
    >;
    return frrRoutesWithDetail(table, family, (c) => this.vtysh(router, c), vrf);
  }

  /**
   * A node's unnumbered link: its port (netns.ts nodePortSteps) holds its link-local address,
   * sends its Router Advertisements (up), and scopes its sockets (zoneOf). The compose lab's
   * node ports are wired the same, but its FRR containers are not tried with it: refused there.
   */
  nodeInterface(node: string, iface: string): NodeInterfaceLink | NodeVrfUnavailable {
    if (this.name === 'compose')
      return {
        unavailable: `unnumbered BGP (node ${node}, interface ${iface}) runs on the builtin and netns backends only: compose is not tried with it yet`,
      };
    return unnumberedLink(this.topology, node, iface);
  }

  /**
   * A node's interface in a VRF lives in a namespace of its own (netns.ts): its sessions' TCP
   * and BFD sockets are made there, so they reach only that VRF's segment.
   */
  nodeVrf(node: string, vrf: string): NodeVrfNetwork | NodeVrfUnavailable {
    const ni = this.topology.nodes.findIndex((n) => n.name === node);
    const vi = this.topology.nodes[ni]?.vrfs?.findIndex((v) => v.vrf === vrf) ?? -1;
    const itf = this.topology.nodes[ni]?.vrfs?.[vi];
    if (this.name === 'compose') return vrfUnsupported(this.name, vrf, false);
    if (!itf) return { unavailable: `node ${node} has no interface in VRF ${vrf}` };
    const netns = `/run/netns/${nodeVrfNamespace(this.topology.name, ni, vi)}`;
    const tcp = new TcpTransport(this.clock, undefined, netns);
    return {
      addresses: {
        ...(itf.ipv4 ? { ipv4: itf.ipv4 } : {}),
        ...(itf.ipv6 ? { ipv6: itf.ipv6 } : {}),
      },
      bgpTransport: this.guard ? this.guard.bgp(tcp) : tcp,
      bfdTransport: async (localAddress, { multihop }) => {
        const t = await createUdpBfdTransport({
          localAddress,
          listenPort: bfdPortFor(multihop),
          random: this.random,
          netns,
        });
        return this.guard ? this.guard.bfd(t) : t;
      },
    };
  }

  bfdPeers(router: string) {
    return bfdPeers(this.ref(router));
  }

  /** A cable pull on the router's link, or (with `node`) every packet to and from that node. */
  async link(router: string, state: 'down' | 'up', node?: string): Promise<void> {
    if (node === undefined) {
      if (state === 'down') await this.cableDown(router);
      else await this.cableUp(router);
      return;
    }
    const key = `link|${router}|${node}`;
    await this.fault(state === 'down' ? 'drop' : 'restore', key, () =>
      Promise.all(nodeAddresses(this.topology, node).map((a) => this.dropAll(router, a))),
    );
  }

  protected cableDown(router: string): Promise<void> {
    return linkDown(this.ref(router));
  }

  protected cableUp(router: string): Promise<void> {
    return linkUp(this.ref(router));
  }

  protected dropAll(router: string, address: string): Promise<PacketFaultHandle> {
    return dropAll(this.ref(router), address);
  }

  protected dropPackets(
    protocol: 'bgp' | 'bfd',
    router: string,
    peer: string | undefined,
    direction: DropDirection,
  ): Promise<PacketFaultHandle> {
    return protocol === 'bgp'
      ? dropBgp(this.ref(router), { peer, direction })
      : dropBfd(this.ref(router), { peer, direction });
  }

  protected restore(handle: PacketFaultHandle): Promise<number> {
    return restorePackets(handle);
  }

  private async fault(
    mode: 'drop' | 'restore',
    key: string,
    apply: () => Promise<PacketFaultHandle[]>,
  ): Promise<void> {
    if (mode === 'drop') {
      if (this.faults.has(key)) return;
      this.faults.set(key, await apply());
    } else {
      const handles = this.faults.get(key) ?? [];
      this.faults.delete(key);
      for (const h of handles) await this.restore(h);
    }
  }

  async packets(
    mode: 'drop' | 'restore',
    protocol: 'bgp' | 'bfd',
    router: string,
    peer?: string,
    direction: DropDirection = 'both',
  ): Promise<void> {
    await this.fault(mode, `${protocol}|${router}|${peer ?? '*'}`, async () => [
      await this.dropPackets(protocol, router, peer, direction),
    ]);
  }

  async daemon(op: 'kill' | 'restart', router: string, daemon: RouterDaemonName): Promise<void> {
    if (op === 'kill') await killDaemon(this.ref(router), daemon);
    else await restartDaemon(this.ref(router), daemon);
  }

  vtysh(router: string, commands: string[]): Promise<string> {
    return vtyshCommands(this.ref(router), commands);
  }

  describe(): string[] {
    return this.info;
  }

  /** Runs an argv where the router's interfaces are (its VRF's namespace when it has one). */
  protected routerNet(router: string): NetExec {
    const r = this.topology.routers.find((x) => x.name === router) ?? { name: router };
    return (argv) => inNamespace(routerInterfaceNamespace(this.topology.name, r), argv);
  }

  /** An AF_PACKET socket on the node's own veth (netns.ts nodePortSteps), with its MAC. */
  async l2Port(node: string): Promise<L2Port> {
    const index = this.topology.nodes.findIndex((n) => n.name === node);
    if (index < 0) throw new PeerBackendError('ERR_UNKNOWN_NODE', `no node ${node}`);
    return openPacketPort(
      nodePortName(this.topology.name, index),
      nodeMac(this.topology.name, node),
    );
  }

  /**
   * `ip -j neigh show to <address>` in the router's namespace. To resolve, the router sends one
   * UDP datagram to the address (port 9, discard) from a shell: its kernel resolves the
   * address as it does for forwarded traffic, and the datagram ends at the node's port.
   */
  async neighbor(
    router: string,
    address: string,
    resolve: boolean,
  ): Promise<RouterNeighbor | undefined> {
    const net = this.routerNet(router);
    const read = async (): Promise<RouterNeighbor | undefined> => {
      const out = await run(net(['ip', '-j', 'neigh', 'show', 'to', address]));
      return parseIpNeigh(out.stdout, address);
    };
    let entry = await read();
    if (!resolve || entry?.mac !== undefined) return entry;
    await run(net(['bash', '-c', 'echo > "/dev/udp/$1/9"', 'speakersim', address]), {
      allowFailure: true,
    });
    // ARP / NDP answer within ms on a lab segment; the kernel retries only after 1 s.
    for (let waited = 0; waited < 500 && entry?.mac === undefined; waited += 25) {
      await new Promise((r) => setTimeout(r, 25));
      entry = await read();
    }
    return entry;
  }
}

/** One entry of `ip -j neigh` output for `address` (undefined when the table has none). */
export function parseIpNeigh(output: string, address: string): RouterNeighbor | undefined {
  let rows: unknown;
  try {
    rows = JSON.parse(output.trim() || '[]');
  } catch {
    return undefined;
  }
  if (!Array.isArray(rows)) return undefined;
  const want = canonicalAddress(address);
  for (const r of rows as { dst?: unknown; lladdr?: unknown; state?: unknown }[]) {
    if (typeof r.dst !== 'string' || canonicalAddress(r.dst) !== want) continue;
    const state = Array.isArray(r.state) ? r.state.map(String).join(',') : 'NONE';
    return {
      address: want,
      state,
      ...(typeof r.lladdr === 'string' ? { mac: r.lladdr.toLowerCase() } : {}),
    };
  }
  return undefined;
}
