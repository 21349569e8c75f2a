/**
 * One MetalLB speaker (one simulated Node), in FRR mode as frr-k8s runs it: the BGP sessions
 * (and BFD beside them) to the BGPPeers that select the node, the service routes MetalLB's
 * advertisements give it, and what it reports: ConfigurationState `speaker-<node>`,
 * ServiceBGPStatus per (Service, node), BGPSessionState per (node, peer, vrf) and FRRNodeState.
 *
 * BGPSessionState is written on every BGP FSM transition and BFD state change (event-driven,
 * well within 100 ms); with `pollIntervalMs` it is written like frr-k8s's frr-status instead:
 * every poll interval, so trainers can show the real lag.
 */
import type { Clock, Timer } from '../../core/clock.js';
import { SpeakersimError } from '../../core/errors.js';
import type { Random } from '../../core/random.js';
import { Speaker, type Peer, type PeerConfig } from '../../bgp/speaker.js';
import { Neighbor } from '../../bgp/neighbor.js';
import type { Transport } from '../../bgp/io/transport.js';
import type { SessionMessageEvent, SessionTransitionEvent } from '../../bgp/session.js';
import type { BfdSession } from '../../bfd/session.js';
import { BfdSessionTable } from '../../bfd/session-table.js';
import type { BfdTransportFactory } from '../../bfd/io/transport.js';
import { BfdState } from '../../bfd/wire/constants.js';
import type { BfdStateChangeEvent } from '../../bfd/events.js';
import { bfdProfileSession, bfdSessionStatus } from '../bfd-profile.js';
import type { KubeClient, KubeResource } from '../../k8s/client.js';
import { planBgp, type BgpPlan } from '../announce.js';
import { peerSocketOptions, type MetallbConfig, type ParsedPeer } from '../config.js';
import { frrRoutersForNode, renderRunningConfig } from '../frr-config.js';
import {
  acceptsRoute,
  receiveKey,
  FrrConversionError,
  receivePolicies,
  unappliedParts,
  type ReceivePolicy,
} from '../frr-configuration.js';
import {
  MessageTally,
  recordConfigUpdate,
  type AnnouncedService,
  type BfdPeerSample,
  type BgpPeerSample,
  type SpeakerMetrics,
} from '../metrics.js';
import type { BfdDiscardReason } from '../../bfd/wire/discard.js';
import { ingressIPs } from '../service-ip.js';
import { formatIP } from '../ip.js';
import { nodeAddress } from '../nodes.js';
import { SERVICE_BGP_STATUS_LABELS, serviceBgpStatusObject } from '../announce.js';
import { SessionStates } from './session-states.js';
import { planL2, serviceL2StatusObject } from '../l2.js';
import type { Node, ServiceBGPStatus, ServiceL2Status } from '../types.js';
import { LastValidConfig } from '../validate.js';
import type { ClusterCache } from './cache.js';
import type { StatusWriter } from './writer.js';
import { hasOwner, withOwner, type NodePodOwners } from './pods.js';
import { sameJson } from './writer.js';

export interface NodeSpeakerComponents {
  clock: Clock;
  random: Random;
  bgpTransport: Transport;
  /** Opens a BFD transport on a node address: single hop (3784) or multihop (4784). */
  bfdTransport: BfdTransportFactory;
}

export interface NodeSpeakerOptions {
  node: string;
  metallbNamespace: string;
  frrK8sNamespace: string;
  /** 0: write BGPSessionState on every change; > 0: poll like frr-k8s (2 min there). */
  pollIntervalMs: number;
  /** Nodes with a live speaker (the L2 election's memberlist); default: every Node. */
  speakerNodes?: () => string[];
  /** The pods that own this node's status objects (none: written without an owner). */
  owners?: () => NodePodOwners;
}

/** Events the runtime passes up to the scenario timeline and the metrics. */
export interface SpeakerEvents {
  bgpTransition(node: string, peer: string, e: SessionTransitionEvent): void;
  bfdTransition(node: string, peer: string, e: BfdStateChangeEvent): void;
  message(
    node: string,
    peer: string,
    e: SessionMessageEvent,
    local: { address?: string; port?: number },
  ): void;
  problem(node: string, error: unknown): void;
}

