/**
 * FRRConfiguration (frrk8s.metallb.io/v1beta1): pieces of FRR configuration that frr-k8s
 * merges, per node, with the one MetalLB generates. What speakersim takes from them is what
 * changes MetalLB's sessions: the routes a neighbour may send (`toReceive`), rendered into
 * the neighbour's `-inpl-` prefix-list as frr-k8s's prefixlists.tmpl writes it, and applied
 * to the routes the node accepts (FRR prefix-list semantics). Merging follows frr-k8s's
 * controller: every FRRConfiguration in its namespace whose nodeSelector matches the node
 * (empty selector: every node) contributes; for one neighbour (router ASN, VRF, address)
 * `mode: all` wins and prefix selectors add up. An FRRConfiguration that cannot be converted
 * (bad prefix, ge/le out of order) fails the node's conversion, as frr-k8s reports it in
 * FRRNodeState.lastConversionResult (`failed: <error>`), and none of it applies.
 */
import { SpeakersimError } from '../core/errors.js';
import { selectorMatches } from './labels.js';
import { bitsOf, canonicalIP, cidrContains, cidrFirst, parseCIDR, type Cidr } from './ip.js';
import type { LabelSelector, Node, ObjectMeta } from './types.js';

export interface PrefixSelector {
  prefix: string;
  ge?: number;
  le?: number;
}

export interface FRRConfigurationNeighbor {
  address?: string;
  interface?: string;
  asn?: number;
  dynamicASN?: string;
  port?: number;
  toReceive?: { allowed?: { mode?: 'all' | 'filtered'; prefixes?: PrefixSelector[] } };
}

export interface FRRConfiguration {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  spec?: {
    nodeSelector?: LabelSelector;
    bgp?: {
      routers?: {
        asn: number;
        vrf?: string;
        id?: string;
        neighbors?: FRRConfigurationNeighbor[];
      }[];
    };
  };
}

/** One IncomingFilter of frr-k8s: a selector with its family. */
export interface IncomingFilter extends PrefixSelector {
  family: 'ipv4' | 'ipv6';
}

/** What a neighbour may send: everything, or the routes the filters match. */
export interface ReceivePolicy {
  all: boolean;
  /** Sorted as frr-k8s sorts them: IPv4 first, then by prefix text, le, ge. */
  filters: IncomingFilter[];
}

export class FrrConversionError extends SpeakersimError {
  constructor(message: string) {
    super('ERR_FRRK8S_CONVERSION', message);
  }
}

export function receiveKey(asn: number, vrf: string | undefined, address: string): string {
  return `${asn}|${vrf ?? ''}|${canonical(address)}`;
}

function canonical(address: string): string {
  return canonicalIP(address) ?? address;
}

function maskOf(prefix: string): { cidr: Cidr; bits: number } | undefined {
  const cidr = parseCIDR(prefix);
  if (!cidr) return undefined;
  return { cidr, bits: bitsOf(cidr.family) };
}

/** filterForSelector + validateSelectorLengths (frr-k8s api_to_config.go). */
function filterFor(s: PrefixSelector): IncomingFilter {
  const m = maskOf(s.prefix);
  if (!m) throw new FrrConversionError(`failed to parse prefix ${s.prefix}`);
  const mask = m.cidr.prefix;
  const ge = s.ge ?? 0;
  const le = s.le ?? 0;
  if (le > 0 && ge > le)
    throw new FrrConversionError(`invalid selector lengths: ge ${ge} is bigger than le ${le}`);
  if (le > 0 && mask > le)
    throw new FrrConversionError(
      `invalid selector lengths: cidr mask ${mask} is bigger than le ${le}`,
    );
  if (ge > 0 && mask > ge)
    throw new FrrConversionError(
      `invalid selector lengths: cidr mask ${mask} is bigger than ge ${ge}`,
    );
  const f: IncomingFilter = { prefix: s.prefix, family: s.prefix.includes(':') ? 'ipv6' : 'ipv4' };
  if (ge) f.ge = ge;
  if (le) f.le = le;
  return f;
}

function lessThan(a: IncomingFilter, b: IncomingFilter): number {
  if (a.family !== b.family) return a.family < b.family ? -1 : 1;
  if (a.prefix !== b.prefix) return a.prefix < b.prefix ? -1 : 1;
  if ((a.le ?? 0) !== (b.le ?? 0)) return (a.le ?? 0) - (b.le ?? 0);
  return (a.ge ?? 0) - (b.ge ?? 0);
}

