/**
 * The session lifecycle of one MetalLB speaker (one simulated Node): a BGP session (and BFD
 * beside it, through Neighbor) per BGPPeer that selects the node, built from the parsed peer,
 * rebuilt when what it was built from changes, closed when the peer goes. Owns the Speaker, the
 * BFD session table, the listening sockets and the per-peer socket options (RFC 2385 key, TTL).
 * Every BGP or BFD state change is handed to the BGPSessionState queue (session-state-queue.ts).
 */
import type { Clock } from '../../core/clock.js';
import { SpeakersimError } from '../../core/errors.js';
import type { Random } from '../../core/random.js';
import { Speaker, type Peer, type PeerConfig } from '../../bgp/speaker.js';
import { Neighbor } from '../../bgp/neighbor.js';
import type { Transport } from '../../bgp/io/transport.js';
import type { BfdSession } from '../../bfd/session.js';
import { BfdSessionTable } from '../../bfd/session-table.js';
import { BfdDiscriminatorPool } from '../../bfd/discriminators.js';
import type { BfdTransportFactory } from '../../bfd/io/transport.js';
import type { BfdDiscardReason } from '../../bfd/wire/discard.js';
import { bfdProfileSession } from '../bfd-profile.js';
import type { BgpPlan } from '../announce.js';
import { frrPeerName, peerSocketOptions, type MetallbConfig, type ParsedPeer } from '../config.js';
import { MessageTally } from '../metrics.js';
import { nodeAddress } from '../nodes.js';
import type { Node } from '../types.js';
import type { StatusWriter } from './writer.js';
import type { SpeakerEvents } from './node-speaker.js';

/**
 * A node's interface in a VRF, as its speaker runs sessions there (frr-k8s's `router bgp ASN vrf
 * NAME`): its addresses (the sessions' source), and transports that reach only that VRF.
 */
export interface NodeVrfNetwork {
  addresses: { ipv4?: string; ipv6?: string };
  bgpTransport: Transport;
  bfdTransport: BfdTransportFactory;
}

/** Why a node cannot run sessions in a VRF here (its ConfigurationState says so). */
export interface NodeVrfUnavailable {
  unavailable: string;
}

/**
 * The two ends of an unnumbered session on a node's interface (frr-k8s's `neighbor IFACE
 * interface`): the node's IPv6 link-local address there and the one its neighbour uses, which
 * FRR learns from the neighbour's Router Advertisements (RFC 4861 6.3.4).
 */
export interface NodeInterfaceLink {
  localAddress: string;
  peerAddress: string;
}

export interface PeerSessionsComponents {
  clock: Clock;
  random: Random;
  bgpTransport: Transport;
  /** Opens a BFD transport on a node address: single hop (3784) or multihop (4784). */
  bfdTransport: BfdTransportFactory;
  /** The node's interface in a VRF; absent: the node runs no VRF (every `vrf` peer is refused). */
  vrf?: (vrf: string) => NodeVrfNetwork | NodeVrfUnavailable;
  /** The node's unnumbered link on an interface; absent: no `interface` peer is run. */
  nodeInterface?: (iface: string) => NodeInterfaceLink | NodeVrfUnavailable;
}

export interface PeerRuntime {
  name: string;
  parsed: ParsedPeer;
  /** What the session was built from; a change rebuilds the session. */
  key: string;
  neighbor?: Neighbor;
  /** The connections whose socket options (MD5 key, TTL) this peer set on the transport. */
  socketSelector?: { localAddress?: string; peerAddress: string };
  /** The transport the session runs over (its VRF's), where those options are set. */
  transport?: Transport;
  /** BGP messages by type, for the FRR collectors' counters. */
  tally: MessageTally;
}

/** Where a session's state changes go: the BGPSessionState queue. */
export interface SessionStateSink {
  changed(name: string): void;
  remove(peer: ParsedPeer): Promise<void>;
}

