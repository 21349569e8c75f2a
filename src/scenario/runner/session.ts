/**
 * A running scenario environment: the peers (builtin or FRR), speakersim's API server, the
 * MetalLB model (controller + one speaker per node), and everything it observes, recorded on
 * a timeline. `runScenario` (run.ts) drives the steps; `speakersim lab up` keeps one open.
 *
 * Time: with a virtual clock nothing moves until the runner advances it, and it only advances
 * when the system is settled (no reconcile, no queued write, no watch event in flight), so a
 * run is the same every time. With a real clock, waits poll.
 */
import { ManualClock, SystemClock, type Clock } from '../../core/clock.js';
import { SeededRandom, systemRandom, type Random } from '../../core/random.js';
import { ApiServer } from '../../k8s/api-server.js';
import { KubeClient, type KubeResource } from '../../k8s/client.js';
import { MetallbRuntime } from '../../metallb/runtime/runtime.js';
import type { FrrMetricsNames } from '../../metallb/metrics.js';
import { describeNotification } from '../../bgp/wire/index.js';
import type { BgpMessage } from '../../bgp/wire/types.js';
import { BFD_DIAGNOSTIC_TEXT, BFD_STATE_NAMES } from '../../bfd/state-names.js';
import type { BfdTransportFactory } from '../../bfd/io/transport.js';
import { PcapWriter } from '../report/pcap.js';
import { fnv1a } from '../../core/hash.js';
import { IdleMemoryRelease, compactOnFullGc } from '../../core/memory.js';
import { Timeline, diffResources } from '../timeline.js';
import type { Backend, ClockMode, Manifest, Scenario } from '../types.js';
import { notificationName } from '../notification-names.js';
import { applyManifest } from './apply.js';
import { StatusMirror } from './status-mirror.js';
import { tapBfdTransport } from './bfd-tap.js';
import { SimulatedWorkloads } from './workloads.js';
import { labNameFor } from '../../lab/names.js';
import { labTopologyFor, peerBackendFor, type PeerBackend } from './peers.js';

export interface SessionOptions {
  backend?: Backend;
  clock?: ClockMode;
  /** Where BGPSessionStates go (the seed, from OKD, shows openshift-frr-k8s). */
  frrK8sNamespace?: string;
  /** Write BGPSessionState every N ms like frr-k8s (default: on every change). */
  sessionStatePollMs?: number;
  /** Names of the BGP/BFD metrics: MetalLB's FRR sidecar (default) or frr-k8s's. */
  frrMetricsNames?: FrrMetricsNames;
  /** Record every BGP message (and BFD packet) for a pcap file. */
  pcap?: boolean;
  /** Port for the API server (0: a free one). */
  apiPort?: number;
  kubeconfigPath?: string;
  /**
   * An existing cluster (its kubeconfig) that gets the status CRs too (CRDs from crds/
   * applied there); it keeps the last state when the run ends.
   */
  clusterKubeconfig?: string;
  /** Seed for generated names and jitter under virtual time. */
  seed?: number;
  onEvent?: (e: ReturnType<Timeline['record']>) => void;
}

/** One row of observed BGPSessionState, as the CR showed it. */
export interface SessionObservation {
  t: number;
  node: string;
  peer: string;
  /** The BGPSessionState's VRF: '' for the default VRF. */
  vrf: string;
  bgp: string;
  bfd: string;
}

/** Kinds whose changes go on the timeline. */
const OBSERVED = [
  ['metallb.io/v1beta1', 'IPAddressPool'],
  ['metallb.io/v1beta1', 'ServiceBGPStatus'],
  ['metallb.io/v1beta1', 'ServiceL2Status'],
  ['metallb.io/v1beta1', 'ConfigurationState'],
  ['frrk8s.metallb.io/v1beta1', 'BGPSessionState'],
  ['v1', 'Service'],
] as const;

