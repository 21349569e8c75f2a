import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { LabTopology } from './topology.js';
import { formatIpv6 } from '../bgp/wire/ip.js';
import { linkLocalFromMac } from '../l2/wire/mac.js';

/**
 * Every kernel object, container and file a lab creates is named from the lab name, so that
 * `down --force` can sweep by prefix after a crash, and two labs with different names never
 * share one. Namespaces, containers and docker networks carry the whole name
 * (`ssim-<lab>-...`). Linux interface names are at most 15 bytes (IFNAMSIZ - 1), so links use
 * `ssim-<lab>-` only for names of up to 5 characters and `ssim<6 hex of sha256(lab)>-`
 * otherwise: never a truncation that makes two names one.
 */

export const LAB_RUN_ROOT = '/run/speakersim';
export const NAME_PREFIX = 'ssim-';
/** What every lab's links start with, whichever form linkPrefix takes (`ssim-x-`, `ssim1a2b3c-`). */
export const LAB_LINK_STEM = 'ssim';
/** Lab names: like a DNS label, up to 32 characters. */
export const LAB_NAME_MAX = 32;

/** Namespaces and containers of lab `lab` start with this (the dash keeps `a` apart from `ab`). */
export function labPrefix(lab: string): string {
  return `${NAME_PREFIX}${lab}-`;
}

/**
 * True when `name` is one of the lab's own (prefix, then a dash-free rest): `ssim-lab-r1` is lab
 * `lab`'s, `ssim-lab-x-r1` is lab `lab-x`'s (router, segment and link suffixes have no dash).
 */
export function ownedName(name: string, prefix: string): boolean {
  return name.startsWith(prefix) && !name.slice(prefix.length).includes('-');
}

const shortHash = (text: string, n: number): string =>
  createHash('sha256').update(text).digest('hex').slice(0, n);

/** Host interfaces (bridges, veth ends) of lab `lab` start with this; at most 11 bytes. */
export function linkPrefix(lab: string): string {
  return /^[a-z0-9]{1,5}$/.test(lab) ? labPrefix(lab) : `ssim${shortHash(lab, 6)}-`;
}

/**
 * A lab name for any text (a scenario's name): lower case, [a-z0-9-], at most LAB_NAME_MAX
 * characters; a longer or rewritten text keeps a hash of the original so that two texts that
 * differ stay two names.
 */
export function labNameFor(text: string): string {
  const clean = text
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  if (clean === text && clean.length > 0 && clean.length <= LAB_NAME_MAX) return clean;
  const head = clean.slice(0, LAB_NAME_MAX - 7).replace(/-+$/, '');
  return `${head || 'lab'}-${shortHash(text, 6)}`;
}

export function routerNamespace(lab: string, router: string): string {
  return `${labPrefix(lab)}${router}`;
}

/**
 * Namespace of a router's VRF (`routers[].vrf`): its interfaces live there and FRR, running in
 * the router's own namespace with the netns VRF backend, sees it as that VRF (daemons.ts).
 * Dash-free after the prefix, and with a dot no router name has.
 */
export function routerVrfNamespace(lab: string, router: string): string {
  return `${routerNamespace(lab, router)}.vrf`;
}

/** Where a router's interfaces are: its VRF's namespace when it is in one, else its own. */
export function routerInterfaceNamespace(lab: string, router: { name: string; vrf?: string }) {
  return router.vrf === undefined
    ? routerNamespace(lab, router.name)
    : routerVrfNamespace(lab, router.name);
}

const base36 = (i: number): string => i.toString(36);

/**
 * Namespace of node `nodeIndex`'s interface in its VRF number `vrfIndex`: the node's VRF as a
 * routing instance of its own (this kernel has no VRF devices). Dash-free after the prefix, and
 * with a dot no router name has.
 */
export function nodeVrfNamespace(lab: string, nodeIndex: number, vrfIndex: number): string {
  return `${labPrefix(lab)}n${base36(nodeIndex)}.v${base36(vrfIndex)}`;
}

