/**
 * Simulated workloads: what a cluster's deployment controller and kubelets do for the seed's
 * procedures ("Deploy an application ... Ensure your application pods are running"). For every
 * Deployment, spec.replicas Pods are created on the lab's nodes (round robin), become Running
 * and Ready, and the Deployment's status says so, so `kubectl get deploy` shows 2/2 and
 * `kubectl get pods -o wide` shows where they run.
 *
 * Where it stops: no ReplicaSet between Deployment and Pods (the Pods' owner is the
 * Deployment, so the API server's garbage collector removes them with it); no rollout when the
 * template changes (only scaling is followed); no nodeSelector or affinity; EndpointSlices are
 * not derived from the Pods (scenarios state their endpoints, manifests/sim/).
 */
import type { Clock } from '../../core/clock.js';
import type { Random } from '../../core/random.js';
import type { KubeClient, KubeResource } from '../../k8s/client.js';
import { GENERATE_NAME_ALPHABET, generateNameSuffix } from '../../k8s/api/names.js';
import { stableJson } from '../../core/stable-json.js';
import { fnv1a } from '../../core/hash.js';

interface DeploymentObject extends KubeResource {
  metadata: KubeResource['metadata'] & { name: string; namespace: string; uid: string };
  spec?: {
    replicas?: number;
    selector?: { matchLabels?: Record<string, string> };
    template?: {
      metadata?: { labels?: Record<string, string> };
      spec?: { containers?: { name?: string; image?: string }[] };
    };
  };
}

export interface WorkloadNode {
  name: string;
  /** The node's InternalIP (the Pods' hostIP). */
  address?: string;
}

/**
 * pod-template-hash as the deployment controller writes it: a 32-bit FNV-1a of the template,
 * its decimal digits mapped into the apiserver's name alphabet (rand.SafeEncodeString).
 */
export function podTemplateHash(template: unknown): string {
  return String(fnv1a(stableJson(template ?? {})))
    .split('')
    .map((c) => GENERATE_NAME_ALPHABET[c.charCodeAt(0) % GENERATE_NAME_ALPHABET.length])
    .join('');
}

export class SimulatedWorkloads {
  /** Bumped on every Deployment event and write; part of the scenario's settle check. */
  generation = 0;
  private queue: Promise<void> = Promise.resolve();
  private pending = 0;
  private podsCreated = 0;
  private stop: (() => void) | undefined;

  private constructor(
    private readonly client: KubeClient,
    private readonly nodes: readonly WorkloadNode[],
    private readonly clock: Clock,
    private readonly random: Random,
    private readonly onError: (e: unknown) => void,
  ) {}

  static async start(
    client: KubeClient,
    nodes: readonly WorkloadNode[],
    components: { clock: Clock; random: Random; onError?: (e: unknown) => void },
  ): Promise<SimulatedWorkloads> {
    const w = new SimulatedWorkloads(
      client,
      nodes,
      components.clock,
      components.random,
      components.onError ?? (() => undefined),
    );
    w.stop = await client.watch('apps/v1', 'Deployment', {}, (type, obj) => {
      if (type !== 'ADDED' && type !== 'MODIFIED') return;
      w.generation++;
      w.enqueue(obj as DeploymentObject);
    });
    return w;
  }

  /** A reconcile is queued or running. */
  get busy(): boolean {
    return this.pending > 0;
  }

  close(): void {
    this.stop?.();
    this.stop = undefined;
  }

  private enqueue(d: DeploymentObject): void {
    this.pending++;
    this.queue = this.queue
      .then(() => this.reconcile(d))
      .catch((e: unknown) => this.onError(e))
      .finally(() => {
        this.pending--;
        this.generation++;
      });
  }

