/**
 * The JSON shapes of the objects the MetalLB model reads and writes, as the Kubernetes API
 * returns them (camelCase keys, optional fields absent rather than null). Sources:
 * metallb.io/v1beta1 + v1beta2 and frrk8s.metallb.io/v1beta1 CRDs (docs/metallb-crs.md),
 * core/v1 and discovery.k8s.io/v1.
 */

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface LabelSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

/** Go duration text as the CRDs carry it (`90s`, `1m30s`, `3m`). */
export type DurationString = string;

// ---- metallb.io/v1beta1 ----

export interface ServiceAllocationSpec {
  priority?: number;
  namespaces?: string[];
  namespaceSelectors?: LabelSelector[];
  serviceSelectors?: LabelSelector[];
}

export interface IPAddressPoolSpec {
  addresses: string[];
  autoAssign?: boolean;
  avoidBuggyIPs?: boolean;
  serviceAllocation?: ServiceAllocationSpec;
}

/** int64 counters, always present once the controller has written them. */
export interface IPAddressPoolStatus {
  assignedIPv4: number;
  assignedIPv6: number;
  availableIPv4: number;
  availableIPv6: number;
}

export interface IPAddressPool {
  apiVersion?: 'metallb.io/v1beta1';
  kind?: 'IPAddressPool';
  metadata: ObjectMeta;
  spec: IPAddressPoolSpec;
  status?: IPAddressPoolStatus;
}

export interface SecretReference {
  name?: string;
  namespace?: string;
}

/** BGPPeer v1beta2 (preferred, storage version). */
export interface BGPPeerSpec {
  myASN: number;
  peerASN?: number;
  dynamicASN?: 'internal' | 'external' | string;
  localASN?: number;
  peerAddress?: string;
  interface?: string;
  sourceAddress?: string;
  peerPort?: number;
  holdTime?: DurationString;
  keepaliveTime?: DurationString;
  connectTime?: DurationString;
  routerID?: string;
  nodeSelectors?: LabelSelector[];
  password?: string;
  passwordSecret?: SecretReference;
  bfdProfile?: string;
  enableGracefulRestart?: boolean;
  ebgpMultiHop?: boolean;
  vrf?: string;
  disableMP?: boolean;
  dualStackAddressFamily?: boolean;
}

export interface BGPPeer {
  apiVersion?: 'metallb.io/v1beta2';
  kind?: 'BGPPeer';
  metadata: ObjectMeta;
  spec: BGPPeerSpec;
}

/** BGPPeer v1beta1 (deprecated): peerASN and peerAddress required, fewer fields. */
export interface BGPPeerV1beta1Spec {
  myASN: number;
  peerASN: number;
  peerAddress: string;
  sourceAddress?: string;
  peerPort?: number;
  holdTime?: DurationString;
  keepaliveTime?: DurationString;
  routerID?: string;
  nodeSelectors?: LabelSelector[];
  password?: string;
  bfdProfile?: string;
  ebgpMultiHop?: boolean;
}

export interface BGPPeerV1beta1 {
  apiVersion?: 'metallb.io/v1beta1';
  kind?: 'BGPPeer';
  metadata: ObjectMeta;
  spec: BGPPeerV1beta1Spec;
}

export interface BGPAdvertisementSpec {
  aggregationLength?: number;
  aggregationLengthV6?: number;
  localPref?: number;
  communities?: string[];
  ipAddressPools?: string[];
  ipAddressPoolSelectors?: LabelSelector[];
  nodeSelectors?: LabelSelector[];
  peers?: string[];
  serviceSelectors?: LabelSelector[];
}

export interface BGPAdvertisement {
  apiVersion?: 'metallb.io/v1beta1';
  kind?: 'BGPAdvertisement';
  metadata: ObjectMeta;
  spec: BGPAdvertisementSpec;
}

export interface L2AdvertisementSpec {
  ipAddressPools?: string[];
  ipAddressPoolSelectors?: LabelSelector[];
  nodeSelectors?: LabelSelector[];
  serviceSelectors?: LabelSelector[];
  interfaces?: string[];
}

export interface L2Advertisement {
  apiVersion?: 'metallb.io/v1beta1';
  kind?: 'L2Advertisement';
  metadata: ObjectMeta;
  spec: L2AdvertisementSpec;
}

