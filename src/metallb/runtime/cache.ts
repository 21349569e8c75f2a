/**
 * What the MetalLB controller and speakers read, kept current by informers (list + watch, with
 * re-list on 410 Gone) over the Kubernetes client, against speakersim's API server or a real
 * cluster alike. Any change to an input kind fires `onChange`; reconcilers are level-triggered
 * and read the whole picture from here.
 */
import type { FRRConfiguration } from '../frr-configuration.js';
import type { Informer, ObjectCache } from '@kubernetes/client-node';
import type { KubeClient, KubeResource } from '../../k8s/client.js';
import { configInputKey } from './writer.js';
import type {
  BFDProfile,
  BGPAdvertisement,
  BGPPeer,
  ClusterResources,
  Community,
  EndpointSlice,
  IPAddressPool,
  L2Advertisement,
  Namespace,
  Node,
  Secret,
  Service,
} from '../types.js';

export interface WatchedKind {
  key: string;
  apiVersion: string;
  kind: string;
  /** Only objects in the MetalLB namespace count (MetalLB's own kinds, Secrets). */
  metallbNamespaced: boolean;
  /** Only objects in frr-k8s's namespace count (FRRConfiguration: frr-k8s reads no other). */
  frrK8sNamespaced?: boolean;
}

export const WATCHED_KINDS: readonly WatchedKind[] = [
  {
    key: 'pools',
    apiVersion: 'metallb.io/v1beta1',
    kind: 'IPAddressPool',
    metallbNamespaced: true,
  },
  { key: 'peers', apiVersion: 'metallb.io/v1beta2', kind: 'BGPPeer', metallbNamespaced: true },
  {
    key: 'bgpAdvertisements',
    apiVersion: 'metallb.io/v1beta1',
    kind: 'BGPAdvertisement',
    metallbNamespaced: true,
  },
  {
    key: 'l2Advertisements',
    apiVersion: 'metallb.io/v1beta1',
    kind: 'L2Advertisement',
    metallbNamespaced: true,
  },
  {
    key: 'bfdProfiles',
    apiVersion: 'metallb.io/v1beta1',
    kind: 'BFDProfile',
    metallbNamespaced: true,
  },
  {
    key: 'communities',
    apiVersion: 'metallb.io/v1beta1',
    kind: 'Community',
    metallbNamespaced: true,
  },
  { key: 'secrets', apiVersion: 'v1', kind: 'Secret', metallbNamespaced: true },
  { key: 'services', apiVersion: 'v1', kind: 'Service', metallbNamespaced: false },
  { key: 'nodes', apiVersion: 'v1', kind: 'Node', metallbNamespaced: false },
  {
    key: 'endpointSlices',
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metallbNamespaced: false,
  },
  { key: 'namespaces', apiVersion: 'v1', kind: 'Namespace', metallbNamespaced: false },
  {
    key: 'frrConfigurations',
    apiVersion: 'frrk8s.metallb.io/v1beta1',
    kind: 'FRRConfiguration',
    metallbNamespaced: false,
    frrK8sNamespaced: true,
  },
];

type AnyInformer = Informer<KubeResource> & ObjectCache<KubeResource>;

export class ClusterCache {
  private readonly informers = new Map<string, AnyInformer>();
  private listeners: ((kind: string) => void)[] = [];
  /** Bumped on every event; lets callers tell a quiet period from a busy one. */
  generation = 0;
  private key: { generation: number; key: string } | undefined;

  constructor(
    private readonly client: KubeClient,
    readonly metallbNamespace: string,
    readonly frrK8sNamespace = 'frr-k8s-system',
  ) {}

  onChange(fn: (kind: string) => void): void {
    this.listeners.push(fn);
  }

  async start(): Promise<void> {
    for (const k of WATCHED_KINDS) {
      const inf = await this.client.informer(
        k.apiVersion,
        k.kind,
        k.metallbNamespaced
          ? { namespace: this.metallbNamespace }
          : k.frrK8sNamespaced
            ? { namespace: this.frrK8sNamespace }
            : {},
      );
      const fire = (): void => {
        this.generation++;
        for (const l of this.listeners) l(k.kind);
      };
      inf.on('add', fire);
      inf.on('update', fire);
      inf.on('delete', fire);
      // An informer error (a dropped watch) restarts it after a pause, as client-go's do.
      inf.on('error', () => {
        setTimeout(() => void inf.start().catch(() => undefined), 500).unref();
      });
      this.informers.set(k.key, inf);
    }
    await Promise.all([...this.informers.values()].map((i) => i.start()));
  }

  async stop(): Promise<void> {
    await Promise.all([...this.informers.values()].map((i) => i.stop()));
    this.informers.clear();
  }

  private items<T>(key: string): T[] {
    return (this.informers.get(key)?.list() ?? []) as unknown as T[];
  }

  services(): Service[] {
    return this.items<Service>('services');
  }

  nodes(): Node[] {
    return this.items<Node>('nodes');
  }

  endpointSlices(): EndpointSlice[] {
    return this.items<EndpointSlice>('endpointSlices');
  }

  frrConfigurations(): FRRConfiguration[] {
    return this.items<FRRConfiguration>('frrConfigurations');
  }

  /** `configInputKey(resources())`, computed once per generation rather than once per node. */
  configKey(): string {
    if (this.key?.generation !== this.generation) {
      this.key = { generation: this.generation, key: configInputKey(this.resources()) };
    }
    return this.key.key;
  }

  resources(): ClusterResources {
    const passwordSecrets: Record<string, Secret> = {};
    for (const s of this.items<Secret>('secrets')) passwordSecrets[s.metadata.name!] = s;
    return {
      pools: this.items<IPAddressPool>('pools'),
      peers: this.items<BGPPeer>('peers'),
      bfdProfiles: this.items<BFDProfile>('bfdProfiles'),
      bgpAdvertisements: this.items<BGPAdvertisement>('bgpAdvertisements'),
      l2Advertisements: this.items<L2Advertisement>('l2Advertisements'),
      communities: this.items<Community>('communities'),
      passwordSecrets,
      nodes: this.nodes(),
      namespaces: this.items<Namespace>('namespaces'),
    };
  }
}