/**
 * One routing instance of the node (FRR's `router bgp ASN [vrf NAME]`): the default VRF's, or one
 * per VRF its peers name, each with its own speaker, BFD table, transports and listeners.
 */
interface VrfInstance {
  speaker: Speaker;
  bfdTable: BfdSessionTable;
  transport: Transport;
  listening: Set<string>;
  /** The node's addresses in this VRF (absent for the default VRF: the Node's own). */
  addresses?: { ipv4?: string; ipv6?: string };
}

export class PeerSessions {
  /** Routing instances by VRF name ('' for the default VRF). */
  private readonly instances = new Map<string, VrfInstance>();
  /** BFDProfiles whose echo mode this node already reported as not transmitted. */
  private readonly warned = new Set<string>();
  private readonly peers = new Map<string, PeerRuntime>();
  /** One node, one system: its VRFs' BFD tables share the local discriminators (RFC 5880 6.8.1). */
  private readonly discriminators: BfdDiscriminatorPool;

  constructor(
    private readonly options: { node: string; metallbNamespace: string },
    private readonly writer: StatusWriter,
    private readonly components: PeerSessionsComponents,
    private readonly events: SpeakerEvents,
    private readonly states: SessionStateSink,
  ) {
    this.discriminators = new BfdDiscriminatorPool(components.random);
    this.instances.set('', this.newInstance(components.bgpTransport, components.bfdTransport));
  }

  private newInstance(
    transport: Transport,
    bfdTransport: BfdTransportFactory,
    vrf?: { name: string; addresses: { ipv4?: string; ipv6?: string } },
  ): VrfInstance {
    const { clock, random } = this.components;
    return {
      speaker: new Speaker({ clock, random, transport }),
      bfdTable: new BfdSessionTable({
        clock,
        random,
        openTransport: bfdTransport,
        discriminators: this.discriminators,
        ...(vrf ? { vrf: vrf.name } : {}),
      }),
      transport,
      listening: new Set(),
      ...(vrf ? { addresses: vrf.addresses } : {}),
    };
  }

  /** Why this node cannot run sessions in `vrf`, or undefined when it can. */
  vrfUnavailable(vrf: string): string | undefined {
    const instance = this.instanceFor(vrf);
    return 'unavailable' in instance ? instance.unavailable : undefined;
  }

  /** Why this node cannot run an unnumbered session on `iface`, or undefined when it can. */
  interfaceUnavailable(iface: string): string | undefined {
    const link = this.linkOn(iface);
    return 'unavailable' in link ? link.unavailable : undefined;
  }

  private linkOn(iface: string): NodeInterfaceLink | NodeVrfUnavailable {
    return (
      this.components.nodeInterface?.(iface) ?? {
        unavailable: `speaker ${this.node} runs no unnumbered sessions`,
      }
    );
  }

  /** The instance of `vrf` (empty or absent: the default VRF), or why there is none here. */
  private instanceFor(vrf: string | undefined): VrfInstance | NodeVrfUnavailable {
    const name = vrf ?? '';
    const known = this.instances.get(name);
    if (known) return known;
    const net = this.components.vrf?.(name) ?? {
      unavailable: `speaker ${this.node} runs no VRFs`,
    };
    if ('unavailable' in net) return net;
    const created = this.newInstance(net.bgpTransport, net.bfdTransport, {
      name,
      addresses: net.addresses,
    });
    this.instances.set(name, created);
    return created;
  }

  private get node(): string {
    return this.options.node;
  }

  /** The peers by BGPPeer name (read only for everyone but this class). */
  get runtimes(): ReadonlyMap<string, PeerRuntime> {
    return this.peers;
  }

  /** BFD packets the table discarded before they reached a session, by reason. */
  get tableDiscards(): Partial<Record<BfdDiscardReason, number>> {
    const sum: Partial<Record<BfdDiscardReason, number>> = {};
    for (const i of this.instances.values())
      for (const [reason, n] of Object.entries(i.bfdTable.discards) as [BfdDiscardReason, number][])
        sum[reason] = (sum[reason] ?? 0) + n;
    return sum;
  }