/** Host-side end of the veth pair joining that namespace to the VRF's segment. */
export function nodeVrfVethName(lab: string, nodeIndex: number, vrfIndex: number): string {
  return `${linkPrefix(lab)}n${base36(nodeIndex)}v${base36(vrfIndex)}`;
}

/** Bridge in the host namespace for segment number `segmentIndex`. */
export function bridgeName(lab: string, segmentIndex: number): string {
  return `${linkPrefix(lab)}b${base36(segmentIndex)}`;
}

/** Host-side end of the veth pair joining router `routerIndex` to segment `segmentIndex`. */
export function hostVethName(lab: string, routerIndex: number, segmentIndex: number): string {
  return `${linkPrefix(lab)}r${base36(routerIndex)}s${base36(segmentIndex)}`;
}

/**
 * A simulated node's own port on its segment (the node number `nodeIndex` in the topology):
 * a veth whose MAC is `nodeMac`, its peer (`nodeBridgePortName`) a port of the bridge.
 */
export function nodePortName(lab: string, nodeIndex: number): string {
  return `${linkPrefix(lab)}n${base36(nodeIndex)}`;
}

export function nodeBridgePortName(lab: string, nodeIndex: number): string {
  return `${linkPrefix(lab)}p${base36(nodeIndex)}`;
}

/**
 * A MAC that is the same for (lab, station) on every run and every backend: locally
 * administered and unicast (IEEE 802: first octet 0x02), the rest from SHA-256.
 */
export function labMac(lab: string, station: string): string {
  const h = createHash('sha256').update(`${lab}/${station}`).digest();
  return ['02', ...[...h.subarray(0, 5)].map((b) => b.toString(16).padStart(2, '0'))].join(':');
}

/** The MAC of a simulated node on its segment: what the L2 leader answers ARP/NDP with. */
export function nodeMac(lab: string, node: string): string {
  return labMac(lab, `node/${node}`);
}

/**
 * The IPv6 link-local address a MAC gives an interface (RFC 4291 2.5.6 and App. A, modified
 * EUI-64), as the kernel forms it: what an unnumbered session (RFC 8950) runs between.
 */
export function linkLocalOf(mac: string): string {
  return formatIpv6(linkLocalFromMac(mac), 0);
}

/** The MAC of a builtin router on the segment (netns and compose routers have the kernel's). */
export function routerMac(lab: string, router: string): string {
  return labMac(lab, `router/${router}`);
}

/** Router-side end of a router's veth pair, inside the router's namespace. */
export function routerIfName(segmentIndex: number): string {
  return `eth${segmentIndex}`;
}

/** nftables table that fault injection uses inside a router's namespace. */
export function nftTableName(lab: string): string {
  // nft identifiers take no dash; lab names have no underscore, so this stays one-to-one.
  return `ssim_${lab.replace(/-/g, '_')}`;
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
export function plannedNames(t: LabTopology): {
  namespaces: string[];
  links: string[];
  bridges: string[];
  routerVeths: string[];
  nodePorts: string[];
} {
  const segIndex = new Map(t.segments.map((s, i) => [s.name, i]));
  const bridges = t.segments.map((_, i) => bridgeName(t.name, i));
  const routerVeths = t.routers.flatMap((r, ri) =>
    r.interfaces.map((itf) => hostVethName(t.name, ri, segIndex.get(itf.segment) ?? 0)),
  );
  const nodePorts = t.nodes.map((_, i) => nodePortName(t.name, i));
  return {
    namespaces: [
      ...t.routers.flatMap((r) =>
        r.vrf === undefined
          ? [routerNamespace(t.name, r.name)]
          : [routerNamespace(t.name, r.name), routerVrfNamespace(t.name, r.name)],
      ),
      ...t.nodes.flatMap((n, ni) =>
        (n.vrfs ?? []).map((_, vi) => nodeVrfNamespace(t.name, ni, vi)),
      ),
    ],
    links: [
      ...bridges,
      ...routerVeths,
      ...nodePorts,
      ...t.nodes.flatMap((n, ni) => (n.vrfs ?? []).map((_, vi) => nodeVrfVethName(t.name, ni, vi))),
    ],
    bridges,
    routerVeths,
    nodePorts,
  };
}
