/**
 * The pods that own what a node's speaker writes. Upstream, each status object carries an
 * ownerReference to the pod that wrote it (controllerutil.SetOwnerReference: apiVersion, kind,
 * name, uid; no `controller`): ServiceBGPStatus and ServiceL2Status to the MetalLB speaker pod
 * (bgp_status_controller.go, layer2_status_controller.go), BGPSessionState to the frr-k8s pod
 * (reference §3). When the pod goes, the API server's garbage collector deletes them. A
 * simulated node gets one pod of each, on the node, as the two DaemonSets would create them;
 * stopping the node deletes both, so the statuses go the way they go on a real cluster.
 */
import type { KubeResource } from '../../k8s/client.js';
import type { OwnerReference } from '../types.js';
import type { StatusWriter } from './writer.js';

export interface NodePodOwners {
  /** The MetalLB speaker pod: owner of ServiceBGPStatus and ServiceL2Status. */
  speaker?: OwnerReference;
  /** The frr-k8s pod: owner of BGPSessionState. */
  frrK8s?: OwnerReference;
}

export interface NodePodsInit {
  metallbNamespace: string;
  frrK8sNamespace: string;
}

/** Versions the pods name in their images (MetalLB 0.15, frr-k8s 0.0.x, FRR 9.1 as bundled). */
const SPEAKER_IMAGE = 'quay.io/metallb/speaker:v0.15.2';
const FRR_K8S_IMAGE = 'quay.io/metallb/frr-k8s:v0.0.20';
const FRR_IMAGE = 'quay.io/frrouting/frr:9.1.0';

/** Creates and deletes the per-node pods; every failure goes to the writer's problem report. */
export class NodePods {
  private readonly owners = new Map<string, NodePodOwners>();

  constructor(
    private readonly init: NodePodsInit,
    private readonly writer: StatusWriter,
  ) {}

  /** The node's current owners (empty before `start`, or when creating the pods failed). */
  ownersOf(node: string): NodePodOwners {
    return this.owners.get(node) ?? {};
  }

  /** Creates the node's speaker and frr-k8s pods unless it has them. */
  async start(node: string, hostIP: string | undefined): Promise<NodePodOwners> {
    const have = this.owners.get(node);
    if (have) return have;
    const owners: NodePodOwners = {};
    this.owners.set(node, owners);
    const speaker = await this.writer.createWithStatus(
      podObject({
        generateName: 'speaker-',
        namespace: this.init.metallbNamespace,
        labels: { app: 'metallb', component: 'speaker' },
        node,
        hostIP,
        containers: [{ name: 'speaker', image: SPEAKER_IMAGE }],
      }),
    );
    owners.speaker = ownerOf(speaker);
    if (await this.stoppedMeanwhile(node, owners, speaker, this.init.metallbNamespace)) return {};
    const frr = await this.writer.createWithStatus(
      podObject({
        generateName: 'frr-k8s-',
        namespace: this.init.frrK8sNamespace,
        labels: { app: 'frr-k8s', component: 'frr-k8s' },
        node,
        hostIP,
        containers: [
          { name: 'frr', image: FRR_IMAGE },
          { name: 'controller', image: FRR_K8S_IMAGE },
        ],
      }),
    );
    owners.frrK8s = ownerOf(frr);
    if (await this.stoppedMeanwhile(node, owners, frr, this.init.frrK8sNamespace)) return {};
    return owners;
  }

  /** `stop` ran while a pod was being created: delete that pod too. */
  private async stoppedMeanwhile(
    node: string,
    owners: NodePodOwners,
    pod: KubeResource | undefined,
    namespace: string,
  ): Promise<boolean> {
    if (this.owners.get(node) === owners) return false;
    const name = pod?.metadata?.name;
    if (name)
      await this.writer.delete({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace } });
    return true;
  }

  /** Deletes the node's pods; the API server then collects what they own. */
  async stop(node: string): Promise<void> {
    const owners = this.owners.get(node);
    this.owners.delete(node);
    if (!owners) return;
    for (const [o, namespace] of [
      [owners.speaker, this.init.metallbNamespace],
      [owners.frrK8s, this.init.frrK8sNamespace],
    ] as const) {
      if (!o) continue;
      await this.writer.delete({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: o.name, namespace },
      });
    }
  }
}

/** `obj` with `owner` as its only ownerReference (none when there is no owner). */
export function withOwner<T extends { metadata: { ownerReferences?: OwnerReference[] } }>(
  obj: T,
  owner: OwnerReference | undefined,
): T {
  if (!owner) return obj;
  return { ...obj, metadata: { ...obj.metadata, ownerReferences: [owner] } };
}

/** True when `obj` already names `owner` among its ownerReferences. */
export function hasOwner(obj: KubeResource, owner: OwnerReference): boolean {
  const refs = (obj.metadata as { ownerReferences?: OwnerReference[] } | undefined)
    ?.ownerReferences;
  return (refs ?? []).some((r) => r.uid === owner.uid);
}

function ownerOf(pod: KubeResource | undefined): OwnerReference | undefined {
  const name = pod?.metadata?.name;
  const uid = pod?.metadata?.uid;
  if (!name || !uid) return undefined;
  return { apiVersion: 'v1', kind: 'Pod', name, uid };
}

function podObject(p: {
  generateName: string;
  namespace: string;
  labels: Record<string, string>;
  node: string;
  hostIP: string | undefined;
  containers: { name: string; image: string }[];
}): KubeResource {
  const ip = p.hostIP ? { hostIP: p.hostIP, podIP: p.hostIP } : {};
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { generateName: p.generateName, namespace: p.namespace, labels: p.labels },
    // Both DaemonSets run on the host network, so the pod's IP is the node's.
    spec: { nodeName: p.node, hostNetwork: true, containers: p.containers },
    status: {
      phase: 'Running',
      ...ip,
      conditions: [{ type: 'Ready', status: 'True' }],
      containerStatuses: p.containers.map((c) => ({
        name: c.name,
        image: c.image,
        ready: true,
        restartCount: 0,
        started: true,
        state: { running: {} },
      })),
    },
  } as KubeResource;
}