function summarize(m: BgpMessage): {
  type: string;
  summary: string;
  notification?: { code: number; subcode: number; name: string };
  withdrawn?: string[];
} {
  switch (m.type) {
    case 'UPDATE': {
      const ann = m.nlri.length + (m.attributes.mpReach?.nlri.length ?? 0);
      const withdrawn = [...m.withdrawn, ...(m.attributes.mpUnreach?.withdrawn ?? [])].map(
        (n) => n.prefix,
      );
      const wd = withdrawn.length;
      const parts = [ann ? `${ann} announced` : '', wd ? `${wd} withdrawn` : ''].filter(Boolean);
      return {
        type: 'UPDATE',
        summary: `UPDATE ${parts.length ? parts.join(', ') : 'End-of-RIB'}`,
        // Kept for checks that look for flaps between polls (consistently + route).
        ...(wd ? { withdrawn } : {}),
      };
    }
    case 'NOTIFICATION': {
      const name = notificationName(m.code, m.subcode);
      return {
        type: 'NOTIFICATION',
        summary: `NOTIFICATION ${name} (${describeNotification(m.code, m.subcode)})`,
        notification: { code: m.code, subcode: m.subcode, name },
      };
    }
    case 'OPEN':
      return { type: 'OPEN', summary: `OPEN AS ${m.myAsn} hold ${m.holdTime}s id ${m.bgpId}` };
    case 'ROUTE-REFRESH': {
      // RFC 7313 3: subtype 0 a request, 1 Beginning of Route Refresh, 2 End of Route Refresh.
      const what = ['request', 'BoRR', 'EoRR'][m.subtype] ?? `subtype ${m.subtype}`;
      return { type: m.type, summary: `ROUTE-REFRESH ${m.afi}/${m.safi} ${what}` };
    }
    default:
      return { type: m.type, summary: m.type };
  }
}

export class ScenarioSession {
  readonly clock: Clock;
  readonly virtual: boolean;
  readonly random: Random;
  readonly timeline: Timeline;
  readonly observations: SessionObservation[] = [];
  readonly pcap: PcapWriter | undefined;
  readonly startedAt: string;
  /** The lab's name (kernel objects, containers and node MACs derive from it). */
  readonly labName: string;
  server!: ApiServer;
  client!: KubeClient;
  runtime!: MetallbRuntime;
  peers!: PeerBackend;
  /** Pods for Deployments, Running and Ready (workloads.ts). */
  workloads: SimulatedWorkloads | undefined;
  private stopWatches: (() => void)[] = [];
  private mirror: StatusMirror | undefined;
  /**
   * The last version of each observed resource, without its metadata: the timeline's diffs
   * leave metadata out, and managedFields alone were ~1.6 KiB per BGPSessionState.
   */
  private readonly lastSeen = new Map<string, Omit<KubeResource, 'metadata'>>();
  /** The last observation per `node|peer`, so that a status change is not a scan of all. */
  private readonly lastObservation = new Map<string, SessionObservation>();
  /** Bumped by anything the runner observes; part of the settle check. */
  private activity = 0;
  private closed = false;
  /** Real time only: freed C heap goes back to the system once a burst is over (core/memory.ts). */
  private memoryRelease: IdleMemoryRelease | undefined;

  private constructor(
    readonly scenario: Scenario,
    readonly options: SessionOptions,
    readonly backend: Backend,
    clockMode: ClockMode,
  ) {
    this.virtual = clockMode === 'virtual';
    // Virtual runs start at a fixed wall time so ages and timestamps repeat byte for byte.
    this.clock = this.virtual
      ? new ManualClock(Date.UTC(2026, 3, 21, 9, 46, 47))
      : new SystemClock();
    this.random = this.virtual ? new SeededRandom(options.seed ?? 1) : systemRandom;
    this.timeline = new Timeline(this.clock);
    this.startedAt = new Date(this.clock.wallNow()).toISOString();
    this.pcap = options.pcap ? new PcapWriter() : undefined;
    this.labName = labNameFor(scenario.topology.lab);
  }

  static async start(scenario: Scenario, options: SessionOptions = {}): Promise<ScenarioSession> {
    const backend = options.backend ?? scenario.backend;
    const clockMode = options.clock ?? (backend === 'builtin' ? scenario.clock : 'real');
    const s = new ScenarioSession(scenario, options, backend, clockMode);
    try {
      await s.boot();
    } catch (e) {
      await s.close();
      throw e;
    }
    return s;
  }

  get kubeconfigPath(): string {
    return this.server.kubeconfigPath;
  }

