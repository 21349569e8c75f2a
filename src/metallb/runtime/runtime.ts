/**
 * The MetalLB model at run time: one controller and one speaker per simulated Node, fed by a
 * ClusterCache and writing through the Kubernetes client. Reconciles are level-triggered and
 * serialised: any watched change schedules one pass of the controller and every speaker.
 */
import { Registry } from 'prom-client';
import type { Clock } from '../../core/clock.js';
import type { Random } from '../../core/random.js';
import type { Transport } from '../../bgp/io/transport.js';
import type { BfdTransportFactory } from '../../bfd/io/transport.js';
import type { KubeClient } from '../../k8s/client.js';
import {
  createControllerMetrics,
  createSpeakerMetrics,
  type ControllerMetrics,
  type FrrMetricsNames,
  type SpeakerMetrics,
} from '../metrics.js';
import { METALLB_NAMESPACE } from '../types.js';
import { ClusterCache } from './cache.js';
import { MetallbController } from './controller.js';
import { NodeSpeaker, type SpeakerEvents } from './node-speaker.js';
import type { NodeInterfaceLink, NodeVrfNetwork, NodeVrfUnavailable } from './peer-sessions.js';
import { NodePods } from './pods.js';
import { nodeAddress } from '../nodes.js';
import { StatusWriter } from './writer.js';
import type { L2Port } from '../../l2/port.js';

export interface MetallbRuntimeInit {
  /** Nodes that run a speaker (simulated nodes); their Node objects carry labels and addresses. */
  nodes: string[];
  metallbNamespace?: string;
  /** Where BGPSessionStates go: frr-k8s-system standalone, openshift-frr-k8s on OKD. */
  frrK8sNamespace?: string;
  /** 0 (default): BGPSessionState on every change; > 0: poll like frr-k8s (120000 there). */
  sessionStatePollMs?: number;
  /** Names of the BGP/BFD series: MetalLB's FRR sidecar (`metallb_*`) or frr-k8s (`frrk8s_*`). */
  frrMetricsNames?: FrrMetricsNames;
}

export interface MetallbRuntimeComponents {
  client: KubeClient;
  clock: Clock;
  random: Random;
  bgpTransport: Transport;
  bfdTransport: BfdTransportFactory;
  /** A node's interface in a VRF (the lab's); absent: no node runs VRFs. */
  nodeVrf?: (node: string, vrf: string) => NodeVrfNetwork | NodeVrfUnavailable;
  /** A node's unnumbered link on an interface (the lab's); absent: no `interface` peer runs. */
  nodeInterface?: (node: string, iface: string) => NodeInterfaceLink | NodeVrfUnavailable;
  /** Each node's own port on its segment, for L2 mode on the wire (none: status only). */
  l2Port?: (node: string) => Promise<L2Port>;
  events?: Partial<SpeakerEvents>;
}

export class MetallbRuntime {
  /** The controller's metrics (pools); each speaker has a registry of its own, as each pod does. */
  readonly registry = new Registry();
  readonly metrics: ControllerMetrics;
  private readonly nodeRegistries = new Map<
    string,
    { registry: Registry; metrics: SpeakerMetrics }
  >();
  readonly cache: ClusterCache;
  private readonly writer: StatusWriter;
  private readonly controller: MetallbController;
  /** Each node's speaker and frr-k8s pods: the owners of its status objects. */
  private readonly pods: NodePods;
  private readonly speakers = new Map<string, NodeSpeaker>();
  private readonly stoppedNodes = new Set<string>();
  private scheduled = false;
  private running: Promise<void> | undefined;
  private again = false;
  private closed = false;
  readonly problems: { at: number; node?: string; what: string }[] = [];
  private readonly events: SpeakerEvents;

  private constructor(
    readonly init: MetallbRuntimeInit,
    private readonly components: MetallbRuntimeComponents,
  ) {
    const ns = init.metallbNamespace ?? METALLB_NAMESPACE;
    this.metrics = createControllerMetrics(this.registry);
    this.cache = new ClusterCache(components.client, ns, init.frrK8sNamespace ?? 'frr-k8s-system');
    const given = components.events ?? {};
    this.events = {
      bgpTransition: (...a) => given.bgpTransition?.(...a),
      bfdTransition: (...a) => given.bfdTransition?.(...a),
      message: (...a) => given.message?.(...a),
      problem: (node, error) => {
        this.problems.push({ at: components.clock.now(), node, what: errorText(error) });
        given.problem?.(node, error);
      },
    };
    this.writer = new StatusWriter(
      components.client,
      (p) => this.events.problem('', new Error(`${p.what}: ${errorText(p.error)}`)),
      ns,
    );
    this.pods = new NodePods(
      { metallbNamespace: ns, frrK8sNamespace: init.frrK8sNamespace ?? 'frr-k8s-system' },
      this.writer,
    );
    this.controller = new MetallbController(
      this.cache,
      this.writer,
      components.clock,
      components.random,
      this.metrics,
    );
    for (const node of init.nodes) this.speakers.set(node, this.newSpeaker(node));
  }

  static async start(
    init: MetallbRuntimeInit,
    components: MetallbRuntimeComponents,
  ): Promise<MetallbRuntime> {
    const rt = new MetallbRuntime(init, components);
    rt.cache.onChange(() => rt.schedule());
    await rt.cache.start();
    rt.schedule();
    return rt;
  }

