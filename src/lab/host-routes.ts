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

/**
 * The ranges every lab address comes from (never routed: RFC 2544 198.18.0.0/15, RFC 3849
 * 2001:db8::/32). While a lab is up the host holds an `unreachable` route for each, so a packet
 * to a lab address that no lab segment covers (a peer of a node VRF tried from the default
 * namespace, a node still retrying after its lab went down) fails at once with EHOSTUNREACH
 * instead of leaving through the host's default route. The lab's own segments are longer
 * prefixes and win.
 */
export const LAB_RANGES = ['198.18.0.0/15', '2001:db8::/32'] as const;

function familyFlag(dst: string): '-4' | '-6' {
  return dst.includes(':') ? '-6' : '-4';
}

/** Adds the `unreachable` routes for LAB_RANGES where missing (idempotent). */
export function guardLabRanges(): void {
  const present = new Set(readUnreachable());
  for (const dst of LAB_RANGES) {
    if (present.has(dst)) continue;
    // `add`, not `replace`: a route the host already has for the range stays as it is.
    runSync(['ip', familyFlag(dst), 'route', 'add', 'unreachable', dst], { allowFailure: true });
  }
}

/** Removes the `unreachable` routes for LAB_RANGES (only that type: never a real route). */
export function releaseLabRanges(): void {
  const present = new Set(readUnreachable());
  for (const dst of LAB_RANGES) {
    if (!present.has(dst)) continue;
    runSync(['ip', familyFlag(dst), 'route', 'del', 'unreachable', dst], { allowFailure: true });
  }
}

/** Destinations of the host's `unreachable` routes, both families. */
export function readUnreachable(): string[] {
  return readRouteJson()
    .filter((e) => e.type === 'unreachable' && typeof e.dst === 'string')
    .map((e) => e.dst as string);
}

function readRouteJson(): { dst?: unknown; dev?: unknown; type?: unknown }[] {
  const out: { dst?: unknown; dev?: unknown; type?: unknown }[] = [];
  for (const family of ['-4', '-6']) {
    const r = runSync(['ip', '-j', family, 'route', 'show'], { allowFailure: true });
    try {
      const parsed: unknown = JSON.parse(r.stdout || '[]');
      if (Array.isArray(parsed)) out.push(...(parsed as { dst?: unknown }[]));
    } catch {
      // No JSON means no routes.
    }
  }
  return out;
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

/**
 * The host's main-table routes that carry traffic, both families, from `ip -j route show`
 * (unreachable, blackhole and prohibit routes lead nowhere: they conflict with no segment).
 */
export function readHostRoutes(): HostRoute[] {
  const out: HostRoute[] = [];
  for (const e of readRouteJson()) {
    if (typeof e.dst !== 'string') continue;
    if (e.type === 'unreachable' || e.type === 'blackhole' || e.type === 'prohibit') continue;
    out.push({ dst: e.dst, ...(typeof e.dev === 'string' ? { dev: e.dev } : {}) });
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
