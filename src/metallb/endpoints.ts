/**
 * Endpoint readiness as MetalLB's speakers judge it (internal/k8s/epslices and the BGP and L2
 * controllers): which Services have a serving endpoint, and on which nodes.
 */
import type { EndpointConditions, EndpointSlice, Service } from './types.js';

/** Ready (absent counts as ready, per discovery.k8s.io/v1) or serving. */
export function endpointCanServe(c: EndpointConditions | undefined): boolean {
  if (!c || c.ready === undefined || c.ready) return true;
  return c.serving === true;
}

export function slicesForService(svc: Service, slices: readonly EndpointSlice[]): EndpointSlice[] {
  return slices.filter(
    (s) =>
      (s.metadata.namespace ?? '') === (svc.metadata.namespace ?? '') &&
      s.metadata.labels?.['kubernetes.io/service-name'] === svc.metadata.name,
  );
}

/**
 * At least one endpoint address on an accepted node is healthy; an address listed unhealthy
 * anywhere counts as unhealthy (MetalLB's hasHealthyEndpoint).
 */
export function hasHealthyEndpoint(slices: readonly EndpointSlice[], onNode?: string): boolean {
  const ready = new Map<string, boolean>();
  for (const s of slices) {
    for (const ep of s.endpoints ?? []) {
      if (onNode !== undefined && ep.nodeName !== onNode) continue;
      const ok = endpointCanServe(ep.conditions);
      for (const addr of ep.addresses) {
        if (!ok) ready.set(addr, false);
        else if (!ready.has(addr)) ready.set(addr, true);
      }
    }
  }
  return [...ready.values()].some(Boolean);
}

export function activeEndpointExists(slices: readonly EndpointSlice[]): boolean {
  return slices.some((s) => (s.endpoints ?? []).some((ep) => endpointCanServe(ep.conditions)));
}

/** Nodes hosting at least one endpoint that can serve. */
export function nodesWithServingEndpoints(slices: readonly EndpointSlice[]): Set<string> {
  const out = new Set<string>();
  for (const s of slices) {
    for (const ep of s.endpoints ?? []) {
      if (ep.nodeName && endpointCanServe(ep.conditions)) out.add(ep.nodeName);
    }
  }
  return out;
}
