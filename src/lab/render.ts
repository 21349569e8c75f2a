import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { SpeakersimError } from '../core/errors.js';
import type { BfdProfileSpec, LabTopology, NeighborSpec, RouterSpec } from './topology.js';
import { addressFamily } from './topology.js';

/**
 * Renders a router's FRR files (frr.conf, daemons, vtysh.conf) from the templates in
 * frr/templates. The same rendered files serve the netns lab and compose.yaml's containers.
 * Templates hold `{{name}}` placeholders; a line holding only a placeholder that renders empty
 * disappears, so optional blocks leave no blank lines.
 */

export const TEMPLATE_DIR = fileURLToPath(new URL('../../frr/templates/', import.meta.url));

export interface RenderedRouterFiles {
  'frr.conf': string;
  daemons: string;
  'vtysh.conf': string;
}

export class TemplateError extends SpeakersimError {
  constructor(message: string) {
    super('ERR_LAB_TEMPLATE_INVALID', message);
  }
}

/** Substitutes `{{name}}`; every placeholder must have a value and every value a placeholder. */
export function renderTemplate(template: string, values: Record<string, string>): string {
  const used = new Set<string>();
  const out: string[] = [];
  for (const line of template.split('\n')) {
    const only = /^\{\{(\w+)\}\}$/.exec(line);
    const rendered = line.replace(/\{\{(\w+)\}\}/g, (_, name: string) => {
      const v = values[name];
      if (v === undefined) throw new TemplateError(`no value for {{${name}}}`);
      used.add(name);
      return v;
    });
    if (only && rendered === '') continue;
    out.push(rendered);
  }
  const unused = Object.keys(values).filter((k) => !used.has(k));
  if (unused.length > 0) throw new TemplateError(`template has no {{${unused.join('}}, {{')}}}`);
  return out.join('\n');
}

function readTemplate(name: string, dir: string): string {
  try {
    return readFileSync(`${dir}/${name}`, 'utf8');
  } catch (e) {
    throw new TemplateError(`cannot read template ${dir}/${name}: ${String(e)}`);
  }
}

/** How FRR's config names a neighbour: its interface for an unnumbered one, else its address. */
function neighborName(n: NeighborSpec): string {
  return n.interface ?? n.address;
}

function neighborLines(n: NeighborSpec): string[] {
  const a = neighborName(n);
  // FRR learns an interface neighbour's link-local address from its Router Advertisements and
  // turns on RFC 8950 extended next hops for it by itself.
  const lines = [
    n.interface !== undefined
      ? ` neighbor ${a} interface remote-as ${n.remoteAsn}`
      : ` neighbor ${a} remote-as ${n.remoteAsn}`,
  ];
  if (n.port !== undefined) lines.push(` neighbor ${a} port ${n.port}`);
  if (n.password !== undefined) lines.push(` neighbor ${a} password ${n.password}`);
  if (n.ebgpMultihop !== undefined) lines.push(` neighbor ${a} ebgp-multihop ${n.ebgpMultihop}`);
  if (n.ttlSecurityHops !== undefined) {
    lines.push(` neighbor ${a} ttl-security hops ${n.ttlSecurityHops}`);
  }
  if (n.timers !== undefined) {
    lines.push(` neighbor ${a} timers ${n.timers.keepaliveS} ${n.timers.holdS}`);
  }
  if (n.connectRetryS !== undefined) lines.push(` neighbor ${a} timers connect ${n.connectRetryS}`);
  if (n.extendedNextHop) lines.push(` neighbor ${a} capability extended-nexthop`);
  if (n.bfd !== undefined) {
    lines.push(` neighbor ${a} bfd`, ` neighbor ${a} bfd profile ${n.bfd.name}`);
  }
  return lines;
}

