import { join } from 'node:path';
import type { LabTopology } from './topology.js';

/**
 * Every kernel object and file a lab creates is named from the lab name, so that `down --force`
 * can sweep by prefix after a crash. Linux interface names are at most 15 bytes (IFNAMSIZ - 1):
 * `ssim-` + lab (<= 5) + `-` + 4 = 15.
 */

export const LAB_RUN_ROOT = '/run/speakersim';
export const NAME_PREFIX = 'ssim-';

/** Everything of lab `lab` starts with this (the trailing dash keeps `a` apart from `ab`). */
export function labPrefix(lab: string): string {
  return `${NAME_PREFIX}${lab}-`;
}

export function routerNamespace(lab: string, router: string): string {
  return `${labPrefix(lab)}${router}`;
}

const base36 = (i: number): string => i.toString(36);

/** Bridge in the host namespace for segment number `segmentIndex`. */
export function bridgeName(lab: string, segmentIndex: number): string {
  return `${labPrefix(lab)}b${base36(segmentIndex)}`;
}

/** Host-side end of the veth pair joining router `routerIndex` to segment `segmentIndex`. */
export function hostVethName(lab: string, routerIndex: number, segmentIndex: number): string {
  return `${labPrefix(lab)}r${base36(routerIndex)}s${base36(segmentIndex)}`;
}

/** Router-side end of that veth pair, inside the router's namespace. */
export function routerIfName(segmentIndex: number): string {
  return `eth${segmentIndex}`;
}

/** nftables table that fault injection uses inside a router's namespace. */
export function nftTableName(lab: string): string {
  return `ssim_${lab}`;
}

export function labRunDir(lab: string, root = LAB_RUN_ROOT): string {
  return join(root, lab);
}

export function routerRunDir(lab: string, router: string, root = LAB_RUN_ROOT): string {
  return join(root, lab, router);
}

export function stateFilePath(lab: string, root = LAB_RUN_ROOT): string {
  return join(root, lab, 'state.json');
}

/** All interface and namespace names a topology will create, for tests and the state file. */
export function plannedNames(t: LabTopology): { namespaces: string[]; links: string[] } {
  const segIndex = new Map(t.segments.map((s, i) => [s.name, i]));
  return {
    namespaces: t.routers.map((r) => routerNamespace(t.name, r.name)),
    links: [
      ...t.segments.map((_, i) => bridgeName(t.name, i)),
      ...t.routers.flatMap((r, ri) =>
        r.interfaces.map((itf) => hostVethName(t.name, ri, segIndex.get(itf.segment) ?? 0)),
      ),
    ],
  };
}