  /**
   * Sessions by BGPPeer name, for scenarios and the CLI, with their VRF (absent: the default
   * VRF): one address may be a peer of several VRFs, each its own session.
   */
  list(): { peer: string; address: string; vrf?: string; bgp?: Peer; bfd?: BfdSession }[] {
    return [...this.peers.values()].map((p) => ({
      peer: p.name,
      address: frrPeerName(p.parsed) ?? '',
      ...(p.parsed.vrf ? { vrf: p.parsed.vrf } : {}),
      bgp: p.neighbor?.peer,
      bfd: p.neighbor?.bfd,
    }));
  }

  /** Gives each session the routes the plan has for it (next hop: the node's own address). */
  setRoutes(sessions: BgpPlan['sessions'], nodeObj: Node): void {
    for (const s of sessions) {
      const rt = this.peers.get(s.peer);
      if (!rt?.neighbor) continue;
      rt.neighbor.peer.setRoutes(
        s.routes.flatMap((r) => {
          const nextHop = r.nextHop ?? this.localAddressFor(rt.parsed, nodeObj, r.family);
          if (!nextHop) return [];
          return [
            [
              r.prefix,
              {
                nextHop,
                localPref: r.localPref,
                communities: r.communities,
                largeCommunities: r.largeCommunities,
              },
            ],
          ] as const;
        }),
      );
    }
  }

  /** Stops every session (Cease/2). */
  async close(shutdownCommunication?: string): Promise<void> {
    for (const p of this.peers.values()) p.neighbor?.detachBfd();
    for (const i of this.instances.values()) {
      await i.speaker.close(shutdownCommunication);
      await i.bfdTable.close();
    }
    this.peers.clear();
  }

  /**
   * The session's source: the BGPPeer's sourceAddress, else the node's address of the family on
   * the peer's VRF (the Node's own addresses in the default VRF, its VRF interface's otherwise).
   */
  localAddressFor(p: ParsedPeer, node: Node, family?: 'ipv4' | 'ipv6'): string | undefined {
    if (p.iface !== undefined) {
      // Unnumbered: the interface's link-local address, the next hop of both families too
      // (RFC 8950 4 for IPv4; RFC 2545 3 allows a link-local alone when there is no global).
      const link = this.linkOn(p.iface);
      return 'unavailable' in link ? undefined : link.localAddress;
    }
    if (p.sourceAddress && !family) return p.sourceAddress;
    const fam = family ?? (p.address?.includes(':') ? 'ipv6' : 'ipv4');
    if (!p.vrf) return nodeAddress(node, fam);
    const instance = this.instanceFor(p.vrf);
    return 'unavailable' in instance ? undefined : instance.addresses?.[fam];
  }

  /** Makes the sessions exactly `wanted`: a peer whose key changed is rebuilt. */
  async sync(
    wanted: Map<string, ParsedPeer>,
    config: MetallbConfig | undefined,
    node?: Node,
  ): Promise<void> {
    for (const [name, rt] of [...this.peers]) {
      const next = wanted.get(name);
      if (next && node && this.sessionKey(next, config, node) === rt.key) continue;
      await this.removePeer(rt);
    }
    if (!node || !config) return;
    for (const [name, parsed] of wanted) {
      if (this.peers.has(name)) continue;
      await this.addPeer(name, parsed, config, node);
    }
  }

  private sessionKey(p: ParsedPeer, config: MetallbConfig | undefined, node: Node): string {
    const profile = p.bfdProfile ? config?.bfdProfiles.get(p.bfdProfile) : undefined;
    return JSON.stringify([p, profile ?? null, this.localAddressFor(p, node) ?? null]);
  }