/** No defaults in the CRD: absent fields stay absent and FRR's defaults apply. */
export interface BFDProfileSpec {
  receiveInterval?: number;
  transmitInterval?: number;
  detectMultiplier?: number;
  echoInterval?: number;
  echoMode?: boolean;
  passiveMode?: boolean;
  minimumTtl?: number;
}

export interface BFDProfile {
  apiVersion?: 'metallb.io/v1beta1';
  kind?: 'BFDProfile';
  metadata: ObjectMeta;
  spec: BFDProfileSpec;
}

export interface CommunityAlias {
  name: string;
  value: string;
}

export interface Community {
  apiVersion?: 'metallb.io/v1beta1';
  kind?: 'Community';
  metadata: ObjectMeta;
  spec: { communities?: CommunityAlias[] };
}

export interface ServiceBGPStatusStatus {
  node: string;
  serviceName: string;
  serviceNamespace: string;
  peers?: string[];
}

export interface ServiceBGPStatus {
  apiVersion: 'metallb.io/v1beta1';
  kind: 'ServiceBGPStatus';
  metadata: ObjectMeta;
  spec: Record<string, never>;
  status: ServiceBGPStatusStatus;
}

export interface ServiceL2StatusStatus {
  node: string;
  serviceName: string;
  serviceNamespace: string;
  interfaces?: { name: string }[];
}

export interface ServiceL2Status {
  apiVersion: 'metallb.io/v1beta1';
  kind: 'ServiceL2Status';
  metadata: ObjectMeta;
  spec: Record<string, never>;
  status: ServiceL2StatusStatus;
}

export type ConditionStatus = 'True' | 'False' | 'Unknown';

