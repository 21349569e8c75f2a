/** Small builders for MetalLB objects in tests: plain JSON like the API returns. */
import type {
  BFDProfile,
  BGPAdvertisement,
  BGPPeer,
  ClusterResources,
  Community,
  EndpointSlice,
  IPAddressPool,
  L2Advertisement,
  Node,
  Service,
} from '../../src/metallb/types.js';
import { emptyClusterResources } from '../../src/metallb/types.js';

const NS = 'metallb-system';

export function pool(
  name: string,
  addresses: string[],
  spec: Partial<IPAddressPool['spec']> = {},
  labels?: Record<string, string>,
): IPAddressPool {
  return { metadata: { name, namespace: NS, labels }, spec: { addresses, ...spec } };
}

export function peer(name: string, spec: Partial<BGPPeer['spec']>): BGPPeer {
  return {
    metadata: { name, namespace: NS },
    spec: { myASN: 64501, peerASN: 64500, peerAddress: '192.168.1.1', ...spec },
  };
}

export function bgpAdv(name: string, spec: BGPAdvertisement['spec'] = {}): BGPAdvertisement {
  return { metadata: { name, namespace: NS }, spec };
}

export function l2Adv(name: string, spec: L2Advertisement['spec'] = {}): L2Advertisement {
  return { metadata: { name, namespace: NS }, spec };
}

export function bfd(name: string, spec: BFDProfile['spec'] = {}): BFDProfile {
  return { metadata: { name, namespace: NS }, spec };
}

export function community(name: string, aliases: { name: string; value: string }[]): Community {
  return { metadata: { name, namespace: NS }, spec: { communities: aliases } };
}

export function node(
  name: string,
  labels: Record<string, string> = {},
  address?: string,
  address6?: string,
): Node {
  const addresses = [
    ...(address ? [{ type: 'InternalIP' as const, address }] : []),
    ...(address6 ? [{ type: 'InternalIP' as const, address: address6 }] : []),
  ];
  return {
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...labels } },
    status: { addresses },
  };
}

export function resources(r: Partial<ClusterResources>): ClusterResources {
  return { ...emptyClusterResources(), ...r };
}

export function service(
  name: string,
  opts: {
    namespace?: string;
    annotations?: Record<string, string>;
    labels?: Record<string, string>;
    clusterIPs?: string[];
    ipFamilyPolicy?: Service['spec']['ipFamilyPolicy'];
    ipFamilies?: Service['spec']['ipFamilies'];
    loadBalancerIP?: string;
    ports?: { port: number; protocol?: 'TCP' | 'UDP' }[];
    etp?: 'Cluster' | 'Local';
    selector?: Record<string, string>;
    ingress?: string[];
    type?: Service['spec']['type'];
  } = {},
): Service {
  const clusterIPs = opts.clusterIPs ?? ['172.30.116.108'];
  return {
    metadata: {
      name,
      namespace: opts.namespace ?? 'default',
      annotations: opts.annotations,
      labels: opts.labels,
    },
    spec: {
      type: opts.type ?? 'LoadBalancer',
      clusterIP: clusterIPs[0],
      clusterIPs,
      ipFamilyPolicy: opts.ipFamilyPolicy,
      ipFamilies: opts.ipFamilies,
      loadBalancerIP: opts.loadBalancerIP,
      externalTrafficPolicy: opts.etp ?? 'Cluster',
      ports: (opts.ports ?? [{ port: 80 }]).map((p) => ({
        port: p.port,
        protocol: p.protocol ?? 'TCP',
      })),
      selector: opts.selector ?? { app: name },
    },
    status: opts.ingress ? { loadBalancer: { ingress: opts.ingress.map((ip) => ({ ip })) } } : {},
  };
}

export function slice(
  svc: string,
  eps: { node: string; ready?: boolean; serving?: boolean; ip?: string }[],
  namespace = 'default',
): EndpointSlice {
  return {
    metadata: { name: `${svc}-abc`, namespace, labels: { 'kubernetes.io/service-name': svc } },
    addressType: 'IPv4',
    endpoints: eps.map((e, i) => ({
      addresses: [e.ip ?? `10.128.0.${i + 10}`],
      nodeName: e.node,
      conditions: {
        ready: e.ready ?? true,
        ...(e.serving === undefined ? {} : { serving: e.serving }),
      },
    })),
  };
}