  private async addPeer(
    name: string,
    parsed: ParsedPeer,
    config: MetallbConfig,
    node: Node,
  ): Promise<void> {
    const rt: PeerRuntime = {
      name,
      parsed,
      key: this.sessionKey(parsed, config, node),
      tally: new MessageTally(),
    };
    this.peers.set(name, rt);
    // What speakersim cannot run yet is said where a user looks (a Warning Event on the BGPPeer,
    // kubectl describe / get events) and never run half: no session in the default VRF instead.
    const instance = this.instanceFor(parsed.vrf);
    const link = parsed.iface !== undefined ? this.linkOn(parsed.iface) : undefined;
    const peerAddress = link && !('unavailable' in link) ? link.peerAddress : parsed.address;
    const unsupported =
      link && 'unavailable' in link
        ? ([
            'ERR_SPEAKER_UNNUMBERED',
            `unnumbered BGP on interface ${parsed.iface}: ${link.unavailable}; the session is not run`,
          ] as const)
        : 'unavailable' in instance
          ? ([
              'ERR_SPEAKER_VRF_UNSUPPORTED',
              `cannot run a session in VRF ${parsed.vrf}: ${instance.unavailable}; the session is not run (nor run in the default VRF instead)`,
            ] as const)
          : undefined;
    if (unsupported || !peerAddress || 'unavailable' in instance) {
      const [code, why] = unsupported ?? ['ERR_SPEAKER_UNNUMBERED', 'no peer address'];
      await this.warnOnce(
        `peer:${name}`,
        new SpeakersimError(code, `node ${this.node}: peer ${name}: ${why}`),
        { apiVersion: 'metallb.io/v1beta2', kind: 'BGPPeer', name },
        'PeerNotSupported',
      );
      return;
    }
    const localAddress = this.localAddressFor(parsed, node);
    // frr-k8s activates both families on an interface peer (its FRR sends IPv4 with RFC 8950
    // extended next hops there), whatever disableMP says.
    const families: PeerConfig['families'] =
      parsed.disableMP && !link ? [peerAddress.includes(':') ? 'ipv6' : 'ipv4'] : ['ipv4', 'ipv6'];
    const multihop = parsed.ebgpMultiHop ?? false;
    const profile = parsed.bfdProfile ? config.bfdProfiles.get(parsed.bfdProfile) : undefined;
    // frr-k8s writes `neighbor X bfd profile P`; with ebgp-multihop, bgpd asks bfdd for a
    // multihop session (RFC 5883, UDP 4784).
    const bfd = parsed.bfdProfile ? bfdProfileSession(profile, { multihop }) : undefined;
    try {
      // RFC 2385 key and TTL go on the transport, before the session's first SYN.
      const selector = { localAddress, peerAddress };
      instance.transport.socketOptions?.set(selector, peerSocketOptions(parsed));
      rt.socketSelector = selector;
      rt.transport = instance.transport;
      rt.neighbor = new Neighbor(
        {
          peer: {
            id: `${this.node}/${name}`,
            node: this.node,
            localAddress,
            localAsn: parsed.localASN ?? parsed.myASN,
            routerId: parsed.routerID ?? nodeAddress(node, 'ipv4') ?? '198.18.255.254',
            peerAddress,
            peerPort: parsed.port,
            ...(link ? { extendedNextHop: true } : {}),
            peerAsn: parsed.dynamicASN ?? parsed.asn,
            // FRR (frr-k8s) defaults when the BGPPeer leaves timers unset: hold 180 s, keepalive 60 s.
            holdTimeSeconds: parsed.holdTimeMs !== undefined ? parsed.holdTimeMs / 1000 : 180,
            keepaliveTimeSeconds:
              parsed.keepaliveTimeMs !== undefined ? parsed.keepaliveTimeMs / 1000 : 60,
            connectRetryTimeSeconds:
              parsed.connectTimeMs !== undefined ? parsed.connectTimeMs / 1000 : 120,
            families,
            gracefulRestart: parsed.enableGracefulRestart ? { restartTimeSeconds: 120 } : undefined,
            hostname: this.node,
            // Kept so that FRRConfiguration toReceive can say which received routes are accepted.
            keepAdjRibIn: true,
            // frr-k8s runs FRR: an unreachable peer shows Active, as the seed's table does.
            connectFailure: 'active',
          },
          ...(bfd && localAddress
            ? {
                bfd: {
                  localAddress,
                  peerAddress,
                  multihop,
                  ...(parsed.vrf ? { vrf: parsed.vrf } : {}),
                  ...bfd.timers,
                  ...(multihop ? { minimumTtl: bfd.minimumTtl } : {}),
                },
              }
            : {}),
        },
        { clock: this.components.clock, speaker: instance.speaker, bfdTable: instance.bfdTable },
      );
    } catch (error) {
      this.events.problem(this.node, error);
      this.states.changed(name);
      return;
    }
    if (localAddress) await this.listenOn(instance, localAddress);
    if (bfd?.echoNotTransmitted && parsed.bfdProfile) {
      await this.reportEchoNotTransmitted(parsed.bfdProfile, bfd.echoNotTransmitted.reason);
    }
    rt.neighbor.on({
      // Neighbor's order: a BFD change reaches bfdTransition before the BGP teardown it causes.
      bfdTransition: (e) => {
        this.events.bfdTransition(this.node, name, e);
        this.states.changed(name);
      },
      bgpTransition: (e) => {
        this.events.bgpTransition(this.node, name, e);
        this.states.changed(name);
      },
      message: (m) => {
        this.events.message(this.node, name, m, { address: localAddress });
        rt.tally.record(m.direction, m.type);
      },
      problem: (error) => this.events.problem(this.node, error),
    });
    await rt.neighbor.start();
    this.states.changed(name);
  }