/**
 * The merged receive policies of the FRRConfigurations that select `node`, by
 * receiveKey(router ASN, VRF, neighbour address). Throws FrrConversionError.
 */
export function receivePolicies(
  node: Node,
  configs: readonly FRRConfiguration[],
): Map<string, ReceivePolicy> {
  const out = new Map<string, ReceivePolicy>();
  const sorted = [...configs].sort((a, b) =>
    (a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1,
  );
  for (const c of sorted) {
    const sel = c.spec?.nodeSelector;
    if (sel && !selectorMatches(sel, node.metadata.labels ?? {})) continue;
    for (const r of c.spec?.bgp?.routers ?? []) {
      for (const n of r.neighbors ?? []) {
        if (!n.address) continue;
        const key = receiveKey(r.asn, r.vrf, n.address);
        const p = out.get(key) ?? { all: false, filters: [] };
        const allowed = n.toReceive?.allowed;
        if (allowed?.mode === 'all') p.all = true;
        else
          for (const s of allowed?.prefixes ?? []) {
            const f = filterFor(s);
            if (!p.filters.some((x) => lessThan(x, f) === 0)) p.filters.push(f);
          }
        out.set(key, p);
      }
    }
  }
  for (const p of out.values()) p.filters.sort(lessThan);
  return out;
}

/**
 * What speakersim does not apply of the FRRConfigurations selecting `node` (everything but
 * toReceive on the neighbours MetalLB configures): one line each, for the run's warnings, so
 * that nothing is dropped silently. `known`: receiveKeys of MetalLB's neighbours on the node.
 */
export function unappliedParts(
  node: Node,
  configs: readonly FRRConfiguration[],
  known: ReadonlySet<string>,
): string[] {
  const out: string[] = [];
  for (const c of configs) {
    const sel = c.spec?.nodeSelector;
    if (sel && !selectorMatches(sel, node.metadata.labels ?? {})) continue;
    const name = `FRRConfiguration ${c.metadata.namespace ?? ''}/${c.metadata.name ?? ''}`;
    const spec = (c.spec ?? {}) as Record<string, unknown>;
    if (spec['raw']) out.push(`${name}: raw configuration is not applied`);
    for (const r of c.spec?.bgp?.routers ?? []) {
      const router = r as Record<string, unknown>;
      for (const k of ['prefixes', 'imports', 'evpn'] as const)
        if (router[k] !== undefined) out.push(`${name}: router ${r.asn} ${k} is not applied`);
      for (const n of r.neighbors ?? []) {
        const who = n.address ?? n.interface ?? '?';
        if (!n.address || !known.has(receiveKey(r.asn, r.vrf, n.address))) {
          out.push(`${name}: neighbor ${who} is no BGPPeer of this node: not peered`);
          continue;
        }
        const extra = Object.keys(n).filter((k) => !['address', 'asn', 'toReceive'].includes(k));
        if (extra.length)
          out.push(
            `${name}: neighbor ${who}: ${extra.sort().join(', ')} not applied (toReceive is)`,
          );
      }
    }
  }
  return out;
}

/** FRR prefix-list matching: inside the prefix, length exact or within ge/le. */
export function filterMatches(f: IncomingFilter, prefix: string): boolean {
  const route = maskOf(prefix);
  const sel = maskOf(f.prefix);
  if (!route || !sel || route.bits !== sel.bits) return false;
  const len = route.cidr.prefix;
  const mask = sel.cidr.prefix;
  if (len < mask || !cidrContains(sel.cidr, cidrFirst(route.cidr))) return false;
  if (f.ge === undefined && f.le === undefined) return len === mask;
  const lo = f.ge ?? mask;
  const hi = f.le ?? route.bits;
  return len >= lo && len <= hi;
}

/** Whether the node keeps a route from the neighbour (no policy: MetalLB accepts nothing). */
export function acceptsRoute(policy: ReceivePolicy | undefined, prefix: string): boolean {
  if (!policy) return false;
  if (policy.all) return true;
  return policy.filters.some((f) => filterMatches(f, prefix));
}

/** The selector as FRR prints it back in a prefix-list line (`ge` before `le`). */
export function matcherText(f: IncomingFilter): string {
  return `${f.prefix}${f.ge ? ` ge ${f.ge}` : ''}${f.le ? ` le ${f.le}` : ''}`;
}