  /** The metrics registry of a node's speaker (MetalLB's per-pod /metrics). */
  nodeRegistry(node: string): Registry | undefined {
    return this.nodeRegistries.get(node)?.registry;
  }

  speaker(node: string): NodeSpeaker | undefined {
    return this.speakers.get(node);
  }

  /**
   * Stops a node's speaker (its sessions close with Cease/2) and deletes its pods: the API
   * server's garbage collector then deletes the ServiceBGPStatus, ServiceL2Status and
   * BGPSessionState they own, and the other nodes re-run the L2 election without it.
   */
  async stopNode(node: string): Promise<void> {
    const s = this.speakers.get(node);
    if (!s) return;
    this.stoppedNodes.add(node);
    this.speakers.delete(node);
    await s.stop('speaker stopped');
    await this.pods.stop(node);
    this.schedule();
  }

  /** Starts a node's speaker again, as a restarted speaker pod. */
  async restartNode(node: string): Promise<void> {
    await this.stopNode(node);
    this.stoppedNodes.delete(node);
    this.speakers.set(node, this.newSpeaker(node));
    this.schedule();
  }

  /** Schedules one reconcile pass of everything (coalesced). */
  schedule(): void {
    if (this.closed) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.running = this.pass().finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.schedule();
        }
      });
    });
  }

  /** True while a reconcile is scheduled or running or status writes are queued. */
  get busy(): boolean {
    return (
      this.scheduled ||
      this.running !== undefined ||
      [...this.speakers.values()].some((s) => s.busy)
    );
  }

  async stop(): Promise<void> {
    this.closed = true;
    await this.running;
    // All nodes at once: each waits for its peers to answer the Cease (and for its listeners'
    // accepted connections to end), so one node after the other took minutes at 2,000 sessions.
    await Promise.all([...this.speakers.values()].map((s) => s.stop()));
    this.speakers.clear();
    await this.cache.stop();
  }

  private newSpeaker(node: string): NodeSpeaker {
    let m = this.nodeRegistries.get(node);
    if (!m) {
      const registry = new Registry();
      // The registry outlives a restart of the node's speaker: it reads whichever runs now.
      const now = () => this.speakers.get(node)?.metricSamples();
      const metrics = createSpeakerMetrics(
        registry,
        {
          bgp: () => now()?.bgp ?? [],
          bfd: () => now()?.bfd ?? [],
          announced: () => now()?.announced ?? [],
          bfdDiscards: () => now()?.bfdDiscards ?? {},
        },
        this.init.frrMetricsNames,
      );
      m = { registry, metrics };
      this.nodeRegistries.set(node, m);
    }
    return new NodeSpeaker(
      {
        node,
        metallbNamespace: this.init.metallbNamespace ?? METALLB_NAMESPACE,
        frrK8sNamespace: this.init.frrK8sNamespace ?? 'frr-k8s-system',
        pollIntervalMs: this.init.sessionStatePollMs ?? 0,
        speakerNodes: () => this.init.nodes.filter((n) => !this.stoppedNodes.has(n)),
        owners: () => this.pods.ownersOf(node),
      },
      this.components.client,
      this.cache,
      this.writer,
      {
        clock: this.components.clock,
        random: this.components.random,
        bgpTransport: this.components.bgpTransport,
        bfdTransport: this.components.bfdTransport,
        ...(this.components.nodeVrf
          ? { vrf: (vrf: string) => this.components.nodeVrf!(node, vrf) }
          : {}),
        ...(this.components.nodeInterface
          ? { nodeInterface: (iface: string) => this.components.nodeInterface!(node, iface) }
          : {}),
        ...(this.components.l2Port ? { l2Port: this.components.l2Port } : {}),
      },
      this.events,
      m.metrics,
    );
  }

  private async pass(): Promise<void> {
    try {
      await this.controller.reconcile();
    } catch (error) {
      this.events.problem('', error);
    }
    // Each node's pods first (once per node start), as on a cluster, where the speaker runs in
    // its pod: what the speaker writes from its first session transition on names its pod as
    // owner. (After the sessions, 1,000 sessions' BGPSessionStates were created ownerless and
    // needed 1,000 more writes to be adopted; in process the pods cost ~1 ms a node.)
    const nodes = new Map(this.cache.nodes().map((n) => [n.metadata.name, n]));
    for (const s of this.speakers.values()) {
      const obj = nodes.get(s.node);
      if (obj) await this.pods.start(s.node, nodeAddress(obj, 'ipv4') ?? nodeAddress(obj, 'ipv6'));
    }
    // Then every node's sessions, then every node's reports: no node's sessions wait for the
    // status writes of the nodes before it (speaker pods are independent in MetalLB).
    let slice = performance.now();
    for (const s of this.speakers.values()) {
      try {
        await s.reconcileSessions();
      } catch (error) {
        this.events.problem(s.node, error);
      }
      // This half seldom waits on I/O, so with hundreds of nodes it would hold the event loop
      // for seconds (keepalives, BFD and the API server wait on it): let I/O in every 50 ms.
      if (performance.now() - slice >= 50) {
        await new Promise<void>((r) => setImmediate(r));
        slice = performance.now();
      }
    }
    for (const s of this.speakers.values()) {
      try {
        await s.reconcileStatus();
      } catch (error) {
        this.events.problem(s.node, error);
      }
    }
  }
}

function errorText(error: unknown): string {
  if (error instanceof Error)
    return `${(error as { code?: string }).code ?? error.name}: ${error.message}`;
  return String(error);
}