  /** Records an event on the timeline and tells the CLI's live view. */
  record(e: Parameters<Timeline['record']>[0]): ReturnType<Timeline['record']> {
    this.activity++;
    const ev = this.timeline.record(e);
    this.options.onEvent?.(ev);
    return ev;
  }

  private async boot(): Promise<void> {
    const topology = labTopologyFor(this.scenario, this.labName);
    this.peers = peerBackendFor(this.backend, topology, { clock: this.clock, random: this.random });
    this.record({
      kind: 'log',
      level: 'info',
      source: 'runner',
      message: `backend ${this.backend}, ${this.virtual ? 'virtual' : 'real'} time`,
    });
    await this.peers.up();
    const frrNs = this.options.frrK8sNamespace ?? 'openshift-frr-k8s';
    this.server = await ApiServer.start({
      port: this.options.apiPort ?? 0,
      clock: this.clock,
      random: this.random,
      namespaces: ['metallb-system', frrNs],
      admission: this.scenario.admission,
      ...(this.options.kubeconfigPath ? { kubeconfigPath: this.options.kubeconfigPath } : {}),
    });
    // In process (no sockets) unless SPEAKERSIM_KUBE_TRANSPORT=http; kubectl uses HTTP.
    this.client = KubeClient.embedded(this.server);
    for (const n of this.scenario.topology.nodes) {
      await this.client.create({
        apiVersion: 'v1',
        kind: 'Node',
        metadata: { name: n.name, labels: { 'kubernetes.io/hostname': n.name, ...n.labels } },
      });
      const addresses = [n.addresses.ipv4, n.addresses.ipv6]
        .filter((a) => a)
        .map((a) => ({ type: 'InternalIP', address: a!.address }));
      await this.client.patchStatus(
        { apiVersion: 'v1', kind: 'Node', metadata: { name: n.name } },
        { status: { addresses, conditions: [{ type: 'Ready', status: 'True' }] } },
      );
    }
    await this.watchResources();
    this.workloads = await SimulatedWorkloads.start(
      this.client,
      this.scenario.topology.nodes.map((n) => ({
        name: n.name,
        address: (n.addresses.ipv4 ?? n.addresses.ipv6)?.address,
      })),
      {
        clock: this.clock,
        random: this.random,
        onError: (e) =>
          this.record({
            kind: 'log',
            level: 'warn',
            source: 'workloads',
            message: e instanceof Error ? e.message : String(e),
          }),
      },
    );
    if (this.options.clusterKubeconfig) {
      this.mirror = await StatusMirror.start(
        this.client,
        KubeClient.fromKubeconfigFile(this.options.clusterKubeconfig),
        ['metallb-system', frrNs],
        (message) => this.record({ kind: 'log', level: 'warn', source: 'cluster', message }),
      );
    }
    this.runtime = await MetallbRuntime.start(
      {
        nodes: this.scenario.topology.nodes.map((n) => n.name),
        frrK8sNamespace: frrNs,
        sessionStatePollMs: this.options.sessionStatePollMs ?? this.scenario.sessionStatePollMs,
        // The run's --frr-metrics wins over the scenario's frrMetrics.
        ...((this.options.frrMetricsNames ?? this.scenario.frrMetrics)
          ? { frrMetricsNames: this.options.frrMetricsNames ?? this.scenario.frrMetrics }
          : {}),
      },
      {
        client: this.client,
        clock: this.clock,
        random: this.random,
        bgpTransport: this.peers.bgpTransport,
        l2Port: (node) => this.peers.l2Port(node),
        bfdTransport: this.pcapBfd(this.peers.bfdTransport),
        nodeInterface: (node, iface) => this.peers.nodeInterface(node, iface),
        nodeVrf: (node, vrf) => {
          const net = this.peers.nodeVrf(node, vrf);
          return 'unavailable' in net
            ? net
            : { ...net, bfdTransport: this.pcapBfd(net.bfdTransport) };
        },
        events: {
          bgpTransition: (node, peer, e) =>
            this.record({
              kind: 'bgp-transition',
              node,
              ...this.sessionOf(node, peer),
              from: e.from,
              to: e.to,
              reason:
                typeof e.reason === 'string'
                  ? e.reason
                  : `${e.reason.kind} ${'code' in e.reason ? `${e.reason.code}/${e.reason.subcode}` : ''}`.trim(),
            }),
          bfdTransition: (node, peer, e) =>
            this.record({
              kind: 'bfd-transition',
              node,
              ...this.sessionOf(node, peer),
              from: BFD_STATE_NAMES[e.from].name,
              to: BFD_STATE_NAMES[e.to].name,
              diagnostic: BFD_DIAGNOSTIC_TEXT[e.diagnostic] ?? String(e.diagnostic),
            }),
          message: (node, peer, m, local) => {
            const session = this.sessionOf(node, peer);
            const address = session.peer;
            if (this.pcap && local.address) {
              const nodeEp = {
                address: local.address,
                port: 40000 + (fnv1a(`${node}/${peer}`) % 20000),
              };
              const peerEp = { address, port: 179 };
              const [from, to] = m.direction === 'sent' ? [nodeEp, peerEp] : [peerEp, nodeEp];
              try {
                this.pcap.addBgp(this.clock.wallNow(), from, to, m.bytes);
              } catch {
                // Mixed families on one session cannot be drawn; the timeline still has it.
              }
            }
            if (m.type === 'KEEPALIVE') return;
            const s = summarize(m.message);
            this.record({
              kind: 'message',
              protocol: 'bgp',
              node,
              ...session,
              direction: m.direction,
              type: s.type,
              summary: s.summary,
              ...(s.notification ? { notification: s.notification } : {}),
              ...(s.withdrawn ? { withdrawn: s.withdrawn } : {}),
            });
          },
          problem: (node, error) =>
            this.record({
              kind: 'log',
              level: 'warn',
              source: node ? `speaker-${node}` : 'controller',
              message: error instanceof Error ? error.message : String(error),
            }),
        },
      },
    );
    for (const set of this.scenario.resources)
      for (const m of set.manifests) await this.apply(m, 'scenario');
    await this.settle();
    if (!this.virtual) {
      compactOnFullGc();
      this.memoryRelease = new IdleMemoryRelease({ busy: () => this.runtime.busy });
    }
  }

