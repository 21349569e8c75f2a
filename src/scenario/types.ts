/**
 * The normalized scenario model: what `loadScenario` returns and what the runner consumes.
 *
 * It mirrors the YAML format (schema/scenario.schema.json) one to one, with the loader's
 * normalizations applied: durations are milliseconds, file paths are absolute, defaults are
 * filled in, router names in `peer` fields are resolved to addresses, and every step carries
 * the source position it came from so failures can point back at the scenario file.
 */

import type { Action } from './registry/actions.js';

export type Backend = 'builtin' | 'netns' | 'compose';
export type ClockMode = 'virtual' | 'real';

/** A 1-based position in a scenario file, for messages like `file:line:col`. */
export interface SourcePosition {
  file: string;
  line: number;
  col: number;
}

/** An interface address with its prefix length, e.g. `198.18.0.1/24`. */
export interface InterfaceAddress {
  address: string;
  prefixLength: number;
}

export interface AddressPair {
  ipv4?: InterfaceAddress;
  ipv6?: InterfaceAddress;
}

/** BFD settings of a router; same names and units (ms) as MetalLB's BFDProfile. */
export interface BfdSettings {
  receiveInterval?: number;
  transmitInterval?: number;
  detectMultiplier?: number;
  echoMode?: boolean;
  echoInterval?: number;
  passiveMode?: boolean;
  minimumTtl?: number;
}

export interface RouterSpec {
  name: string;
  asn: number;
  routerId: string;
  addresses: AddressPair;
  /** TCP port the router listens on for BGP (RFC 4271 8: 179). */
  port: number;
  /** The VRF its interface and BGP instance are in; it peers with the nodes' `vrfs` of it. */
  vrf?: string;
  /** The VRF segment it sits on in its own default VRF (peering with the nodes' `vrfs` of it). */
  vrfSegment?: string;
  /** RFC 5082 GTSM towards every node (FRR `neighbor X ttl-security hops N`). */
  ttlSecurityHops?: number;
  /** Peers with the node's `interface` unnumbered (FRR `neighbor IFACE interface`, RFC 8950). */
  unnumbered?: boolean;
  bfd?: BfdSettings;
  /** Prefixes the router originates and advertises to the nodes. */
  originate?: { ipv4?: string[]; ipv6?: string[] };
  /** Backend-specific knobs, passed through untouched (`builtin`, `netns`, `compose` keys). */
  options: Record<string, unknown>;
  at: SourcePosition;
}

export interface NodeSpec {
  /** The Kubernetes Node name; also the name of the speakersim speaker for that node. */
  name: string;
  labels: Record<string, string>;
  addresses: AddressPair;
  /** Its interface on the lab segment, by name (what a BGPPeer's `interface` names). */
  interface?: string;
  /** Its interfaces in VRFs, by VRF name (each on that VRF's own segment). */
  vrfs: Record<string, AddressPair>;
  at: SourcePosition;
}

export interface Topology {
  lab: string;
  subnets: { ipv4: string; ipv6: string };
  routers: RouterSpec[];
  nodes: NodeSpec[];
}

/** A Kubernetes manifest: any object with apiVersion and kind. */
export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata?: { name?: string; namespace?: string; [key: string]: unknown };
  [key: string]: unknown;
}

/** Where a set of manifests came from, and the manifests themselves (already parsed). */
export interface ResourceSet {
  /** Absolute path when the manifests came from a file. */
  file?: string;
  manifests: Manifest[];
  at: SourcePosition;
}

export interface ResourceRef {
  apiVersion?: string;
  kind: string;
  name: string;
  /** Filled from `defaults.namespace` when absent; ignored for cluster-scoped kinds. */
  namespace: string;
}

export type PatchType = 'merge' | 'json' | 'strategic';

export type BgpState = 'Idle' | 'Connect' | 'Active' | 'OpenSent' | 'OpenConfirm' | 'Established';
export type BfdState = 'Up' | 'Down' | 'Admin Down' | 'Unknown' | 'N/A';

/**
 * One element of an expected BGPSessionState sequence. It constrains the BGP column, the BFD
 * column, or both. In YAML, `Established` means {bgp: Established}, `BFD Down` means
 * {bfd: Down}, and a mapping `{bgp: Established, bfd: Down}` constrains both.
 */
export interface SessionStateMatcher {
  bgp?: BgpState;
  bfd?: BfdState;
}

export type Daemon = 'bgpd' | 'bfdd' | 'zebra';
export type DropDirection = 'both' | 'to-node' | 'to-router';
export type ComparisonOp = '==' | '!=' | '<' | '<=' | '>' | '>=';

export type ResourceCondition = { equals: string } | { matches: string } | { exists: boolean };

// Each action and check is defined by its own module (src/scenario/actions, src/scenario/checks);
// the unions are the registries'.
export type { Action } from './registry/actions.js';
export type { Expectation } from './registry/checks.js';
export type { ResourceExpectation } from './checks/resource.js';
export type { SessionsExpectation } from './checks/sessions.js';
export type { RouteExpectation } from './checks/route.js';
export type { NeighborExpectation } from './checks/neighbor.js';
export type { NotificationExpectation } from './checks/notification.js';
export type { MetricExpectation } from './checks/metric.js';
export interface Step {
  /** 0-based position in `steps`. */
  index: number;
  /** The YAML key that named the action (`apply`, `linkDown`, `expect`, ...). */
  keyword: string;
  /** The step's `name`, or a generated one such as `3: expect sessions worker0/198.18.0.1`. */
  name: string;
  action: Action;
  at: SourcePosition;
}

export interface Scenario {
  file: string;
  name: string;
  description: string;
  backend: Backend;
  clock: ClockMode;
  /** False: the API server stores what MetalLB's webhooks and CEL rules would refuse. */
  admission: boolean;
  /** Names of the BGP/BFD metrics (metallb_* or frrk8s_*); undefined: the run's choice. */
  frrMetrics?: 'metallb' | 'frrk8s';
  defaults: { timeoutMs: number; namespace: string };
  /** `pollSessionState`: write BGPSessionState every N ms (frr-k8s poll mode); absent: on change. */
  sessionStatePollMs?: number;
  topology: Topology;
  resources: ResourceSet[];
  steps: Step[];
}
