/**
 * Layer 2 mode: the one node that answers ARP/NDP for a Service IP, and the ServiceL2Status
 * that reports it (reference §6; MetalLB speaker layer2_controller.go). Every speaker computes
 * the same election: eligible nodes sorted by SHA-256 of `node#ip` (ip = the Service's first
 * IP), first one wins.
 */
import { createHash } from 'node:crypto';
import type { MetallbConfig, ParsedPool } from './config.js';
import { activeEndpointExists, nodesWithServingEndpoints, slicesForService } from './endpoints.js';
import { formatIP } from './ip.js';
import { anySelectorMatches } from './labels.js';
import { nodeExcludedFromLB, nodeNetworkAvailable } from './nodes.js';
import { isServedService, poolForIPs } from './announce.js';
import { ingressIPs } from './service-ip.js';
import type { EndpointSlice, Node, Service, ServiceL2Status } from './types.js';
import { METALLB_NAMESPACE } from './types.js';

export interface L2Input {
  config: Pick<MetallbConfig, 'pools'>;
  nodes: readonly Node[];
  services: readonly Service[];
  endpointSlices: readonly EndpointSlice[];
  /** Nodes with a live speaker (memberlist); default: every node. */
  speakerNodes?: readonly string[];
  loadBalancerClass?: string;
  ignoreExcludeLB?: boolean;
}

export interface DesiredServiceL2Status {
  node: string;
  serviceName: string;
  serviceNamespace: string;
  /** Omitted (undefined) when the advertisements allow every interface. */
  interfaces?: string[];
}

function l2NodesForPool(pool: ParsedPool, svc: Service): Set<string> {
  const out = new Set<string>();
  for (const ad of pool.l2Advertisements) {
    if (!anySelectorMatches(ad.serviceSelectors, svc.metadata.labels)) continue;
    for (const n of ad.nodes) out.add(n);
  }
  return out;
}

/** The nodes in election order (sha256(node + '#' + ip) ascending, bytewise). */
export function l2ElectionOrder(nodes: readonly string[], ip: string): string[] {
  const hashed = nodes.map((n) => ({ n, h: createHash('sha256').update(`${n}#${ip}`).digest() }));
  hashed.sort((a, b) => Buffer.compare(a.h, b.h));
  return hashed.map((x) => x.n);
}

/** The elected node for one Service, or undefined when nobody may announce it. */
export function electL2Node(input: L2Input, svc: Service): string | undefined {
  const ips = ingressIPs(svc);
  if (ips.length === 0 || !isServedService(svc, input.loadBalancerClass)) return undefined;
  const pool = poolForIPs(input.config.pools.values(), ips);
  if (!pool) return undefined;
  const slices = slicesForService(svc, input.endpointSlices);
  if (!activeEndpointExists(slices)) return undefined;
  const speakers = new Set(input.speakerNodes ?? input.nodes.map((n) => n.metadata.name ?? ''));
  const advertised = l2NodesForPool(pool, svc);
  let eligible = input.nodes
    .filter((n) => {
      const name = n.metadata.name ?? '';
      return (
        speakers.has(name) &&
        advertised.has(name) &&
        nodeNetworkAvailable(n) &&
        (input.ignoreExcludeLB === true || !nodeExcludedFromLB(n))
      );
    })
    .map((n) => n.metadata.name ?? '');
  if (svc.spec.externalTrafficPolicy === 'Local') {
    const withEndpoints = nodesWithServingEndpoints(slices);
    eligible = eligible.filter((n) => withEndpoints.has(n));
  }
  if (eligible.length === 0) return undefined;
  return l2ElectionOrder(eligible, formatIP(ips[0]!))[0];
}

/** Interfaces the winner announces on; undefined when any advertisement allows all. */
function interfacesFor(pool: ParsedPool, svc: Service, node: string): string[] | undefined {
  const ifs = new Set<string>();
  for (const ad of pool.l2Advertisements) {
    if (!ad.nodes.has(node) || !anySelectorMatches(ad.serviceSelectors, svc.metadata.labels))
      continue;
    if (ad.allInterfaces) return undefined;
    for (const i of ad.interfaces) ifs.add(i);
  }
  return ifs.size > 0 ? [...ifs].sort() : undefined;
}

export function planL2(input: L2Input): DesiredServiceL2Status[] {
  const out: DesiredServiceL2Status[] = [];
  for (const svc of input.services) {
    const node = electL2Node(input, svc);
    if (node === undefined) continue;
    const pool = poolForIPs(input.config.pools.values(), ingressIPs(svc))!;
    const d: DesiredServiceL2Status = {
      node,
      serviceName: svc.metadata.name ?? '',
      serviceNamespace: svc.metadata.namespace ?? '',
    };
    const ifs = interfacesFor(pool, svc, node);
    if (ifs) d.interfaces = ifs;
    out.push(d);
  }
  return out.sort((a, b) =>
    a.serviceNamespace !== b.serviceNamespace
      ? a.serviceNamespace < b.serviceNamespace
        ? -1
        : 1
      : a.serviceName < b.serviceName
        ? -1
        : a.serviceName > b.serviceName
          ? 1
          : 0,
  );
}

export function serviceL2StatusObject(
  d: DesiredServiceL2Status,
  namespace = METALLB_NAMESPACE,
): ServiceL2Status {
  const status: ServiceL2Status['status'] = {
    node: d.node,
    serviceName: d.serviceName,
    serviceNamespace: d.serviceNamespace,
  };
  if (d.interfaces) status.interfaces = d.interfaces.map((name) => ({ name }));
  return {
    apiVersion: 'metallb.io/v1beta1',
    kind: 'ServiceL2Status',
    metadata: {
      generateName: 'l2-',
      namespace,
      labels: {
        'metallb.io/node': d.node,
        'metallb.io/service-name': d.serviceName,
        'metallb.io/service-namespace': d.serviceNamespace,
      },
    },
    spec: {},
    status,
  };
}