  /** BFD transports whose packets also go to --pcap. */
  private pcapBfd(open: BfdTransportFactory): BfdTransportFactory {
    return async (a, binding) => {
      const t = await open(a, binding);
      const pcap = this.pcap;
      if (!pcap) return t;
      return tapBfdTransport(t, (from, to, payload) => {
        try {
          pcap.addBfd(this.clock.wallNow(), from, to, payload);
        } catch {
          // A packet the writer cannot draw (mixed families) stays out of the file.
        }
      });
    };
  }

  /**
   * The session of a (node, BGPPeer name) as BGPSessionState tells it apart: its peer address and
   * its VRF (absent for the default VRF).
   */
  private sessionOf(node: string, peerName: string): { peer: string; vrf?: string } {
    const s = this.runtime
      ?.speaker(node)
      ?.sessions()
      .find((x) => x.peer === peerName);
    return { peer: s?.address ?? peerName, ...(s?.vrf ? { vrf: s.vrf } : {}) };
  }

  async apply(m: Manifest, actor: string): Promise<void> {
    const out = await applyManifest(this.client, m, this.scenario.defaults.namespace, async (x) => {
      const [group, version] = x.apiVersion.includes('/')
        ? x.apiVersion.split('/')
        : ['', x.apiVersion];
      return this.server.registry.findKind(group!, version!, x.kind)?.namespaced ?? true;
    });
    this.record({
      kind: 'resource-change',
      verb: out.verb,
      apiVersion: m.apiVersion,
      resourceKind: m.kind,
      namespace: out.object.metadata?.namespace,
      name: out.object.metadata?.name ?? '',
      resourceVersion: out.object.metadata?.resourceVersion ?? '',
      actor,
      changes: [],
    });
  }

