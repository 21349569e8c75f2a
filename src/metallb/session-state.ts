/**
 * BGPSessionState objects as frr-k8s's `frr-status` writes them (reference §3, §17): one per
 * (node, VRF, neighbour), named `<node>-xxxxx`, with FRR's session and BFD states mapped to
 * the CR's strings.
 */
import { labelFormIP, parseIP } from './ip.js';
import type { BFDStatusString, BGPSessionState, BGPStatusString } from './types.js';

export const FRR_K8S_NAMESPACE = 'frr-k8s-system';

export const SESSION_STATE_LABELS = {
  node: 'frrk8s.metallb.io/node',
  peer: 'frrk8s.metallb.io/peer',
  vrf: 'frrk8s.metallb.io/vrf',
} as const;

/**
 * `peer` field and label: IPv4 as is, IPv6 fully expanded with `-` for `:` (a label value may
 * not contain `:`), an interface name for unnumbered peers.
 */
export function sessionPeerName(peer: string): string {
  const ip = parseIP(peer);
  return ip ? labelFormIP(ip) : peer;
}

const BGP_STATES: Record<string, BGPStatusString> = {
  idle: 'Idle',
  connect: 'Connect',
  active: 'Active',
  opensent: 'OpenSent',
  openconfirm: 'OpenConfirm',
  established: 'Established',
};

/**
 * FRR's `bgpState` (or an RFC 4271 8.2.2 state name in any case) to the CR's string. FRR's
 * transient `Clearing`/`Deleted` show as Idle: the session is down and not yet reconnecting.
 */
export function bgpStatusString(state: string): BGPStatusString {
  return BGP_STATES[state.replace(/[^a-z]/gi, '').toLowerCase()] ?? 'Idle';
}

/**
 * FRR's `peerBfdInfo.status` (absent when the neighbour has no BFD) to the CR's string.
 * RFC 5880 6.2 states: Init shows as Down (not yet up), AdminDown as `Admin Down`.
 */
export function bfdStatusString(status: string | undefined): BFDStatusString {
  if (status === undefined || status === '') return 'N/A';
  switch (status.replace(/[^a-z]/gi, '').toLowerCase()) {
    case 'up':
      return 'Up';
    case 'down':
    case 'init':
      return 'Down';
    case 'admindown':
    case 'shutdown':
      return 'Admin Down';
    default:
      return 'Unknown';
  }
}

export interface SessionStateInput {
  node: string;
  /** Neighbour address (any valid text form) or interface name. */
  peer: string;
  /** '' or 'default' for the default VRF. */
  vrf?: string;
  bgpState: string;
  bfdStatus?: string;
}

/** The object frr-status creates; the API server completes the generated name. */
export function bgpSessionStateObject(
  s: SessionStateInput,
  namespace = FRR_K8S_NAMESPACE,
): BGPSessionState {
  const vrf = s.vrf === undefined || s.vrf === 'default' ? '' : s.vrf;
  const peer = sessionPeerName(s.peer);
  const status: BGPSessionState['status'] = {
    node: s.node,
    peer,
    bgpStatus: bgpStatusString(s.bgpState),
    bfdStatus: bfdStatusString(s.bfdStatus),
  };
  if (vrf !== '') status.vrf = vrf;
  return {
    apiVersion: 'frrk8s.metallb.io/v1beta1',
    kind: 'BGPSessionState',
    metadata: {
      generateName: `${s.node}-`,
      namespace,
      labels: {
        [SESSION_STATE_LABELS.node]: s.node,
        [SESSION_STATE_LABELS.peer]: peer,
        [SESSION_STATE_LABELS.vrf]: vrf,
      },
    },
    spec: {},
    status,
  };
}

/** Identity of a BGPSessionState: frr-status keeps one object per key and deletes duplicates. */
export function sessionStateKey(o: Pick<BGPSessionState, 'metadata'>): string {
  const l = o.metadata.labels ?? {};
  return `${l[SESSION_STATE_LABELS.node] ?? ''}|${l[SESSION_STATE_LABELS.vrf] ?? ''}|${l[SESSION_STATE_LABELS.peer] ?? ''}`;
}

/** frr-status patches only on change. */
export function sessionStatusChanged(
  current: BGPSessionState['status'] | undefined,
  next: BGPSessionState['status'],
): boolean {
  const a = current ?? {};
  return (
    a.node !== next.node ||
    a.peer !== next.peer ||
    a.vrf !== next.vrf ||
    a.bgpStatus !== next.bgpStatus ||
    a.bfdStatus !== next.bfdStatus
  );
}
