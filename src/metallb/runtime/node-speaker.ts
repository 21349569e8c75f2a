/**
 * One MetalLB speaker (one simulated Node), in FRR mode as frr-k8s runs it: the BGP sessions
 * (and BFD beside them) to the BGPPeers that select the node, the service routes MetalLB's
 * advertisements give it, and what it reports: ConfigurationState `speaker-<node>`,
 * ServiceBGPStatus per (Service, node), BGPSessionState per (node, peer, vrf) and FRRNodeState.
 *
 * This class runs the reconcile (configuration, plan) and writes ConfigurationState and
 * FRRNodeState; each other part has one owner:
 * - peer-sessions.ts: the session lifecycle (build, rebuild, close; listen; socket options);
 * - session-state-queue.ts: BGPSessionState, written on every BGP FSM transition and BFD state
 *   change (event-driven, well within 100 ms), or with `pollIntervalMs` like frr-k8s's
 *   frr-status: every poll interval, so trainers can show the real lag;
 * - service-status.ts: ServiceBGPStatus, ServiceL2Status and the announced services.
 */
import { SpeakersimError } from '../../core/errors.js';
import type { SessionMessageEvent, SessionTransitionEvent } from '../../bgp/session.js';
import { BfdState } from '../../bfd/wire/constants.js';
import type { BfdStateChangeEvent } from '../../bfd/events.js';
import type { BfdDiscardReason } from '../../bfd/wire/discard.js';
import type { KubeClient, KubeResource } from '../../k8s/client.js';
import { planBgp, type BgpPlan } from '../announce.js';
import { frrPeerName, type MetallbConfig, type ParsedPeer } from '../config.js';
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
  recordConfigUpdate,
  type AnnouncedService,
  type BfdPeerSample,
  type BgpPeerSample,
  type SpeakerMetrics,
} from '../metrics.js';
import { LastValidConfig } from '../validate.js';
import type { ClusterCache } from './cache.js';
import { PeerSessions, type PeerRuntime, type PeerSessionsComponents } from './peer-sessions.js';
import type { NodePodOwners } from './pods.js';
import { ServiceStatuses } from './service-status.js';
import { SessionStateQueue } from './session-state-queue.js';
import { sameJson, type StatusWriter } from './writer.js';
import { L2Responder } from '../../l2/responder.js';
import type { L2Port } from '../../l2/port.js';

export interface NodeSpeakerComponents extends PeerSessionsComponents {
  /**
   * The node's own port on its segment: with one, the node answers ARP/NDP for the Service IPs
   * the L2 election gives it and announces them gratuitously (src/l2/responder.ts). Without,
   * L2 mode is status only (ServiceL2Status).
   */
  l2Port?: (node: string) => Promise<L2Port>;
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

export class NodeSpeaker {
  private readonly sessions_: PeerSessions;
  private readonly states: SessionStateQueue;
  private readonly services: ServiceStatuses;
  private readonly lastValid: LastValidConfig;
  private configKey: string | undefined;
  /** ConfigurationState to write at the next status half (the configuration changed). */
  private configStatus: ReturnType<LastValidConfig['apply']>['status'] | undefined;
  /** What the sessions half planned, for the status half of the same pass. */
  private pending: { config: MetallbConfig; plan: BgpPlan } | undefined;
  private stopped = false;
  /** FRRConfiguration findings already reported (unappliedParts). */
  private readonly frrWarned = new Set<string>();
  /** The node's L2 announcements on the wire (opened at the first Service it leads). */
  private l2: L2Responder | undefined;
  /** The last failure to open the L2 port (reported once). */
  private l2Problem: string | undefined;
  /** FRRConfiguration toReceive policies by receiveKey, as last rendered. */
  private receive = new Map<string, ReceivePolicy>();

  constructor(
    readonly options: NodeSpeakerOptions,
    private readonly client: KubeClient,
    private readonly cache: ClusterCache,
    private readonly writer: StatusWriter,
    private readonly components: NodeSpeakerComponents,
    private readonly events: SpeakerEvents,
    private readonly metrics?: SpeakerMetrics,
  ) {
    const problem = (error: unknown): void => events.problem(options.node, error);
    this.states = new SessionStateQueue(options, {
      client,
      writer,
      clock: components.clock,
      peers: () => this.sessions_.runtimes,
      problem,
    });
    this.sessions_ = new PeerSessions(options, writer, components, events, this.states);
    this.services = new ServiceStatuses(options, client, cache, writer, problem);
    const socketOptions = components.bgpTransport.socketOptions;
    this.lastValid = new LastValidConfig({
      component: 'speaker',
      node: options.node,
      socketOptionsUnavailable: socketOptions
        ? socketOptions.unavailable()
        : 'this BGP transport cannot set per-peer socket options',
      vrfUnavailable: (vrf) => this.sessions_.vrfUnavailable(vrf),
      interfaceUnavailable: (iface) => this.sessions_.interfaceUnavailable(iface),
    });
  }