  private async reconcile(d: DeploymentObject): Promise<void> {
    const { name, namespace, uid } = d.metadata;
    const current = await this.client.get<DeploymentObject>({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace },
    });
    // Deleted meanwhile, or deleted and created again (a later event reconciles that one).
    if (!current || current.metadata.uid !== uid) return;
    const desired = current.spec?.replicas ?? 1;
    const pods = (await this.client.list('v1', 'Pod', { namespace })).filter((p) =>
      (p.metadata?.ownerReferences ?? []).some((o) => o['uid'] === uid),
    );
    const hash = podTemplateHash(current.spec?.template);
    const now = new Date(this.clock.wallNow()).toISOString();
    // Spread like the default scheduler's topology spreading: the node with the fewest of
    // this Deployment's Pods, in the lab's node order on a tie.
    const load = new Map(this.nodes.map((n) => [n.name, 0]));
    for (const p of pods) {
      const n = (p as { spec?: { nodeName?: string } }).spec?.nodeName;
      if (n !== undefined && load.has(n)) load.set(n, load.get(n)! + 1);
    }
    for (let i = pods.length; i < desired; i++) {
      const node = this.nodes.reduce<WorkloadNode | undefined>(
        (best, n) => (!best || load.get(n.name)! < load.get(best.name)! ? n : best),
        undefined,
      );
      if (node) load.set(node.name, load.get(node.name)! + 1);
      await this.createPod(current, hash, node, now);
    }
    // Scaled down: the newest go first, as the ReplicaSet controller prefers.
    const extra = [...pods]
      .sort((a, b) =>
        String(b.metadata?.creationTimestamp ?? '').localeCompare(
          String(a.metadata?.creationTimestamp ?? ''),
        ),
      )
      .slice(0, Math.max(0, pods.length - desired));
    for (const p of extra) await this.client.delete(p);
    // Every Pod created above is Running and Ready at once (see createPod).
    const ready = desired;
    const replicaSet = `${name}-${hash}`;
    // Our own status write comes back as MODIFIED: write only what changed (no loop).
    const st = (current as { status?: Record<string, unknown> }).status ?? {};
    const generation = current.metadata.generation ?? 1;
    if (
      st['observedGeneration'] === generation &&
      (st['readyReplicas'] ?? 0) === (desired > 0 ? ready : 0) &&
      (st['replicas'] ?? 0) === desired &&
      pods.length === desired
    )
      return;
    await this.client.patchStatus(current, {
      status: {
        observedGeneration: generation,
        ...(desired > 0
          ? {
              replicas: desired,
              updatedReplicas: desired,
              readyReplicas: ready,
              availableReplicas: ready,
            }
          : {}),
        conditions: [
          {
            type: 'Available',
            status: 'True',
            lastUpdateTime: now,
            lastTransitionTime: now,
            reason: 'MinimumReplicasAvailable',
            message: 'Deployment has minimum availability.',
          },
          {
            type: 'Progressing',
            status: 'True',
            lastUpdateTime: now,
            lastTransitionTime: now,
            reason: 'NewReplicaSetAvailable',
            message: `ReplicaSet "${replicaSet}" has successfully progressed.`,
          },
        ],
      },
    });
  }

  private async createPod(
    d: DeploymentObject,
    hash: string,
    node: WorkloadNode | undefined,
    now: string,
  ): Promise<void> {
    const template = d.spec?.template ?? {};
    const containers = template.spec?.containers ?? [];
    const pod = await this.client.create({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: `${d.metadata.name}-${hash}-${generateNameSuffix(this.random)}`,
        namespace: d.metadata.namespace,
        labels: { ...(template.metadata?.labels ?? {}), 'pod-template-hash': hash },
        ownerReferences: [
          {
            apiVersion: 'apps/v1',
            kind: 'Deployment',
            name: d.metadata.name,
            uid: d.metadata.uid,
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      },
      spec: { ...(template.spec ?? {}), ...(node ? { nodeName: node.name } : {}) },
    });
    // The kubelet's part: scheduled, started, ready. Pod IPs are labels in 198.19.200.0/21,
    // a /24 per node, never put on an interface.
    const nodeIndex = node ? this.nodes.indexOf(node) : 0;
    const podIP = `198.19.${200 + (nodeIndex % 50)}.${10 + (this.podsCreated++ % 240)}`;
    const condition = (type: string) => ({ type, status: 'True', lastTransitionTime: now });
    await this.client.patchStatus(pod, {
      status: {
        phase: 'Running',
        conditions: ['Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map(condition),
        ...(node?.address ? { hostIP: node.address } : {}),
        podIP,
        podIPs: [{ ip: podIP }],
        startTime: now,
        containerStatuses: containers.map((c) => ({
          name: c.name ?? '',
          image: c.image ?? '',
          imageID: '',
          ready: true,
          started: true,
          restartCount: 0,
          state: { running: { startedAt: now } },
        })),
      },
    });
  }
}