export interface Condition {
  type: string;
  status: ConditionStatus;
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

export type ConfigurationResult = 'Valid' | 'Invalid' | 'Unknown';

export interface ConfigurationStateStatus {
  conditions?: Condition[];
  result?: ConfigurationResult;
  errorSummary?: string;
}

export interface ConfigurationState {
  apiVersion: 'metallb.io/v1beta1';
  kind: 'ConfigurationState';
  metadata: ObjectMeta;
  status?: ConfigurationStateStatus;
}

// ---- frrk8s.metallb.io/v1beta1 ----

export type BGPStatusString =
  'Idle' | 'Connect' | 'Active' | 'OpenSent' | 'OpenConfirm' | 'Established';

export type BFDStatusString = 'N/A' | 'Up' | 'Down' | 'Admin Down' | 'Unknown';

export interface BGPSessionStateStatus {
  node?: string;
  peer?: string;
  vrf?: string;
  bgpStatus?: BGPStatusString;
  bfdStatus?: BFDStatusString;
}

export interface BGPSessionState {
  apiVersion: 'frrk8s.metallb.io/v1beta1';
  kind: 'BGPSessionState';
  metadata: ObjectMeta;
  spec: Record<string, never>;
  status: BGPSessionStateStatus;
}

export interface FRRNodeStateStatus {
  runningConfig?: string;
  lastReloadResult?: string;
  lastConversionResult?: string;
}

export interface FRRNodeState {
  apiVersion: 'frrk8s.metallb.io/v1beta1';
  kind: 'FRRNodeState';
  metadata: ObjectMeta;
  spec: Record<string, never>;
  status?: FRRNodeStateStatus;
}

// ---- core/v1 and discovery.k8s.io/v1 ----

export interface ServicePort {
  name?: string;
  protocol?: 'TCP' | 'UDP' | 'SCTP';
  port: number;
  targetPort?: number | string;
  nodePort?: number;
}

export interface ServiceSpec {
  type?: 'ClusterIP' | 'NodePort' | 'LoadBalancer' | 'ExternalName';
  clusterIP?: string;
  clusterIPs?: string[];
  ipFamilies?: ('IPv4' | 'IPv6')[];
  ipFamilyPolicy?: 'SingleStack' | 'PreferDualStack' | 'RequireDualStack';
  loadBalancerIP?: string;
  loadBalancerClass?: string;
  externalTrafficPolicy?: 'Cluster' | 'Local';
  ports?: ServicePort[];
  selector?: Record<string, string>;
}

export interface LoadBalancerIngress {
  ip?: string;
  hostname?: string;
}

export interface ServiceStatus {
  loadBalancer?: { ingress?: LoadBalancerIngress[] };
}

export interface Service {
  apiVersion?: 'v1';
  kind?: 'Service';
  metadata: ObjectMeta;
  spec: ServiceSpec;
  status?: ServiceStatus;
}

export interface NodeAddress {
  type: 'InternalIP' | 'ExternalIP' | 'Hostname' | 'InternalDNS' | 'ExternalDNS';
  address: string;
}

export interface NodeCondition {
  type: string;
  status: ConditionStatus;
  reason?: string;
  message?: string;
}

export interface Node {
  apiVersion?: 'v1';
  kind?: 'Node';
  metadata: ObjectMeta;
  spec?: Record<string, unknown>;
  status?: { addresses?: NodeAddress[]; conditions?: NodeCondition[] };
}

export interface EndpointConditions {
  ready?: boolean;
  serving?: boolean;
  terminating?: boolean;
}

export interface Endpoint {
  addresses: string[];
  conditions?: EndpointConditions;
  nodeName?: string;
  hostname?: string;
}

export interface EndpointSlice {
  apiVersion?: 'discovery.k8s.io/v1';
  kind?: 'EndpointSlice';
  metadata: ObjectMeta;
  addressType?: 'IPv4' | 'IPv6' | 'FQDN';
  endpoints?: Endpoint[];
  ports?: { name?: string; port?: number; protocol?: string }[];
}

/** core/v1 Endpoints (legacy); converted to slices with `endpointSlicesFromEndpoints`. */
export interface Endpoints {
  apiVersion?: 'v1';
  kind?: 'Endpoints';
  metadata: ObjectMeta;
  subsets?: {
    addresses?: { ip: string; nodeName?: string }[];
    notReadyAddresses?: { ip: string; nodeName?: string }[];
  }[];
}

export interface Secret {
  apiVersion?: 'v1';
  kind?: 'Secret';
  metadata: ObjectMeta;
  type?: string;
  /** base64 values, as the API returns them. */
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

export interface Namespace {
  apiVersion?: 'v1';
  kind?: 'Namespace';
  metadata: ObjectMeta;
}

/** Everything the configuration is built from (MetalLB's config.ClusterResources). */
export interface ClusterResources {
  pools: IPAddressPool[];
  peers: BGPPeer[];
  bfdProfiles: BFDProfile[];
  bgpAdvertisements: BGPAdvertisement[];
  l2Advertisements: L2Advertisement[];
  communities: Community[];
  /** Secrets in the MetalLB namespace, by name. */
  passwordSecrets: Record<string, Secret>;
  nodes: Node[];
  namespaces: Namespace[];
}

/** A cluster with none of the inputs. */
export function emptyClusterResources(): ClusterResources {
  return {
    pools: [],
    peers: [],
    bfdProfiles: [],
    bgpAdvertisements: [],
    l2Advertisements: [],
    communities: [],
    passwordSecrets: {},
    nodes: [],
    namespaces: [],
  };
}

export const METALLB_NAMESPACE = 'metallb-system';

/** Legacy Endpoints as EndpointSlices, so the announcement rules need one input shape. */
export function endpointSlicesFromEndpoints(ep: Endpoints): EndpointSlice {
  const endpoints: Endpoint[] = [];
  for (const subset of ep.subsets ?? []) {
    for (const a of subset.addresses ?? []) {
      endpoints.push({ addresses: [a.ip], conditions: { ready: true }, nodeName: a.nodeName });
    }
    for (const a of subset.notReadyAddresses ?? []) {
      endpoints.push({ addresses: [a.ip], conditions: { ready: false }, nodeName: a.nodeName });
    }
  }
  return {
    metadata: {
      name: ep.metadata.name,
      namespace: ep.metadata.namespace,
      labels: { 'kubernetes.io/service-name': ep.metadata.name ?? '' },
    },
    endpoints,
  };
}

/** BGPPeer v1beta1 is a subset of v1beta2: conversion is a copy (MetalLB's conversion webhook). */
export function bgpPeerFromV1beta1(p: BGPPeerV1beta1): BGPPeer {
  return {
    apiVersion: 'metallb.io/v1beta2',
    kind: 'BGPPeer',
    metadata: p.metadata,
    spec: { ...p.spec },
  };
}