  get node(): string {
    return this.options.node;
  }

  /** True while BGPSessionState writes are queued or running. */
  get busy(): boolean {
    return this.states.busy;
  }

  /** Sessions by BGPPeer name, for scenarios and the CLI. */
  sessions(): ReturnType<PeerSessions['list']> {
    return this.sessions_.list();
  }

  /** Writes the queued BGPSessionStates (in order per peer); resolves when none is left. */
  flushSessions(): Promise<void> {
    return this.states.flush();
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
      await this.sessions_.sync(new Map(), undefined);
      return;
    }
    const plan = planBgp({
      config,
      nodes: this.cache.nodes(),
      services: this.cache.services(),
      endpointSlices: this.cache.endpointSlices(),
      speakerNodes: [this.node],
    });
    const mine = plan.sessions.filter((s) => s.node === this.node);
    const wanted = new Map<string, ParsedPeer>();
    for (const s of mine) {
      const p = config.peers.get(s.peer);
      if (p) wanted.set(s.peer, p);
    }
    await this.sessions_.sync(wanted, config, nodeObj);
    this.sessions_.setRoutes(mine, nodeObj);
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
    // L2 leadership goes on the wire first, then the statuses are written.
    const l2 = this.services.planL2(pending.config);
    await this.announceL2();
    await this.services.write(pending.plan, l2);
    await this.writeFrrNodeState(pending.config, pending.plan);
    this.states.markAll();
  }

  /** The addresses this node answers ARP/NDP for now (its L2 leadership on the wire). */
  l2Addresses(): string[] {
    return this.l2?.addresses() ?? [];
  }

  /** The node's MAC on its segment, once its L2 port is open. */
  get l2Mac(): string | undefined {
    return this.l2?.mac;
  }

  /**
   * Puts the L2 election's outcome on the wire: the IPs of the Services this node leads are
   * answered (and announced gratuitously when new here), every other one goes quiet.
   */
  private async announceL2(): Promise<void> {
    const open = this.components.l2Port;
    if (!open) return;
    const ips = this.services.announced.filter((a) => a.protocol === 'layer2').map((a) => a.ip);
    if (!this.l2) {
      if (ips.length === 0) return;
      try {
        const port = await open(this.node);
        if (this.stopped) {
          await port.close();
          return;
        }
        const m = this.metrics;
        this.l2 = new L2Responder(
          port,
          this.components.clock,
          m && {
            gotRequest: (ip) => m.layer2RequestsReceived.inc({ ip }),
            sentResponse: (ip) => m.layer2ResponsesSent.inc({ ip }),
            sentGratuitous: (ip) => m.layer2GratuitousSent.inc({ ip }),
          },
        );
      } catch (error) {
        // Said once, not on every reconcile; the next pass tries again.
        const text = error instanceof Error ? error.message : String(error);
        if (text !== this.l2Problem) this.events.problem(this.node, error);
        this.l2Problem = text;
        return;
      }
      this.l2Problem = undefined;
    }
    this.l2.announce(ips);
  }

  /** Stops every session (Cease/2) and writes nothing more. */
  async stop(shutdownCommunication?: string): Promise<void> {
    this.stopped = true;
    // A stopped speaker answers nothing more at layer 2 (its port closes).
    await this.l2?.close();
    this.l2 = undefined;
    this.states.stop();
    await this.sessions_.close(shutdownCommunication);
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
    const discards: Partial<Record<BfdDiscardReason, number>> = { ...this.sessions_.tableDiscards };
    for (const rt of this.sessions_.runtimes.values()) {
      const peer = rt.neighbor?.peer;
      const address = frrPeerName(rt.parsed);
      if (!peer || !address) continue;
      const established = peer.session.state === 'Established';
      bgp.push({
        address,
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
        address,
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
    return { bgp, bfd, announced: this.services.announced, bfdDiscards: discards };
  }

  /** The routes a peer sent that its FRRConfiguration toReceive lets in (FRR's route-map in). */
  private acceptedOf(rt: PeerRuntime): string[] {
    const peer = rt.neighbor?.peer;
    const address = frrPeerName(rt.parsed);
    if (!peer || !address) return [];
    const policy = this.receive.get(receiveKey(rt.parsed.myASN, rt.parsed.vrf, address));
    const prefixes = new Set([...peer.adjRibIn.routes()].map((r) => r.prefix));
    return [...prefixes].filter((p) => acceptsRoute(policy, p)).sort();
  }

  /** Accepted routes by BGPPeer name: what FRR on the node would install from each peer. */
  acceptedRoutes(): { peer: string; address: string; prefixes: string[] }[] {
    return [...this.sessions_.runtimes.values()].map((rt) => ({
      peer: rt.name,
      address: frrPeerName(rt.parsed) ?? '',
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