function bfdBlock(router: RouterSpec): string {
  const profiles = new Map<string, BfdProfileSpec>();
  for (const n of router.neighbors) if (n.bfd) profiles.set(n.bfd.name, n.bfd);
  if (profiles.size === 0) return '';
  const lines = ['bfd'];
  for (const p of profiles.values()) {
    lines.push(
      ` profile ${p.name}`,
      `  receive-interval ${p.receiveIntervalMs}`,
      `  transmit-interval ${p.transmitIntervalMs}`,
      `  detect-multiplier ${p.detectMultiplier}`,
    );
    if (p.passive) lines.push('  passive-mode');
    lines.push(' exit', ' !');
  }
  // bgpd registers a multihop BFD session (RFC 5883) only once it knows the TCP source
  // address; a configured `peer ... multihop local-address` runs it from the start.
  for (const n of router.neighbors) {
    if (!n.bfd || n.ebgpMultihop === undefined) continue;
    const family = addressFamily(n.address);
    const local = router.interfaces.map((i) => i[family]).find((a) => a !== undefined);
    if (!local) continue;
    lines.push(
      ` peer ${n.address} multihop local-address ${local.split('/')[0]}${vrfSuffix(router)}`,
      `  profile ${n.bfd.name}`,
      ' exit',
      ' !',
    );
  }
  lines.push('exit');
  return lines.join('\n');
}

/** ` vrf NAME` for a router in a VRF (FRR's `router bgp ASN vrf NAME`, `peer ... vrf NAME`). */
function vrfSuffix(router: RouterSpec): string {
  return router.vrf === undefined ? '' : ` vrf ${router.vrf}`;
}

/**
 * A router in a VRF keeps an empty BGP instance in its default VRF too (as frr-k8s renders
 * one beside its VRF instances): its default table is then there and empty, which is what
 * `show bgp ipv4 unicast` should show, instead of "Default BGP instance not found".
 */
function defaultInstance(router: RouterSpec): string {
  if (router.vrf === undefined) return '';
  return [
    `router bgp ${router.asn}`,
    ` bgp router-id ${router.routerId}`,
    ' no bgp default ipv4-unicast',
    'exit',
    '!',
  ].join('\n');
}

/** Static routes go in the router's VRF's table (FRR's `vrf NAME` block) when it has one. */
function staticRoutes(router: RouterSpec, lines: string[]): string {
  if (lines.length === 0 || router.vrf === undefined) return lines.join('\n');
  return [`vrf ${router.vrf}`, ...lines.map((l) => ` ${l}`), 'exit-vrf'].join('\n');
}

function familiesOf(n: NeighborSpec): string[] {
  return n.families ?? (n.interface !== undefined ? ['ipv4', 'ipv6'] : [addressFamily(n.address)]);
}

export function renderFrrConf(lab: string, router: RouterSpec, templateDir = TEMPLATE_DIR): string {
  const v4 = router.originate?.ipv4 ?? [];
  const v6 = router.originate?.ipv6 ?? [];
  const activate = (family: string): string =>
    router.neighbors
      .filter((n) => familiesOf(n).includes(family))
      .map((n) => `  neighbor ${neighborName(n)} activate`)
      .join('\n');
  return renderTemplate(readTemplate('frr.conf.tmpl', templateDir), {
    lab,
    router: router.name,
    asn: String(router.asn),
    vrf: vrfSuffix(router),
    defaultInstance: defaultInstance(router),
    routerId: router.routerId,
    // Originated prefixes need a route in the RIB: a blackhole static is the usual anchor.
    staticRoutes: staticRoutes(router, [
      ...v4.map((p) => `ip route ${p} blackhole`),
      ...v6.map((p) => `ipv6 route ${p} blackhole`),
    ]),
    bfd: bfdBlock(router),
    neighbors: router.neighbors.flatMap(neighborLines).join('\n'),
    ipv4Networks: v4.map((p) => `  network ${p}`).join('\n'),
    ipv4Activate: activate('ipv4'),
    ipv6Networks: v6.map((p) => `  network ${p}`).join('\n'),
    ipv6Activate: activate('ipv6'),
  });
}

export function renderRouterFiles(
  topology: LabTopology,
  router: RouterSpec,
  templateDir = TEMPLATE_DIR,
): RenderedRouterFiles {
  const names = { lab: topology.name, router: router.name };
  return {
    'frr.conf': renderFrrConf(topology.name, router, templateDir),
    daemons: renderTemplate(readTemplate('daemons.tmpl', templateDir), names),
    'vtysh.conf': renderTemplate(readTemplate('vtysh.conf.tmpl', templateDir), names),
  };
}
