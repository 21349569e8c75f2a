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
import { METALLB_NAMESPACE } from './types.js';

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
  if (operation !== 'DELETE') {
    const wrongNs = namespaceProblem(obj.metadata.namespace, metallbNamespace);
    if (wrongNs) return deny(wrongNs);
  }
  const listKey = LIST_OF[kind];
  const current = existing[listKey] as unknown as KindObject[K][];
  const others = current.filter((o) => o.metadata.name !== obj.metadata.name);
  const next = operation === 'DELETE' ? others : [...others, obj];
  const candidate: ClusterResources = { ...existing, [listKey]: next };
  // Every node's speaker must accept it; with no nodes known, judge the cluster as one.
  const views = candidate.nodes.length
    ? candidate.nodes.map((n) => ({ component: 'speaker' as const, node: n.metadata.name ?? '' }))
    : [{ component: 'speaker' as const, node: '' }];
  for (const view of views) {
    const r = buildConfig(candidate, view);
    if (!r.ok && !r.error.transient) return deny(r.error);
  }
  return undefined;
}