  /**
   * FRR runs a BFDProfile with echo-mode on without sending echo where it cannot; speakersim
   * never sends echo. Said once per profile and node: a warning log line and an Event on the
   * BFDProfile, as `kubectl describe bfdprofile` shows it.
   */
  private async reportEchoNotTransmitted(profile: string, reason: string): Promise<void> {
    await this.warnOnce(
      `echo:${profile}`,
      new SpeakersimError('ERR_BFD_ECHO_NOT_TRANSMITTED', `node ${this.node}: ${reason}`),
      { apiVersion: 'metallb.io/v1beta1', kind: 'BFDProfile', name: profile },
      'EchoNotTransmitted',
    );
  }

  /**
   * Reports `error` once per `key` for this node: on the timeline/log (problem) and as a Warning
   * Event on the MetalLB object it concerns.
   */
  private async warnOnce(
    key: string,
    error: SpeakersimError,
    about: { apiVersion: string; kind: string; name: string },
    reason: string,
  ): Promise<void> {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.events.problem(this.node, error);
    try {
      await this.writer.event(
        {
          apiVersion: about.apiVersion,
          kind: about.kind,
          metadata: { name: about.name, namespace: this.options.metallbNamespace },
        },
        'Warning',
        reason,
        error.message,
        `speaker-${this.node}`,
        new Date(this.components.clock.wallNow()).toISOString(),
      );
    } catch (e) {
      this.events.problem(this.node, e);
    }
  }

  /** FRR on a node accepts BGP connections from its peers too (RFC 4271 8: either side opens). */
  private async listenOn(instance: VrfInstance, localAddress: string): Promise<void> {
    if (instance.listening.has(localAddress)) return;
    instance.listening.add(localAddress);
    try {
      await instance.speaker.listen(localAddress, 179);
    } catch (error) {
      this.events.problem(this.node, error);
    }
  }

  private async removePeer(rt: PeerRuntime): Promise<void> {
    this.peers.delete(rt.name);
    await rt.neighbor?.close();
    if (rt.socketSelector) rt.transport?.socketOptions?.set(rt.socketSelector, undefined);
    await this.states.remove(rt.parsed);
  }
}