  private async watchResources(): Promise<void> {
    for (const [apiVersion, kind] of OBSERVED) {
      const stop = await this.client.watch(apiVersion, kind, {}, (type, obj) => {
        if (type !== 'ADDED' && type !== 'MODIFIED' && type !== 'DELETED') return;
        this.activity++;
        const key = `${kind}|${obj.metadata?.namespace ?? ''}|${obj.metadata?.name ?? ''}`;
        const before = this.lastSeen.get(key);
        const { metadata: _metadata, ...body } = obj;
        if (type === 'DELETED') this.lastSeen.delete(key);
        else this.lastSeen.set(key, body);
        if (kind === 'BGPSessionState' && type !== 'DELETED') this.observeSession(obj);
        const changes = diffResources(before ?? {}, type === 'DELETED' ? {} : body);
        if (changes.length === 0 && type === 'MODIFIED') return;
        this.record({
          kind: 'resource-change',
          verb: type === 'ADDED' ? 'create' : type === 'DELETED' ? 'delete' : 'update',
          apiVersion,
          resourceKind: kind,
          namespace: obj.metadata?.namespace,
          name: obj.metadata?.name ?? '',
          resourceVersion: '',
          changes,
        });
      });
      this.stopWatches.push(stop);
    }
  }

  private observeSession(obj: KubeResource): void {
    const st = (
      obj as {
        status?: {
          node?: string;
          peer?: string;
          vrf?: string;
          bgpStatus?: string;
          bfdStatus?: string;
        };
      }
    ).status;
    if (!st?.node || !st.peer || !st.bgpStatus) return;
    const vrf = st.vrf ?? '';
    // The session's latest observation by key: a backwards scan of every observation per event
    // cost O(n) each, quadratic over 1,000 sessions' bring-up. (node, VRF, peer) is the CR's own
    // key: the same address as a peer of two VRFs is two sessions.
    const key = `${st.node}|${vrf}|${st.peer}`;
    const last = this.lastObservation.get(key);
    if (last && last.bgp === st.bgpStatus && last.bfd === (st.bfdStatus ?? '')) return;
    const observation = {
      t: this.clock.now(),
      node: st.node,
      peer: st.peer,
      vrf,
      bgp: st.bgpStatus,
      bfd: st.bfdStatus ?? '',
    };
    this.observations.push(observation);
    this.lastObservation.set(key, observation);
  }

  /**
   * Waits until nothing is in flight: no reconcile or write, and no watch event for `quietMs`.
   * With a virtual clock this is what makes each instant complete before time moves.
   */
  async settle(quietMs = 20): Promise<void> {
    const deadline = Date.now() + 15_000;
    let seen = -1;
    let quietSince = Date.now();
    while (Date.now() < deadline) {
      for (let i = 0; i < 20; i++) await Promise.resolve();
      const a = this.activity + this.runtime.cache.generation + (this.workloads?.generation ?? 0);
      if (this.runtime.busy || this.workloads?.busy || a !== seen) {
        seen = a;
        quietSince = Date.now();
      } else if (Date.now() - quietSince >= quietMs) return;
      await new Promise((r) => setTimeout(r, 2));
    }
  }

  /** Moves virtual time forward by `ms`, timer by timer, letting the system settle between. */
  async advance(ms: number): Promise<void> {
    if (!(this.clock instanceof ManualClock)) {
      await new Promise((r) => setTimeout(r, ms));
      return;
    }
    const clock = this.clock;
    const target = clock.now() + ms;
    for (;;) {
      const before = this.activity + this.runtime.cache.generation;
      for (let i = 0; i < 50; i++) await Promise.resolve();
      if (this.runtime.busy || this.activity + this.runtime.cache.generation !== before)
        await this.settle(5);
      const next = clock.nextDeadline();
      if (next === undefined || next > target) break;
      clock.advanceTo(next);
    }
    clock.advanceTo(target);
    await this.settle(5);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.memoryRelease?.stop();
    for (const s of this.stopWatches.splice(0)) {
      try {
        s();
      } catch {
        // Already ended.
      }
    }
    this.workloads?.close();
    // The cluster keeps the scenario's last state: stop copying before the speakers stop.
    if (this.mirror && this.runtime) {
      await this.settle(5).catch(() => undefined);
      await this.mirror.close();
    }
    await this.runtime?.stop().catch(() => undefined);
    await this.peers?.down().catch(() => undefined);
    await this.server?.close().catch(() => undefined);
  }
}
