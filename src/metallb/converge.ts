/**
 * The controller's per-Service step (MetalLB controller/service.go convergeBalancer): keep a
 * valid existing assignment, honour requested IPs and pools, otherwise allocate; produce the
 * Service's new status and annotation and the Events MetalLB records.
 */
import type { Allocator } from './allocator.js';
import { goQuote, goQuoteList } from './go-format.js';
import { type IPAddr, formatIP } from './ip.js';
import {
  ANNOTATION,
  backendKey,
  desiredIPs,
  familyOfIPs,
  familyPolicy,
  ingressIPs,
  requestedPool,
  serviceFamily,
  serviceKey,
  servicePorts,
  sharingKey,
  type Outcome,
  type ServiceFamily,
} from './service-ip.js';
import type { Service } from './types.js';

export interface ServiceEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

export interface ConvergeResult {
  /** False when MetalLB would return ErrConverge (retry later). */
  converged: boolean;
  /** The IPs status.loadBalancer.ingress must list (empty: clear it). */
  ingress: string[];
  /** metallb.io/ip-allocated-from-pool value; undefined: remove the annotation. */
  allocatedFromPool?: string;
  events: ServiceEvent[];
}

function sameIPs(a: readonly IPAddr[], b: readonly IPAddr[]): boolean {
  const sa = a.map(formatIP).sort();
  const sb = b.map(formatIP).sort();
  return sa.length === sb.length && sa.every((x, i) => x === sb[i]);
}

function familyChanged(lb: ServiceFamily, cluster: ServiceFamily, policy: string): boolean {
  if (lb === cluster) return false;
  return !(cluster === 'dual' && policy === 'PreferDualStack');
}

/** True when the Service is a LoadBalancer MetalLB should serve (no foreign loadBalancerClass). */
export function isMetallbService(svc: Service, loadBalancerClass?: string): boolean {
  if (svc.spec.type !== 'LoadBalancer') return false;
  return (svc.spec.loadBalancerClass ?? undefined) === loadBalancerClass;
}

export function convergeService(
  alloc: Allocator,
  svc: Service,
  havePools: boolean,
): ConvergeResult {
  const key = serviceKey(svc);
  const events: ServiceEvent[] = [];
  const warn = (reason: string, message: string): void =>
    void events.push({ type: 'Warning', reason, message });
  const info = (reason: string, message: string): void =>
    void events.push({ type: 'Normal', reason, message });
  const cleared = (converged: boolean): ConvergeResult => {
    alloc.unassign(key);
    return { converged, ingress: [], events };
  };

  if (svc.spec.type !== 'LoadBalancer') return cleared(true);
  if (!havePools) return cleared(false);
  if ((svc.spec.clusterIPs ?? []).length === 0 && !svc.spec.clusterIP) return cleared(false);

  let lbIPs = ingressIPs(svc);
  const policy = familyPolicy(svc);
  const ports = servicePorts(svc);
  const sk = sharingKey(svc);
  const bk = backendKey(svc);

  if (lbIPs.length === 0) {
    alloc.unassign(key);
  } else {
    const lbFam = familyOfIPs(lbIPs);
    if (!lbFam.ok) {
      warn(
        'nolbIPsIPFamily',
        `Failed to retrieve LBIPs IPFamily for ${goQuoteList(lbIPs.map(formatIP))}: ${lbFam.message}`,
      );
    }
    const clusterFam = serviceFamily(svc);
    if (!clusterFam.ok) {
      warn('noclusterIPsIPFamily', `Failed to retrieve ClusterIPs IPFamily: ${clusterFam.message}`);
      return { converged: false, ingress: lbIPs.map(formatIP), events };
    }
    if (!lbFam.ok || familyChanged(lbFam.value, clusterFam.value, policy)) {
      alloc.unassign(key);
      lbIPs = [];
    }
  }

  if (lbIPs.length > 0) {
    // Idempotent when the config still allows the IPs; otherwise it says why not.
    const r = alloc.assign(key, svc, lbIPs, ports, sk, bk);
    if (!r.ok) {
      info(
        'ClearAssignment',
        `current IP for ${goQuote(key)} not allowed by config, will attempt for new IP assignment: ${r.message}`,
      );
      alloc.unassign(key);
      lbIPs = [];
    }
    const wantPool = requestedPool(svc);
    if (lbIPs.length > 0 && wantPool !== '' && alloc.pool(key) !== wantPool) {
      alloc.unassign(key);
      lbIPs = [];
    }
    const desired = desiredIPs(svc);
    if (!desired.ok) {
      warn('LoadBalancerFailed', `invalid requested loadbalancer IPs: ${desired.message}`);
      return { converged: false, ingress: lbIPs.map(formatIP), events };
    }
    if (desired.value.ips.length > 0 && !sameIPs(lbIPs, desired.value.ips)) {
      alloc.unassign(key);
      lbIPs = [];
    }
  }

  if (lbIPs.length === 1 && policy === 'PreferDualStack') {
    const extra = alloc.allocateAdditionalFamily(
      key,
      svc,
      lbIPs[0]!,
      alloc.pool(key),
      ports,
      sk,
      bk,
    );
    if (!extra.ok) {
      info(
        'AdditionalAssignFailed',
        `cannot assign additional IP in PreferDualStack: ${extra.message}`,
      );
    } else {
      lbIPs = [...lbIPs, extra.value];
      info('IPAllocated', `Assigned additional IP ${goQuote(formatIP(extra.value))}`);
    }
  }

  if (lbIPs.length === 0) {
    const r = allocateIPs(alloc, key, svc);
    if (!r.ok) {
      warn('AllocationFailed', `Failed to allocate IP for ${goQuote(key)}: ${r.message}`);
      return cleared(false);
    }
    lbIPs = r.value;
    info('IPAllocated', `Assigned IP ${goQuoteList(lbIPs.map(formatIP))}`);
  }

  const pool = alloc.pool(key);
  if (pool === '') {
    warn('InternalError', 'allocated an IP that has no pool');
    return cleared(false);
  }
  return { converged: true, ingress: lbIPs.map(formatIP), allocatedFromPool: pool, events };
}

