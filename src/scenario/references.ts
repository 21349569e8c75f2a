/**
 * Names inside steps: routers, nodes, peers and resource references, checked against the
 * topology (with did-you-mean hints) and resolved (a router name in `peer` becomes its
 * address). Shared by the step and the expectation normalizers.
 */
import { parseDuration } from './duration.js';
import { closest } from './did-you-mean.js';
import { ScenarioErrorCode } from './errors.js';
import { fail, type LoadContext } from './resources.js';
import type { YamlPath } from './source-map.js';
import type { ClockMode, ResourceRef, Topology } from './types.js';

export type Raw = Record<string, unknown>;

export interface StepContext extends LoadContext {
  topology: Topology;
  clock: ClockMode;
  defaults: { timeoutMs: number; namespace: string };
}

export function ms(value: unknown): number {
  return parseDuration(String(value)) ?? 0; // the schema has checked the pattern
}

/** A name that must be one of the topology's routers or nodes; suggests the closest one. */
function checkName(
  ctx: StepContext,
  kind: 'router' | 'node',
  names: string[],
  name: unknown,
  path: YamlPath,
): string {
  const n = String(name);
  if (!names.includes(n)) {
    const near = closest(n, names);
    fail(
      ctx,
      ScenarioErrorCode.UnknownReference,
      ctx.map.valueAt(path),
      `unknown ${kind} '${n}': expected one of the topology's ${kind}s (${names.join(', ') || 'none defined'})${near ? ` (did you mean '${near}'?)` : ''}`,
      { subject: n, ...(near ? { suggestion: near } : {}) },
    );
  }
  return n;
}

export function checkRouter(ctx: StepContext, name: unknown, path: YamlPath): string {
  return checkName(
    ctx,
    'router',
    ctx.topology.routers.map((r) => r.name),
    name,
    path,
  );
}

export function checkNode(ctx: StepContext, name: unknown, path: YamlPath): string {
  return checkName(
    ctx,
    'node',
    ctx.topology.nodes.map((x) => x.name),
    name,
    path,
  );
}

/** A peer is an address, or a router's name (resolved to its IPv4, else IPv6 address). */
export function resolvePeer(
  ctx: StepContext,
  peer: unknown,
  path: YamlPath,
): { peer: string; router?: string } {
  const text = String(peer);
  const router = ctx.topology.routers.find((r) => r.name === text);
  // An unnumbered router is the node's peer on the node's interface: FRR (and the
  // BGPSessionState) name that peer by the interface.
  const unnumberedOn = ctx.topology.nodes.find((n) => n.interface !== undefined)?.interface;
  if (router) {
    const addr = router.unnumbered
      ? unnumberedOn
      : (router.addresses.ipv4?.address ?? router.addresses.ipv6?.address);
    return { peer: addr ?? text, router: router.name };
  }
  const unnumbered = ctx.topology.routers.find((r) => r.unnumbered);
  if (unnumbered && text === unnumberedOn) return { peer: text, router: unnumbered.name };
  if (!/^[0-9.]+$/.test(text) && !text.includes(':')) {
    fail(
      ctx,
      ScenarioErrorCode.UnknownReference,
      ctx.map.valueAt(path),
      `unknown peer '${text}': expected an address or a router name`,
    );
  }
  const byAddress = ctx.topology.routers.find(
    (r) => r.addresses.ipv4?.address === text || r.addresses.ipv6?.address === text,
  );
  return byAddress ? { peer: text, router: byAddress.name } : { peer: text };
}

/**
 * The VRF of the node's session with a peer, as BGPSessionState names it ('' for the default
 * VRF): the step's `vrf` (`default` spelled out or not), else the VRF the named router sits in or
 * on (its `vrf` or `vrfSegment`: a node reaches it only from that VRF), else the default VRF.
 * One address may be a peer of several VRFs, each its own session.
 */
export function sessionVrf(ctx: StepContext, vrf: unknown, router: string | undefined): string {
  if (typeof vrf === 'string') return vrf === 'default' ? '' : vrf;
  const r = router !== undefined ? ctx.topology.routers.find((x) => x.name === router) : undefined;
  return r?.vrf ?? r?.vrfSegment ?? '';
}

export function resourceRef(ctx: StepContext, raw: unknown): ResourceRef {
  if (typeof raw === 'string') {
    const [kind, name] = raw.split('/') as [string, string];
    return { kind, name, namespace: ctx.defaults.namespace };
  }
  const r = raw as Raw;
  return {
    ...(typeof r['apiVersion'] === 'string' ? { apiVersion: r['apiVersion'] } : {}),
    kind: String(r['kind']),
    name: String(r['name']),
    namespace: typeof r['namespace'] === 'string' ? r['namespace'] : ctx.defaults.namespace,
  };
}
