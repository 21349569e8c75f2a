/**
 * What the live view shows, as plain JSON the page renders: the lab's topology (routers,
 * nodes, which router answers which BGPSessionState peer) and the watched objects cut down to
 * the fields the page draws. Pure: no I/O, so the projections are unit-tested on their own.
 */
import type { KubeResource } from '../k8s/client.js';
import { sessionPeerName } from '../metallb/session-state.js';
import type { Scenario } from '../scenario/types.js';

/** The faults the page offers, by the names `speakersim inject` takes. */
export const UI_FAULTS = [
  'link-down',
  'link-up',
  'drop-bfd',
  'restore-bfd',
  'drop-bgp',
  'restore-bgp',
  'restart',
] as const;
export type UiFault = (typeof UI_FAULTS)[number];

export interface FaultRequest {
  fault: UiFault;
  router: string;
  node?: string;
}

export interface ViewTopology {
  lab: string;
  backend: string;
  routers: {
    name: string;
    asn: number;
    addresses: string[];
    /** BGPSessionState `status.peer` values that name this router (IPv6 in label form). */
    peerNames: string[];
    bfd: boolean;
  }[];
  nodes: { name: string; addresses: string[] }[];
  faults: readonly UiFault[];
}

function addressesOf(a: { ipv4?: { address: string }; ipv6?: { address: string } }): string[] {
  return [a.ipv4?.address, a.ipv6?.address].filter((x): x is string => x !== undefined);
}

export function viewTopology(scenario: Scenario, backend: string): ViewTopology {
  const t = scenario.topology;
  return {
    lab: t.lab,
    backend,
    routers: t.routers.map((r) => ({
      name: r.name,
      asn: r.asn,
      addresses: addressesOf(r.addresses),
      peerNames: addressesOf(r.addresses).map(sessionPeerName),
      bfd: r.bfd !== undefined,
    })),
    nodes: t.nodes.map((n) => ({ name: n.name, addresses: addressesOf(n.addresses) })),
    faults: UI_FAULTS,
  };
}

/** The kinds the view watches on the API server. */
export const WATCHED = [
  { apiVersion: 'frrk8s.metallb.io/v1beta1', kind: 'BGPSessionState' },
  { apiVersion: 'metallb.io/v1beta1', kind: 'ServiceBGPStatus' },
  { apiVersion: 'v1', kind: 'Service' },
] as const;
export type WatchedKind = (typeof WATCHED)[number]['kind'];

/** One row of `kubectl get bgpsessionstates -A -o wide`, plus what the drawing needs. */
export interface SessionRow {
  namespace: string;
  name: string;
  node: string;
  peer: string;
  vrf: string;
  bgp: string;
  bfd: string;
  resourceVersion: string;
}

export interface ServiceAnnouncement {
  namespace: string;
  name: string;
  node: string;
  serviceName: string;
  serviceNamespace: string;
  peers: string[];
}

export interface ServiceRow {
  namespace: string;
  name: string;
  type: string;
  ips: string[];
}

export type ViewObject = SessionRow | ServiceAnnouncement | ServiceRow;

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

/** Cuts a watched object down to what the page draws; every field a string (or strings). */
export function project(kind: WatchedKind, obj: KubeResource): ViewObject {
  const meta = { namespace: str(obj.metadata?.namespace), name: str(obj.metadata?.name) };
  const status = ((obj as { status?: unknown }).status ?? {}) as Record<string, unknown>;
  switch (kind) {
    case 'BGPSessionState':
      return {
        ...meta,
        node: str(status['node']),
        peer: str(status['peer']),
        vrf: str(status['vrf']),
        bgp: str(status['bgpStatus']),
        bfd: str(status['bfdStatus']),
        resourceVersion: str(obj.metadata?.resourceVersion),
      };
    case 'ServiceBGPStatus':
      return {
        ...meta,
        node: str(status['node']),
        serviceName: str(status['serviceName']),
        serviceNamespace: str(status['serviceNamespace']),
        peers: Array.isArray(status['peers']) ? status['peers'].map(str) : [],
      };
    case 'Service': {
      const spec = ((obj as { spec?: unknown }).spec ?? {}) as Record<string, unknown>;
      const lb = (status['loadBalancer'] ?? {}) as { ingress?: unknown };
      const ingress = Array.isArray(lb.ingress) ? lb.ingress : [];
      return {
        ...meta,
        type: str(spec['type']),
        ips: ingress.map((i) => str((i as { ip?: unknown } | null)?.ip)).filter((ip) => ip !== ''),
      };
    }
  }
}

/** Validates a fault request from the page (anything else is refused, never half-run). */
export function parseFaultRequest(
  body: unknown,
  topology: ViewTopology,
): { ok: true; request: FaultRequest } | { ok: false; reason: string } {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return { ok: false, reason: 'expected a JSON object {fault, router, node?}' };
  const b = body as Record<string, unknown>;
  if (typeof b['fault'] !== 'string' || !(UI_FAULTS as readonly string[]).includes(b['fault']))
    return { ok: false, reason: `fault must be one of ${UI_FAULTS.join(', ')}` };
  if (typeof b['router'] !== 'string' || !topology.routers.some((r) => r.name === b['router']))
    return {
      ok: false,
      reason: `router must be one of ${topology.routers.map((r) => r.name).join(', ')}`,
    };
  const node = b['node'];
  if (
    node !== undefined &&
    node !== '' &&
    (typeof node !== 'string' || !topology.nodes.some((n) => n.name === node))
  )
    return {
      ok: false,
      reason: `node must be one of ${topology.nodes.map((n) => n.name).join(', ')}`,
    };
  return {
    ok: true,
    request: {
      fault: b['fault'] as UiFault,
      router: b['router'],
      ...(typeof node === 'string' && node !== '' ? { node } : {}),
    },
  };
}