interface PeerRuntime {
  name: string;
  parsed: ParsedPeer;
  /** What the session was built from; a change rebuilds the session. */
  key: string;
  neighbor?: Neighbor;
  /** The connections whose socket options (MD5 key, TTL) this peer set on the transport. */
  socketSelector?: { localAddress?: string; peerAddress: string };
  /** BGP messages by type, for the FRR collectors' counters. */
  tally: MessageTally;
}

export class NodeSpeaker {
  private readonly speaker: Speaker;
  private readonly bfdTable: BfdSessionTable;
  /** BFDProfiles whose echo mode this node already reported as not transmitted. */
  private readonly echoReported = new Set<string>();
  private readonly lastValid: LastValidConfig;
  private configKey: string | undefined;
  /** ConfigurationState to write at the next status half (the configuration changed). */
  private configStatus: ReturnType<LastValidConfig['apply']>['status'] | undefined;
  /** What the sessions half planned, for the status half of the same pass. */
  private pending: { config: MetallbConfig; plan: BgpPlan } | undefined;
  private readonly peers = new Map<string, PeerRuntime>();
  private readonly listening = new Set<string>();
  private pollTimer: Timer | undefined;
  private stopped = false;
  /**
   * BGPSessionState values waiting to be written, per peer, in the order they happened: a BFD
   * Down and the BGP teardown it causes in the same instant are written as two changes.
   */
  private dirtySessions = new Map<string, { bgpState: string; bfdStatus: string | undefined }[]>();
  /** This node's BGPSessionStates (one per peer and VRF). */
  private readonly sessionStates: SessionStates;
  private flushing: Promise<void> | undefined;
  /** FRRConfiguration findings already reported (unappliedParts). */
  private readonly frrWarned = new Set<string>();
  /** FRRConfiguration toReceive policies by receiveKey, as last rendered. */
  private receive = new Map<string, ReceivePolicy>();
  /** Services this node announces (metallb_speaker_announced), by protocol. */
  private announced: AnnouncedService[] = [];

  constructor(
    readonly options: NodeSpeakerOptions,
    private readonly client: KubeClient,
    private readonly cache: ClusterCache,
    private readonly writer: StatusWriter,
    private readonly components: NodeSpeakerComponents,
    private readonly events: SpeakerEvents,
    private readonly metrics?: SpeakerMetrics,
  ) {
    this.speaker = new Speaker({
      clock: components.clock,
      random: components.random,
      transport: components.bgpTransport,
    });
    this.bfdTable = new BfdSessionTable({
      clock: components.clock,
      random: components.random,
      openTransport: components.bfdTransport,
    });
    const socketOptions = components.bgpTransport.socketOptions;
    this.lastValid = new LastValidConfig({
      component: 'speaker',
      node: options.node,
      socketOptionsUnavailable: socketOptions
        ? socketOptions.unavailable()
        : 'this BGP transport cannot set per-peer socket options',
    });
    this.sessionStates = new SessionStates(client, writer, {
      node: options.node,
      namespace: options.frrK8sNamespace,
      decorate: (o) => withOwner(o, this.options.owners?.().frrK8s),
      onProblem: (error) => this.events.problem(this.node, error),
    });
    if (options.pollIntervalMs > 0) this.schedulePoll();
  }

  get node(): string {
    return this.options.node;
  }

  /** True while BGPSessionState writes are queued or running. */
  get busy(): boolean {
    return this.flushing !== undefined || this.dirtySessions.size > 0;
  }

  /** Sessions by BGPPeer name, for scenarios and the CLI. */
  sessions(): { peer: string; address: string; bgp?: Peer; bfd?: BfdSession }[] {
    return [...this.peers.values()].map((p) => ({
      peer: p.name,
      address: p.parsed.address ?? '',
      bgp: p.neighbor?.peer,
      bfd: p.neighbor?.bfd,
    }));
  }

  /** One reconcile of this node alone: its sessions, then its reports. */
  async reconcile(): Promise<void> {
    await this.reconcileSessions();
    await this.reconcileStatus();
  }