function allocateIPs(alloc: Allocator, key: string, svc: Service): Outcome<IPAddr[]> {
  const fam = serviceFamily(svc);
  if (!fam.ok) return fam;
  const desired = desiredIPs(svc);
  if (!desired.ok) return desired;
  const wantPool = requestedPool(svc);
  const ports = servicePorts(svc);
  const sk = sharingKey(svc);
  const bk = backendKey(svc);
  if (desired.value.ips.length > 0) {
    const ips = desired.value.ips;
    if (fam.value !== desired.value.family) {
      return {
        ok: false,
        message: `requested loadBalancer IP(s) ${goQuoteList(ips.map(formatIP))} does not match the ipFamily of the service`,
      };
    }
    const r = alloc.assign(key, svc, ips, ports, sk, bk);
    if (!r.ok) return r;
    if (wantPool !== '' && alloc.pool(key) !== wantPool) {
      alloc.unassign(key);
      return {
        ok: false,
        message: `requested loadBalancer IP(s) ${goQuoteList(ips.map(formatIP))} is not compatible with requested address pool ${wantPool}`,
      };
    }
    return { ok: true, value: ips };
  }
  if (wantPool !== '') return alloc.allocateFromPool(key, svc, fam.value, wantPool, ports, sk, bk);
  return alloc.allocate(key, svc, fam.value, ports, sk, bk);
}

/** Applies a ConvergeResult to a copy of the Service (status and pool annotation). */
export function applyConverge(svc: Service, r: ConvergeResult): Service {
  const annotations = { ...(svc.metadata.annotations ?? {}) };
  if (r.allocatedFromPool !== undefined)
    annotations[ANNOTATION.ipAllocatedFromPool] = r.allocatedFromPool;
  else delete annotations[ANNOTATION.ipAllocatedFromPool];
  return {
    ...svc,
    metadata: { ...svc.metadata, annotations },
    status: {
      ...svc.status,
      loadBalancer: r.ingress.length ? { ingress: r.ingress.map((ip) => ({ ip })) } : {},
    },
  };
}

/**
 * Rebuilds the allocator from the Services' current status, as the controller does on start:
 * Services that already hold IPs claim them first, in key order, before anything new is given.
 */
export function restoreAllocations(
  alloc: Allocator,
  services: readonly Service[],
  havePools: boolean,
): Map<string, ConvergeResult> {
  const results = new Map<string, ConvergeResult>();
  const sorted = [...services].sort((a, b) =>
    serviceKey(a) < serviceKey(b) ? -1 : serviceKey(a) > serviceKey(b) ? 1 : 0,
  );
  const holders = sorted.filter((s) => ingressIPs(s).length > 0);
  const others = sorted.filter((s) => ingressIPs(s).length === 0);
  for (const s of [...holders, ...others])
    results.set(serviceKey(s), convergeService(alloc, s, havePools));
  return results;
}
