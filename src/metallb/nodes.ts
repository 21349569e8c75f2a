/** Node eligibility for announcing (MetalLB internal/k8s/nodes). */
import { type IPFamily, formatIP, parseIP } from './ip.js';
import type { Node } from './types.js';

export const EXCLUDE_FROM_LB_LABEL = 'node.kubernetes.io/exclude-from-external-load-balancers';

/** A node whose network is marked unavailable must not attract traffic. */
export function nodeNetworkAvailable(node: Node | undefined): boolean {
  if (!node) return false;
  return !(node.status?.conditions ?? []).some(
    (c) => c.type === 'NetworkUnavailable' && c.status === 'True',
  );
}

export function nodeExcludedFromLB(node: Node | undefined): boolean {
  return node?.metadata.labels?.[EXCLUDE_FROM_LB_LABEL] !== undefined;
}

/** The node's first InternalIP of the family (canonical text), if any. */
export function nodeAddress(node: Node | undefined, family: IPFamily): string | undefined {
  for (const a of node?.status?.addresses ?? []) {
    if (a.type !== 'InternalIP') continue;
    const ip = parseIP(a.address);
    if (ip?.family === family) return formatIP(ip);
  }
  return undefined;
}