  /**
   * The first half of a reconcile: configuration, BGP sessions and their routes, with no status
   * write. The runtime runs it for every node before any node writes its reports, as
   * independent speaker pods would: with writes first, the last of 250 nodes waited some 30 s
   * for the others' status writes before it started a session (bench/scale.ts).
   */
  async reconcileSessions(): Promise<void> {
    this.pending = undefined;
    if (this.stopped) return;
    const key = this.cache.configKey();
    if (key !== this.configKey) {
      this.configKey = key;
      const applied = this.lastValid.apply(this.cache.resources(), this.components.clock.wallNow());
      this.configStatus = applied.status;
      if (this.metrics)
        recordConfigUpdate(this.metrics.k8sClient, !applied.error, applied.config !== undefined);
    }
    const config = this.lastValid.config;
    const nodeObj = this.cache.nodes().find((n) => n.metadata.name === this.node);
    if (!config || !nodeObj) {
      await this.syncPeers(new Map(), undefined);
      return;
    }
    const plan = planBgp({
      config,
      nodes: this.cache.nodes(),
      services: this.cache.services(),
      endpointSlices: this.cache.endpointSlices(),
      speakerNodes: [this.node],
    });
    const mine = new Map(plan.sessions.filter((s) => s.node === this.node).map((s) => [s.peer, s]));
    const wanted = new Map<string, ParsedPeer>();
    for (const name of mine.keys()) {
      const p = config.peers.get(name);
      if (p) wanted.set(name, p);
    }
    await this.syncPeers(wanted, config, nodeObj);
    for (const [name, s] of mine) {
      const rt = this.peers.get(name);
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
    this.pending = { config, plan };
  }

  /** The second half: ConfigurationState, Service statuses, FRRNodeState, BGPSessionState. */
  async reconcileStatus(): Promise<void> {
    if (this.stopped) return;
    const status = this.configStatus;
    if (status) {
      this.configStatus = undefined;
      await this.writer.configurationState({ component: 'speaker', node: this.node }, status);
    }
    const pending = this.pending;
    this.pending = undefined;
    if (!pending) return;
    await this.writeServiceStatuses(pending.plan);
    await this.writeL2Statuses(pending.config);
    await this.writeFrrNodeState(pending.config, pending.plan);
    this.markAllSessionsDirty();
  }

  /** Stops every session (Cease/2) and writes nothing more. */
  async stop(shutdownCommunication?: string): Promise<void> {
    this.stopped = true;
    this.pollTimer?.cancel();
    for (const p of this.peers.values()) p.neighbor?.detachBfd();
    await this.speaker.close(shutdownCommunication);
    await this.bfdTable.close();
    this.peers.clear();
  }

  // --- sessions -------------------------------------------------------------------------------

  private localAddressFor(p: ParsedPeer, node: Node, family?: 'ipv4' | 'ipv6'): string | undefined {
    if (p.sourceAddress && !family) return p.sourceAddress;
    const fam = family ?? (p.address?.includes(':') ? 'ipv6' : 'ipv4');
    return nodeAddress(node, fam);
  }

  private async syncPeers(
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
    if (!parsed.address) {
      this.events.problem(
        this.node,
        new SpeakersimError(
          'ERR_SPEAKER_UNNUMBERED',
          `peer ${name}: unnumbered BGP (interface ${parsed.iface}) is not supported`,
        ),
      );
      return;
    }
    const localAddress = this.localAddressFor(parsed, node);
    const families: PeerConfig['families'] = parsed.disableMP
      ? [parsed.address.includes(':') ? 'ipv6' : 'ipv4']
      : ['ipv4', 'ipv6'];
    const multihop = parsed.ebgpMultiHop ?? false;
    const profile = parsed.bfdProfile ? config.bfdProfiles.get(parsed.bfdProfile) : undefined;
    // frr-k8s writes `neighbor X bfd profile P`; with ebgp-multihop, bgpd asks bfdd for a
    // multihop session (RFC 5883, UDP 4784).
    const bfd = parsed.bfdProfile ? bfdProfileSession(profile, { multihop }) : undefined;
    try {
      // RFC 2385 key and TTL go on the transport, before the session's first SYN.
      const selector = { localAddress, peerAddress: parsed.address };
      this.components.bgpTransport.socketOptions?.set(selector, peerSocketOptions(parsed));
      rt.socketSelector = selector;
      rt.neighbor = new Neighbor(
        {
          peer: {
            id: `${this.node}/${name}`,
            node: this.node,
            localAddress,
            localAsn: parsed.localASN ?? parsed.myASN,
            routerId: parsed.routerID ?? nodeAddress(node, 'ipv4') ?? '198.18.255.254',
            peerAddress: parsed.address,
            peerPort: parsed.port,
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
                  peerAddress: parsed.address,
                  multihop,
                  ...bfd.timers,
                  ...(multihop ? { minimumTtl: bfd.minimumTtl } : {}),
                },
              }
            : {}),
        },
        { clock: this.components.clock, speaker: this.speaker, bfdTable: this.bfdTable },
      );
    } catch (error) {
      this.events.problem(this.node, error);
      this.sessionChanged(name);
      return;
    }
    if (localAddress) await this.listenOn(localAddress);
    if (bfd?.echoNotTransmitted && parsed.bfdProfile) {
      await this.reportEchoNotTransmitted(parsed.bfdProfile, bfd.echoNotTransmitted.reason);
    }
    rt.neighbor.on({
      // Neighbor's order: a BFD change reaches bfdTransition before the BGP teardown it causes.
      bfdTransition: (e) => {
        this.events.bfdTransition(this.node, name, e);
        this.sessionChanged(name);
      },
      bgpTransition: (e) => {
        this.events.bgpTransition(this.node, name, e);
        this.sessionChanged(name);
      },
      message: (m) => {
        this.events.message(this.node, name, m, { address: localAddress });
        rt.tally.record(m.direction, m.type);
      },
      problem: (error) => this.events.problem(this.node, error),
    });
    await rt.neighbor.start();
    this.sessionChanged(name);
  }

  /**
   * FRR runs a BFDProfile with echo-mode on without sending echo where it cannot; speakersim
   * never sends echo. Said once per profile and node: a warning log line and an Event on the
   * BFDProfile, as `kubectl describe bfdprofile` shows it.
   */
  private async reportEchoNotTransmitted(profile: string, reason: string): Promise<void> {
    if (this.echoReported.has(profile)) return;
    this.echoReported.add(profile);
    this.events.problem(
      this.node,
      new SpeakersimError('ERR_BFD_ECHO_NOT_TRANSMITTED', `node ${this.node}: ${reason}`),
    );
    try {
      await this.writer.event(
        {
          apiVersion: 'metallb.io/v1beta1',
          kind: 'BFDProfile',
          metadata: { name: profile, namespace: this.options.metallbNamespace },
        },
        'Warning',
        'EchoNotTransmitted',
        `node ${this.node}: ${reason}`,
        `speaker-${this.node}`,
        new Date(this.components.clock.wallNow()).toISOString(),
      );
    } catch (error) {
      this.events.problem(this.node, error);
    }
  }

  /** FRR on a node accepts BGP connections from its peers too (RFC 4271 8: either side opens). */
  private async listenOn(localAddress: string): Promise<void> {
    if (this.listening.has(localAddress)) return;
    this.listening.add(localAddress);
    try {
      await this.speaker.listen(localAddress, 179);
    } catch (error) {
      this.events.problem(this.node, error);
    }
  }

  private async removePeer(rt: PeerRuntime): Promise<void> {
    this.peers.delete(rt.name);
    await rt.neighbor?.close();
    if (rt.socketSelector)
      this.components.bgpTransport.socketOptions?.set(rt.socketSelector, undefined);
    await this.deleteSessionState(rt.parsed);
  }

  // --- metrics --------------------------------------------------------------------------------

  /** What the FRR collectors and the speaker's gauges read at a scrape (metrics.ts). */
  metricSamples(): {
    bgp: BgpPeerSample[];
    bfd: BfdPeerSample[];
    announced: AnnouncedService[];
    bfdDiscards: Partial<Record<BfdDiscardReason, number>>;
  } {
    const bgp: BgpPeerSample[] = [];
    const bfd: BfdPeerSample[] = [];
    const discards: Partial<Record<BfdDiscardReason, number>> = { ...this.bfdTable.discards };
    for (const rt of this.peers.values()) {
      const peer = rt.neighbor?.peer;
      if (!peer || !rt.parsed.address) continue;
      const established = peer.session.state === 'Established';
      bgp.push({
        address: rt.parsed.address,
        port: rt.parsed.port ?? 179,
        vrf: rt.parsed.vrf,
        established,
        prefixesSent: established ? peer.adjRibOut.size : 0,
        prefixesReceived: this.acceptedOf(rt).length,
        messages: rt.tally,
      });
      const bfdSession = rt.neighbor?.bfd;
      if (!bfdSession) continue;
      const c = bfdSession.counters;
      bfd.push({
        address: rt.parsed.address,
        vrf: rt.parsed.vrf,
        up: bfdSession.state === BfdState.Up,
        controlPacketsIn: c.packetsReceived,
        controlPacketsOut: c.packetsSent,
        upEvents: c.upTransitions,
        downEvents: c.downTransitions,
      });
      for (const [reason, n] of Object.entries(c.discards) as [BfdDiscardReason, number][])
        discards[reason] = (discards[reason] ?? 0) + n;
    }
    return { bgp, bfd, announced: [...this.announced], bfdDiscards: discards };
  }

  /** metallb_speaker_announced: the services this node announces, one series per IP. */
  private setAnnounced(
    protocol: AnnouncedService['protocol'],
    services: { serviceName: string; serviceNamespace: string }[],
  ): void {
    const byKey = new Map(
      this.cache.services().map((s) => [`${s.metadata.namespace}/${s.metadata.name}`, s]),
    );
    const next = this.announced.filter((a) => a.protocol !== protocol);
    for (const d of services) {
      const key = `${d.serviceNamespace}/${d.serviceName}`;
      const svc = byKey.get(key);
      if (!svc) continue;
      for (const ip of ingressIPs(svc))
        next.push({ service: key, protocol, node: this.node, ip: formatIP(ip) });
    }
    this.announced = next;
  }

  // --- BGPSessionState ------------------------------------------------------------------------

  /** Queues the peer's current BGP and BFD status for writing (no-op when unchanged). */
  private enqueue(name: string): void {
    const rt = this.peers.get(name);
    if (!rt) return;
    const snap = this.sessionStatus(rt);
    const q = this.dirtySessions.get(name) ?? [];
    const last = q.at(-1);
    if (last && last.bgpState === snap.bgpState && last.bfdStatus === snap.bfdStatus) return;
    q.push(snap);
    this.dirtySessions.set(name, q);
  }

  private sessionChanged(name: string): void {
    if (this.options.pollIntervalMs > 0) return;
    this.enqueue(name);
    void this.flushSessions();
  }

  private markAllSessionsDirty(): void {
    if (this.options.pollIntervalMs > 0) return;
    for (const n of this.peers.keys()) this.enqueue(n);
    void this.flushSessions();
  }

  private schedulePoll(): void {
    this.pollTimer = this.components.clock.setTimer(this.options.pollIntervalMs, () => {
      if (this.stopped) return;
      // Like frr-status: one look at each session per poll, whatever happened between.
      for (const n of this.peers.keys()) {
        this.dirtySessions.delete(n);
        this.enqueue(n);
      }
      void this.flushSessions();
      this.schedulePoll();
    });
  }

  /** Writes dirty BGPSessionStates one at a time, in order; later changes coalesce. */
  flushSessions(): Promise<void> {
    if (this.flushing) return this.flushing;
    if (this.dirtySessions.size === 0 || this.stopped) return Promise.resolve();
    const run = async (): Promise<void> => {
      // Let the synchronous caller finish first, so `flushing` is set before the loop can end.
      await Promise.resolve();
      while (this.dirtySessions.size > 0 && !this.stopped) {
        const name = [...this.dirtySessions.keys()].sort()[0]!;
        const q = this.dirtySessions.get(name)!;
        const snap = q.shift();
        if (q.length === 0) this.dirtySessions.delete(name);
        const rt = this.peers.get(name);
        if (rt && snap) await this.writeSessionState(rt, snap);
      }
    };
    this.flushing = run().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  /** What `show bgp neighbors json` would say for this peer, as frr-status maps it (§3, §17). */
  private sessionStatus(rt: PeerRuntime): { bgpState: string; bfdStatus: string | undefined } {
    const bgpState = rt.neighbor?.session.state ?? 'Idle';
    if (!rt.parsed.bfdProfile) return { bgpState, bfdStatus: undefined };
    return { bgpState, bfdStatus: bfdSessionStatus(true, rt.neighbor?.bfd?.state) };
  }

  private async writeSessionState(
    rt: PeerRuntime,
    s: { bgpState: string; bfdStatus: string | undefined },
  ): Promise<void> {
    if (!rt.parsed.address) return;
    await this.sessionStates.write({
      peer: rt.parsed.address,
      vrf: rt.parsed.vrf,
      bgpState: s.bgpState,
      bfdStatus: s.bfdStatus,
    });
  }

  private async deleteSessionState(peer: ParsedPeer): Promise<void> {
    if (!peer.address) return;
    await this.sessionStates.delete(peer.address, peer.vrf);
  }

  // --- ServiceBGPStatus, FRRNodeState -------------------------------------------------------

  private async writeServiceStatuses(plan: BgpPlan): Promise<void> {
    const desired = plan.statuses.filter((s) => s.node === this.node);
    this.setAnnounced('bgp', desired);
    // Deleted when no peer remains for the (Service, node) (§5).
    await this.syncServiceStatuses(
      'ServiceBGPStatus',
      desired.map((d) => serviceBgpStatusObject(d, this.options.metallbNamespace)),
    );
  }

  /** ServiceL2Status: one per Service, written by the node the L2 election picks (§6). */
  private async writeL2Statuses(config: MetallbConfig): Promise<void> {
    const desired = planL2({
      config,
      nodes: this.cache.nodes(),
      services: this.cache.services(),
      endpointSlices: this.cache.endpointSlices(),
      ...(this.options.speakerNodes ? { speakerNodes: this.options.speakerNodes() } : {}),
    }).filter((d) => d.node === this.node);
    this.setAnnounced('layer2', desired);
    await this.syncServiceStatuses(
      'ServiceL2Status',
      desired.map((d) => serviceL2StatusObject(d, this.options.metallbNamespace)),
      true,
    );
  }

  /**
   * Makes this node's Service*Status objects exactly `wanted`: created (generateName, owned by
   * the speaker pod), status patched on change, duplicates and leftovers deleted. Keyed by the
   * service labels. `leader` (L2): the node also deletes other nodes' objects for the Services
   * it announces, as layer2_status_controller.go does, so one object per Service remains.
   */
  private async syncServiceStatuses(
    kind: 'ServiceBGPStatus' | 'ServiceL2Status',
    wanted: (ServiceBGPStatus | ServiceL2Status)[],
    leader = false,
  ): Promise<void> {
    let listed: KubeResource[];
    try {
      listed = await this.client.list('metallb.io/v1beta1', kind, {
        namespace: this.options.metallbNamespace,
        ...(leader ? {} : { labelSelector: `${SERVICE_BGP_STATUS_LABELS.node}=${this.node}` }),
      });
    } catch (error) {
      this.events.problem(this.node, error);
      return;
    }
    const mine = (o: KubeResource): boolean =>
      o.metadata?.labels?.[SERVICE_BGP_STATUS_LABELS.node] === this.node;
    const existing = listed.filter(mine);
    const owner = this.options.owners?.().speaker;
    const keyOf = (o: { metadata?: { labels?: Record<string, string> } }): string => {
      const l = o.metadata?.labels ?? {};
      return `${l[SERVICE_BGP_STATUS_LABELS.serviceNamespace] ?? ''}/${l[SERVICE_BGP_STATUS_LABELS.serviceName] ?? ''}`;
    };
    const byKey = new Map<string, KubeResource[]>();
    for (const o of existing) byKey.set(keyOf(o), [...(byKey.get(keyOf(o)) ?? []), o]);
    const wantedKeys = new Set(wanted.map(keyOf));
    for (const other of listed) {
      if (!mine(other) && wantedKeys.has(keyOf(other))) await this.writer.delete(other);
    }
    for (const want of wanted) {
      const k = keyOf(want);
      const [have, ...dups] = byKey.get(k) ?? [];
      byKey.delete(k);
      for (const x of dups) await this.writer.delete(x);
      if (!have) {
        await this.writer.createWithStatus(withOwner(want, owner) as unknown as KubeResource);
        continue;
      }
      // Written before the pod existed (or by an earlier pod): CreateOrPatch sets the owner.
      if (owner && !hasOwner(have, owner))
        await this.writer.patch(have, { metadata: { ownerReferences: [owner] } });
      if (!sameJson((have as { status?: unknown }).status ?? {}, want.status))
        await this.writer.patchStatus(have, { status: want.status });
    }
    for (const gone of byKey.values()) for (const o of gone) await this.writer.delete(o);
  }

  /** The routes a peer sent that its FRRConfiguration toReceive lets in (FRR's route-map in). */
  private acceptedOf(rt: PeerRuntime): string[] {
    const peer = rt.neighbor?.peer;
    if (!peer || !rt.parsed.address) return [];
    const policy = this.receive.get(receiveKey(rt.parsed.myASN, rt.parsed.vrf, rt.parsed.address));
    const prefixes = new Set([...peer.adjRibIn.routes()].map((r) => r.prefix));
    return [...prefixes].filter((p) => acceptsRoute(policy, p)).sort();
  }

  /** Accepted routes by BGPPeer name: what FRR on the node would install from each peer. */
  acceptedRoutes(): { peer: string; address: string; prefixes: string[] }[] {
    return [...this.peers.values()].map((rt) => ({
      peer: rt.name,
      address: rt.parsed.address ?? '',
      prefixes: this.acceptedOf(rt),
    }));
  }

  private async writeFrrNodeState(config: MetallbConfig, plan: BgpPlan): Promise<void> {
    const routers = frrRoutersForNode(this.node, [...config.peers.values()], plan);
    // frr-k8s merges the FRRConfigurations that select this node with MetalLB's; a piece it
    // cannot convert fails the conversion and none of them applies.
    let conversion = 'success';
    const nodeObj = this.cache.nodes().find((n) => n.metadata.name === this.node);
    try {
      this.receive = nodeObj
        ? receivePolicies(nodeObj, this.cache.frrConfigurations())
        : new Map<string, ReceivePolicy>();
    } catch (error) {
      if (!(error instanceof FrrConversionError)) throw error;
      this.receive = new Map();
      conversion = `failed: ${error.message}`;
      this.events.problem(this.node, error);
    }
    const known = new Set<string>();
    for (const r of routers)
      for (const n of r.neighbors) {
        if (!n.addr) continue;
        known.add(receiveKey(r.myASN, r.vrf, n.addr));
        const policy = this.receive.get(receiveKey(r.myASN, r.vrf, n.addr));
        if (policy) n.receive = policy;
      }
    if (nodeObj) {
      // Said once per distinct finding, not on every pass.
      for (const line of unappliedParts(nodeObj, this.cache.frrConfigurations(), known)) {
        if (this.frrWarned.has(line)) continue;
        this.frrWarned.add(line);
        this.events.problem(this.node, new SpeakersimError('ERR_FRRK8S_UNSUPPORTED', line));
      }
    }
    const runningConfig = renderRunningConfig({
      hostname: this.node,
      routers,
      bfdProfiles: [...config.bfdProfiles.values()].filter((p) =>
        routers.some((r) => r.neighbors.some((n) => n.bfdProfile === p.name)),
      ),
    });
    const status = { runningConfig, lastReloadResult: 'success', lastConversionResult: conversion };
    const ref = {
      apiVersion: 'frrk8s.metallb.io/v1beta1',
      kind: 'FRRNodeState',
      metadata: { name: this.node },
    };
    let current: KubeResource | undefined;
    try {
      current = await this.client.get(ref);
    } catch (error) {
      this.events.problem(this.node, error);
      return;
    }
    if (!current) {
      await this.writer.createWithStatus({ ...ref, spec: {}, status } as KubeResource);
      return;
    }
    if (sameJson((current as { status?: unknown }).status ?? {}, status)) return;
    await this.writer.patchStatus(ref, { status });
  }
}
