/**
 * What a Service asks of MetalLB's IP allocation (reference §16; MetalLB controller/service.go
 * and internal/ipfamily): annotations (metallb.io/X wins over metallb.universe.tf/X), requested
 * IPs, IP family, ports and the sharing/backend keys.
 */
import { goQuote, goQuoteList } from './go-format.js';
import { type IPAddr, type IPFamily, formatIP, parseIP } from './ip.js';
import { labelSetString } from './labels.js';
import type { Service } from './types.js';

export const ANNOTATION = {
  addressPool: 'metallb.io/address-pool',
  loadBalancerIPs: 'metallb.io/loadBalancerIPs',
  ipAllocatedFromPool: 'metallb.io/ip-allocated-from-pool',
  allowSharedIP: 'metallb.io/allow-shared-ip',
} as const;

export const DEPRECATED_ANNOTATION = {
  addressPool: 'metallb.universe.tf/address-pool',
  loadBalancerIPs: 'metallb.universe.tf/loadBalancerIPs',
  ipAllocatedFromPool: 'metallb.universe.tf/ip-allocated-from-pool',
  allowSharedIP: 'metallb.universe.tf/allow-shared-ip',
} as const;

/** ipfamily.Family: a single family or both. */
export type ServiceFamily = IPFamily | 'dual';

export type FamilyPolicy = 'SingleStack' | 'PreferDualStack' | 'RequireDualStack';

/** The stable annotation wins when present (even if empty), else the deprecated one, else ''. */
export function annotationValue(svc: Service, key: keyof typeof ANNOTATION): string {
  const a = svc.metadata.annotations ?? {};
  if (Object.prototype.hasOwnProperty.call(a, ANNOTATION[key])) return a[ANNOTATION[key]] ?? '';
  return a[DEPRECATED_ANNOTATION[key]] ?? '';
}

export function requestedPool(svc: Service): string {
  return annotationValue(svc, 'addressPool');
}

export function sharingKey(svc: Service): string {
  return annotationValue(svc, 'allowSharedIP');
}

/**
 * Services sharing an IP with externalTrafficPolicy Local must select the same pods, or the
 * traffic would land on nodes without endpoints: the selector is part of the sharing key.
 */
export function backendKey(svc: Service): string {
  return svc.spec.externalTrafficPolicy === 'Local' ? labelSetString(svc.spec.selector) : '';
}

export interface Port {
  proto: string;
  port: number;
}

export function portString(p: Port): string {
  return `${p.proto}/${p.port}`;
}

export function servicePorts(svc: Service): Port[] {
  return (svc.spec.ports ?? []).map((p) => ({ proto: p.protocol ?? 'TCP', port: p.port }));
}

export function familyPolicy(svc: Service): FamilyPolicy {
  return svc.spec.ipFamilyPolicy ?? 'SingleStack';
}

export type Outcome<T> = { ok: true; value: T } | { ok: false; message: string };

/** ipfamily.ForAddressesIPs: one IP -> its family; two of different families -> dual. */
export function familyOfIPs(ips: readonly IPAddr[]): Outcome<ServiceFamily> {
  if (ips.length === 1) return { ok: true, value: ips[0]!.family };
  if (ips.length === 2) {
    if (ips[0]!.family === ips[1]!.family) {
      return {
        ok: false,
        message: `IPFamilyForAddresses: same address family ${goQuoteList(ips.map(formatIP))}`,
      };
    }
    return { ok: true, value: 'dual' };
  }
  return { ok: false, message: `IPFamilyForAddresses: invalid slice length ${ips.length}` };
}

/** ipfamily.ForService: from clusterIPs (or clusterIP). */
export function serviceFamily(svc: Service): Outcome<ServiceFamily> {
  const texts = svc.spec.clusterIPs?.length ? svc.spec.clusterIPs : [svc.spec.clusterIP ?? ''];
  const ips: IPAddr[] = [];
  for (const t of texts) {
    const ip = parseIP(t);
    if (!ip) return { ok: false, message: `IPFamilyForAddresses: invalid address ${goQuote(t)}` };
    ips.push(ip);
  }
  return familyOfIPs(ips);
}

/** Requested load-balancer IPs: the loadBalancerIPs annotation or spec.loadBalancerIP. */
export function desiredIPs(svc: Service): Outcome<{ ips: IPAddr[]; family?: ServiceFamily }> {
  const annotated = annotationValue(svc, 'loadBalancerIPs');
  const specIP = svc.spec.loadBalancerIP ?? '';
  if (annotated === '' && specIP === '') return { ok: true, value: { ips: [] } };
  if (annotated !== '' && specIP !== '') {
    return {
      ok: false,
      message: `service can not have both ${ANNOTATION.loadBalancerIPs} and svc.Spec.LoadBalancerIP`,
    };
  }
  if (annotated !== '') {
    const ips: IPAddr[] = [];
    for (const part of annotated.split(',')) {
      const ip = parseIP(part.trim());
      if (!ip) {
        return {
          ok: false,
          message: `invalid ${ANNOTATION.loadBalancerIPs}: ${goQuote(annotated)}`,
        };
      }
      ips.push(ip);
    }
    const fam = familyOfIPs(ips);
    if (!fam.ok) return fam;
    return { ok: true, value: { ips, family: fam.value } };
  }
  const ip = parseIP(specIP);
  if (!ip) return { ok: false, message: `invalid spec.loadBalancerIP ${goQuote(specIP)}` };
  return { ok: true, value: { ips: [ip], family: ip.family } };
}

export function serviceKey(svc: Service): string {
  return `${svc.metadata.namespace ?? ''}/${svc.metadata.name ?? ''}`;
}

/** The IPs in status.loadBalancer.ingress that parse. */
export function ingressIPs(svc: Service): IPAddr[] {
  const out: IPAddr[] = [];
  for (const ing of svc.status?.loadBalancer?.ingress ?? []) {
    if (!ing.ip) continue;
    const ip = parseIP(ing.ip);
    if (ip) out.push(ip);
  }
  return out;
}
