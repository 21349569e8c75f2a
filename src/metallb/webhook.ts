/**
 * MetalLB's validating admission webhooks (reference §15): before an object is stored, the
 * whole configuration with that object created, replaced or removed must still parse. Missing
 * references (BFD profile, Secret, Community alias) are transient and pass admission; they
 * surface later in the speakers' ConfigurationState.
 */
import { buildConfig, namespaceProblem, type ConfigError } from './config.js';
import type {
  BFDProfile,
  BGPAdvertisement,
  BGPPeer,
  ClusterResources,
  Community,
  IPAddressPool,
  L2Advertisement,
} from './types.js';
import { emptyClusterResources, METALLB_NAMESPACE } from './types.js';

export type WebhookKind =
  'IPAddressPool' | 'BGPPeer' | 'BGPAdvertisement' | 'L2Advertisement' | 'BFDProfile' | 'Community';

/** The webhook names MetalLB registers, as kubectl prints them in denials. */
export const WEBHOOK_NAME: Record<WebhookKind, string> = {
  IPAddressPool: 'ipaddresspoolvalidationwebhook.metallb.io',
  BGPPeer: 'bgppeersvalidationwebhook.metallb.io',
  BGPAdvertisement: 'bgpadvertisementvalidationwebhook.metallb.io',
  L2Advertisement: 'l2advertisementvalidationwebhook.metallb.io',
  BFDProfile: 'bfdprofilevalidationwebhook.metallb.io',
  Community: 'communityvalidationwebhook.metallb.io',
};

type KindObject = {
  IPAddressPool: IPAddressPool;
  BGPPeer: BGPPeer;
  BGPAdvertisement: BGPAdvertisement;
  L2Advertisement: L2Advertisement;
  BFDProfile: BFDProfile;
  Community: Community;
};

const LIST_OF: { [K in WebhookKind]: keyof ClusterResources } = {
  IPAddressPool: 'pools',
  BGPPeer: 'peers',
  BGPAdvertisement: 'bgpAdvertisements',
  L2Advertisement: 'l2Advertisements',
  BFDProfile: 'bfdProfiles',
  Community: 'communities',
};

export type AdmissionOperation = 'CREATE' | 'UPDATE' | 'DELETE';

export interface AdmissionDenial {
  webhook: string;
  error: ConfigError;
  /** The API server's Status message: `admission webhook "<name>" denied the request: <msg>`. */
  message: string;
}

/**
 * The operations each webhook is registered for (MetalLB's config/webhook/manifests.yaml): BFDProfile on
 * create and delete, the others on create and update.
 */
export const WEBHOOK_OPERATIONS: Record<WebhookKind, readonly AdmissionOperation[]> = {
  IPAddressPool: ['CREATE', 'UPDATE'],
  BGPPeer: ['CREATE', 'UPDATE'],
  BGPAdvertisement: ['CREATE', 'UPDATE'],
  L2Advertisement: ['CREATE', 'UPDATE'],
  BFDProfile: ['CREATE', 'DELETE'],
  Community: ['CREATE', 'UPDATE'],
};

/**
 * What each webhook hands the validator besides its own kind (the `Validator.Validate(...)`
 * calls of internal/k8s/webhooks): a BGPPeer is judged with the Nodes, an advertisement with
 * the pools (and a BGPAdvertisement the Nodes), the rest alone.
 */
const JUDGED_WITH: Record<WebhookKind, readonly (keyof ClusterResources)[]> = {
  IPAddressPool: [],
  BGPPeer: ['nodes'],
  BGPAdvertisement: ['pools', 'nodes'],
  L2Advertisement: ['pools'],
  BFDProfile: [],
  Community: [],
};

/** Undefined when admitted. `existing` is the cluster as stored before this request. */
export function admissionReview<K extends WebhookKind>(
  kind: K,
  operation: AdmissionOperation,
  obj: KindObject[K],
  existing: ClusterResources,
  metallbNamespace = METALLB_NAMESPACE,
): AdmissionDenial | undefined {
  const webhook = WEBHOOK_NAME[kind];
  const deny = (error: ConfigError): AdmissionDenial => ({
    webhook,
    error,
    message: `admission webhook "${webhook}" denied the request: ${error.message}`,
  });
  if (operation === 'CREATE') {
    const wrongNs = namespaceProblem(obj.metadata.namespace, metallbNamespace);
    if (wrongNs) return deny(wrongNs);
  }
  if (kind === 'BFDProfile') {
    // bfdprofile_webhook.go: creation checks the namespace only; deletion refuses a profile a
    // BGPPeer still names.
    if (operation !== 'DELETE') return undefined;
    const user = existing.peers.find((p) => p.spec.bfdProfile === obj.metadata.name);
    if (!user) return undefined;
    return deny({
      code: 'ERR_METALLB_BFD_PROFILE_IN_USE',
      message: `failed to delete BFDProfile ${obj.metadata.name ?? ''}, used by BGPPeer ${user.metadata.name ?? ''}`,
      transient: false,
    });
  }
  const listKey = LIST_OF[kind];
  const current = existing[listKey] as unknown as KindObject[K][];
  const others = current.filter((o) => o.metadata.name !== obj.metadata.name);
  const next = operation === 'DELETE' ? others : [...others, obj];
  const candidate: ClusterResources = {
    ...emptyClusterResources(),
    namespaces: existing.namespaces,
  };
  for (const k of JUDGED_WITH[kind])
    (candidate as unknown as Record<string, unknown>)[k] = existing[k];
  (candidate as unknown as Record<string, unknown>)[listKey] = next;
  // Every node's speaker must accept it; with no nodes known, judge the cluster as one.
  const views = existing.nodes.length
    ? existing.nodes.map((n) => ({ component: 'speaker' as const, node: n.metadata.name ?? '' }))
    : [{ component: 'speaker' as const, node: '' }];
  for (const view of views) {
    const r = buildConfig(candidate, view);
    if (!r.ok && !r.error.transient) return deny(r.error);
  }
  return undefined;
}
