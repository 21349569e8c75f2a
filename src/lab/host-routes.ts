import { Address4, Address6 } from 'ip-address';
import { runSync } from './exec.js';
import { linkPrefix, ownedName } from './names.js';
import type { LabTopology } from './topology.js';
import { usedSegmentPrefixes } from './topology.js';

/**
 * The lab puts connected routes for its segments into the host namespace. If a segment
 * overlapped a network the host already reaches, lab traffic could leave the lab; `up` refuses
 * such a topology (ERR_LAB_PREFIX_CONFLICT). The default route overlaps everything and is ignored.
 */

export interface HostRoute {
  dst: string;
  dev?: string;
}

function overlaps(a: string, b: string): boolean {
  const v6 = a.includes(':');
  if (v6 !== b.includes(':')) return false;
  try {
    if (v6) {
      const x = new Address6(a.includes('/') ? a : `${a}/128`);
      const y = new Address6(b.includes('/') ? b : `${b}/128`);
      return x.isInSubnet(y) || y.isInSubnet(x);
    }
    const x = new Address4(a.includes('/') ? a : `${a}/32`);
    const y = new Address4(b.includes('/') ? b : `${b}/32`);
    return x.isInSubnet(y) || y.isInSubnet(x);
  } catch {
    return false;
  }
}

/** Host routes that are not lab `lab`'s own links, the default route or link-local. */
function foreignRoutes(lab: string, routes: HostRoute[]): HostRoute[] {
  const prefix = linkPrefix(lab);
  return routes.filter(
    (r) =>
      r.dst !== 'default' &&
      !r.dst.toLowerCase().startsWith('fe80:') &&
      !r.dst.toLowerCase().startsWith('ff00:') &&
      !ownedName(r.dev ?? '', prefix),
  );
}

/** Host routes (not the lab's own, not default, not link-local) that overlap a lab segment. */
export function conflictingRoutes(t: LabTopology, routes: HostRoute[]): HostRoute[] {
  const segments = t.segments.flatMap((s) => usedSegmentPrefixes(t, s));
  return foreignRoutes(t.name, routes).filter((r) => segments.some((s) => overlaps(r.dst, s)));
}

/** The host's main-table routes, both families, from `ip -j route show`. */
export function readHostRoutes(): HostRoute[] {
  const out: HostRoute[] = [];
  for (const family of ['-4', '-6']) {
    const r = runSync(['ip', '-j', family, 'route', 'show'], { allowFailure: true });
    try {
      const parsed: unknown = JSON.parse(r.stdout || '[]');
      if (!Array.isArray(parsed)) continue;
      for (const e of parsed as { dst?: unknown; dev?: unknown }[]) {
        if (typeof e.dst === 'string') {
          out.push({ dst: e.dst, ...(typeof e.dev === 'string' ? { dev: e.dev } : {}) });
        }
      }
    } catch {
      // No JSON means no routes to compare with.
    }
  }
  return out;
}

/**
 * The address blocks the host already routes (other labs' segments, netns or compose, and
 * anything else), except the lab's own links (a crashed run of it that `up` removes first):
 * what a relocated lab keeps clear of.
 */
export function hostRouteBlocks(lab: string, routes: HostRoute[] = readHostRoutes()): string[] {
  return foreignRoutes(lab, routes).map((r) => r.dst);
}
