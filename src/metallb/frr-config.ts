/**
 * FRRNodeState.status.runningConfig: the text `vtysh -c 'show running-config'` prints on a
 * node after frr-k8s has rendered MetalLB's configuration (reference §4, §17). The shape
 * follows frr-k8s's templates (router, neighbours, per-neighbour prefix-lists and route-maps,
 * BFD profiles) and the order and indentation are those FRR 8.4 prints when it shows that
 * configuration back (captured from /usr/lib/frr bgpd + bfdd + zebra 8.4.4): router blocks
 * first, then `ip` and `ipv6` prefix-lists, route-maps, nht, bfd, `end`.
 */
import type { ParsedBfdProfile, ParsedPeer } from './config.js';
import type { BgpPlan } from './announce.js';
import { comparePrefixes, isInternalPeer } from './announce.js';
import { formatCommunity } from './community.js';
import { compareIP, parseIP } from './ip.js';
import { matcherText, type ReceivePolicy } from './frr-configuration.js';

export type NeighborFamily = 'ipv4' | 'ipv6' | 'dual';

export interface FrrNeighbor {
  /** Peer address (canonical) or, for unnumbered BGP, the interface name. */
  addr?: string;
  iface?: string;
  /** `64500`, `internal` or `external`. */
  asn: string;
  family: NeighborFamily;
  port?: number;
  holdTimeSec?: number;
  keepaliveSec?: number;
  connectTimeSec?: number;
  password?: string;
  sourceAddress?: string;
  bfdProfile?: string;
  /** BFD without a named profile. */
  bfd?: boolean;
  ebgpMultiHop?: boolean;
  /** BGPPeer enableGracefulRestart: frr-k8s writes `neighbor X graceful-restart`. */
  gracefulRestart?: boolean;
  vrf?: string;
  /** Prefixes this neighbour may receive from us. */
  advertise: string[];
  /** Community (FRR spelling, `large:` prefix for large ones) -> prefixes carrying it. */
  communities: Map<string, string[]>;
  /** LOCAL_PREF -> prefixes carrying it. */
  localPrefs: Map<number, string[]>;
  /** What the neighbour may send (FRRConfiguration toReceive); none: nothing is accepted. */
  receive?: ReceivePolicy;
}

export interface FrrRouter {
  myASN: number;
  vrf: string;
  routerID?: string;
  neighbors: FrrNeighbor[];
  /** `network` statements: every prefix the node announces in this VRF. */
  prefixes: string[];
}

export interface FrrRenderInput {
  /** frr-k8s sets the node name. */
  hostname: string;
  routers: FrrRouter[];
  bfdProfiles: ParsedBfdProfile[];
  frrVersion?: string;
  logLevel?: string;
  /** zebra prints `no ip forwarding` when the node does not forward; Kubernetes nodes do. */
  ipForwarding?: boolean;
  /** vtysh appends its own `hostname` line when its host name differs (the pod's name). */
  vtyshHostname?: string;
}

function neighborId(n: FrrNeighbor): string {
  return (n.iface ?? n.addr ?? '') + (n.vrf ? `-${n.vrf}` : '');
}

function neighborName(n: FrrNeighbor): string {
  return n.iface ?? n.addr ?? '';
}

/** FRR keeps peers sorted: interface peers first, then IPv4, then IPv6, by address. */
function compareNeighbors(a: FrrNeighbor, b: FrrNeighbor): number {
  if (a.iface !== undefined || b.iface !== undefined) {
    if (a.iface !== undefined && b.iface !== undefined)
      return a.iface < b.iface ? -1 : a.iface > b.iface ? 1 : 0;
    return a.iface !== undefined ? -1 : 1;
  }
  const ia = parseIP(a.addr ?? '');
  const ib = parseIP(b.addr ?? '');
  if (!ia || !ib) return 0;
  return compareIP(ia, ib);
}

function mustDisableConnectedCheck(n: FrrNeighbor, myASN: number): boolean {
  // frr-k8s: only non-multihop IPv6 eBGP sessions (and unnumbered ones).
  if (n.family !== 'ipv6' || n.ebgpMultiHop) return false;
  if (n.iface !== undefined) return true;
  if (n.asn === 'internal') return false;
  if (n.asn === 'external') return true;
  return String(myASN) !== n.asn;
}

function activates(n: FrrNeighbor, family: 'ipv4' | 'ipv6'): boolean {
  return n.family === family || n.family === 'dual';
}

function kw(family: 'ipv4' | 'ipv6'): 'ip' | 'ipv6' {
  return family === 'ipv4' ? 'ip' : 'ipv6';
}

/** FRR prints well-known communities by name (RFC 1997, 3765, 7611, 7999, 8326, LLGR). */
const WELL_KNOWN_COMMUNITIES: Record<string, string> = {
  '65535:0': 'graceful-shutdown',
  '65535:1': 'accept-own',
  '65535:2': 'route-filter-translated-v4',
  '65535:3': 'route-filter-v4',
  '65535:4': 'route-filter-translated-v6',
  '65535:5': 'route-filter-v6',
  '65535:6': 'llgr-stale',
  '65535:7': 'no-llgr',
  '65535:8': 'accept-own-nexthop',
  '65535:666': 'blackhole',
  '65535:65281': 'no-export',
  '65535:65282': 'no-advertise',
  '65535:65283': 'local-AS',
  '65535:65284': 'no-peer',
};

function familyOf(prefix: string): 'ipv4' | 'ipv6' {
  return prefix.includes(':') ? 'ipv6' : 'ipv4';
}

/** Collects prefix-lists and route-maps in the order frr-k8s's template creates them. */
class PolicyWriter {
  readonly ipLists: string[] = [];
  readonly ipv6Lists: string[] = [];
  readonly routeMaps: string[] = [];
  private readonly counters = new Map<string, number>();

  counter(name: string): number {
    const n = (this.counters.get(name) ?? 0) + 1;
    this.counters.set(name, n);
    return n;
  }

  prefixList(family: 'ipv4' | 'ipv6', name: string, action: 'permit' | 'deny', what: string): void {
    const line = `${kw(family)} prefix-list ${name} seq ${this.counter(name)} ${action} ${what}`;
    (family === 'ipv4' ? this.ipLists : this.ipv6Lists).push(line);
  }

  routeMap(map: string, seqKey: string, body: string[]): void {
    this.routeMaps.push(
      `route-map ${map} permit ${this.counter(seqKey)}`,
      ...body.map((l) => ` ${l}`),
      'exit',
      '!',
    );
  }
}

function writeNeighborPolicy(w: PolicyWriter, n: FrrNeighbor): void {
  const id = neighborId(n);
  const modifiers: { family: 'ipv4' | 'ipv6'; name: string; prefixes: string[]; set: string }[] =
    [];
  for (const [comm, prefixes] of [...n.communities.entries()].sort(([a], [b]) =>
    a < b ? -1 : a > b ? 1 : 0,
  )) {
    const isLarge = comm.startsWith('large:');
    const value = isLarge ? comm.slice('large:'.length) : comm;
    for (const family of ['ipv4', 'ipv6'] as const) {
      const fp = prefixes.filter((p) => familyOf(p) === family);
      if (fp.length === 0) continue;
      modifiers.push({
        family,
        name: `${id}-${isLarge ? `large:${value}` : value}-${family}-community-prefixes`,
        prefixes: fp,
        set: isLarge
          ? `set large-community ${value} additive`
          : `set community ${WELL_KNOWN_COMMUNITIES[value] ?? value} additive`,
      });
    }
  }
  for (const [lp, prefixes] of [...n.localPrefs.entries()].sort(([a], [b]) => a - b)) {
    for (const family of ['ipv4', 'ipv6'] as const) {
      const fp = prefixes.filter((p) => familyOf(p) === family);
      if (fp.length === 0) continue;
      modifiers.push({
        family,
        name: `${id}-${lp}-${family}-localpref-prefixes`,
        prefixes: fp,
        set: `set local-preference ${lp}`,
      });
    }
  }
  for (const m of modifiers) {
    for (const p of [...m.prefixes].sort(comparePrefixes))
      w.prefixList(m.family, m.name, 'permit', p);
    // `on-match next` lets the prefix go on to the allow clause after the attribute is set.
    w.routeMap(`${id}-out`, id, [
      `match ${kw(m.family)} address prefix-list ${m.name}`,
      'on-match next',
      m.set,
    ]);
  }
  for (const family of ['ipv4', 'ipv6'] as const) {
    const name = `${id}-allowed-${family}`;
    const prefixes = n.advertise.filter((p) => familyOf(p) === family).sort(comparePrefixes);
    if (prefixes.length === 0) w.prefixList(family, name, 'deny', 'any');
    for (const p of prefixes) w.prefixList(family, name, 'permit', p);
  }
  w.routeMap(`${id}-out`, id, [`match ip address prefix-list ${id}-allowed-ipv4`]);
  w.routeMap(`${id}-out`, id, [`match ipv6 address prefix-list ${id}-allowed-ipv6`]);
  // Incoming (frr-k8s prefixlists.tmpl): the FRRConfiguration selectors, then `permit any`
  // for mode all, else `deny any` for a family with no selector. MetalLB alone accepts nothing.
  const inName = `${id}-inpl-${n.family}`;
  const filters = n.receive?.filters ?? [];
  for (const f of filters) w.prefixList(f.family, inName, 'permit', matcherText(f));
  for (const family of ['ipv4', 'ipv6'] as const) {
    if (n.receive?.all) w.prefixList(family, inName, 'permit', 'any');
    else if (!filters.some((f) => f.family === family)) w.prefixList(family, inName, 'deny', 'any');
  }
  w.routeMap(`${id}-in`, id, [`match ip address prefix-list ${inName}`]);
  w.routeMap(`${id}-in`, id, [`match ipv6 address prefix-list ${inName}`]);
}

function neighborLines(n: FrrNeighbor, myASN: number): string[] {
  const name = neighborName(n);
  const out: string[] = [];
  out.push(
    n.iface !== undefined
      ? ` neighbor ${name} interface remote-as ${n.asn}`
      : ` neighbor ${name} remote-as ${n.asn}`,
  );
  if (n.bfd || n.bfdProfile) out.push(` neighbor ${name} bfd`);
  if (n.bfdProfile) out.push(` neighbor ${name} bfd profile ${n.bfdProfile}`);
  // frr-k8s retracts passwords before publishing the running config.
  if (n.password) out.push(` neighbor ${name} password <retracted>`);
  if (n.port !== undefined && n.port !== 179) out.push(` neighbor ${name} port ${n.port}`);
  if (n.ebgpMultiHop) out.push(` neighbor ${name} ebgp-multihop 255`);
  if (mustDisableConnectedCheck(n, myASN)) out.push(` neighbor ${name} disable-connected-check`);
  if (n.sourceAddress) out.push(` neighbor ${name} update-source ${n.sourceAddress}`);
  if (n.keepaliveSec !== undefined && n.holdTimeSec !== undefined) {
    out.push(` neighbor ${name} timers ${n.keepaliveSec} ${n.holdTimeSec}`);
  }
  if (n.connectTimeSec) out.push(` neighbor ${name} timers connect ${n.connectTimeSec}`);
  // frr-k8s (TestSingleSessionWithGracefulRestart.golden); FRR prints it after the timers.
  if (n.gracefulRestart) out.push(` neighbor ${name} graceful-restart`);
  return out;
}

function routerLines(r: FrrRouter): string[] {
  const out = [`router bgp ${r.myASN}${r.vrf ? ` vrf ${r.vrf}` : ''}`];
  if (r.routerID) out.push(` bgp router-id ${r.routerID}`);
  out.push(
    ' no bgp ebgp-requires-policy',
    ' no bgp default ipv4-unicast',
    ' bgp graceful-restart preserve-fw-state',
    ' no bgp network import-check',
  );
  const neighbors = [...r.neighbors].sort(compareNeighbors);
  for (const n of neighbors) out.push(...neighborLines(n, r.myASN));
  for (const family of ['ipv4', 'ipv6'] as const) {
    const nets = r.prefixes.filter((p) => familyOf(p) === family).sort(comparePrefixes);
    const active = neighbors.filter((n) => activates(n, family));
    if (nets.length === 0 && active.length === 0) continue;
    out.push(' !', ` address-family ${family} unicast`);
    for (const p of nets) out.push(`  network ${p}`);
    for (const n of active) {
      const name = neighborName(n);
      const id = neighborId(n);
      out.push(
        `  neighbor ${name} activate`,
        `  neighbor ${name} route-map ${id}-in in`,
        `  neighbor ${name} route-map ${id}-out out`,
      );
    }
    out.push(' exit-address-family');
  }
  out.push('exit', '!');
  return out;
}

function bfdLines(profiles: ParsedBfdProfile[]): string[] {
  if (profiles.length === 0) return [];
  const out = ['bfd'];
  for (const p of profiles) {
    out.push(` profile ${p.name}`);
    // FRR omits values equal to its defaults (3, 300 ms, 300 ms, 50 ms, 254).
    if (p.detectMultiplier !== undefined && p.detectMultiplier !== 3)
      out.push(`  detect-multiplier ${p.detectMultiplier}`);
    if (p.transmitInterval !== undefined && p.transmitInterval !== 300)
      out.push(`  transmit-interval ${p.transmitInterval}`);
    if (p.receiveInterval !== undefined && p.receiveInterval !== 300)
      out.push(`  receive-interval ${p.receiveInterval}`);
    if (p.passiveMode) out.push('  passive-mode');
    if (p.echoMode) out.push('  echo-mode');
    if (p.echoInterval !== undefined && p.echoInterval !== 50) {
      out.push(
        `  echo transmit-interval ${p.echoInterval}`,
        `  echo receive-interval ${p.echoInterval}`,
      );
    }
    if (p.minimumTtl !== undefined && p.minimumTtl !== 254)
      out.push(`  minimum-ttl ${p.minimumTtl}`);
    out.push(' exit', ' !');
  }
  out.push('exit', '!');
  return out;
}

export function renderRunningConfig(input: FrrRenderInput): string {
  const out = [
    'Building configuration...',
    '',
    'Current configuration:',
    '!',
    `frr version ${input.frrVersion ?? '8.4.4'}`,
    'frr defaults traditional',
    `hostname ${input.hostname}`,
    `log file /etc/frr/frr.log ${input.logLevel ?? 'informational'}`,
    'log timestamp precision 3',
  ];
  if (input.ipForwarding === false) out.push('no ip forwarding', 'no ipv6 forwarding');
  out.push('bgp route-map delay-timer 20');
  if (input.vtyshHostname !== undefined && input.vtyshHostname !== input.hostname) {
    out.push(`hostname ${input.vtyshHostname}`);
  }
  out.push('service integrated-vtysh-config', '!');
  const routers = [...input.routers].sort((a, b) =>
    a.vrf === b.vrf ? 0 : a.vrf === '' ? -1 : b.vrf === '' ? 1 : a.vrf < b.vrf ? -1 : 1,
  );
  const policy = new PolicyWriter();
  for (const r of routers) {
    out.push(...routerLines(r));
    for (const n of [...r.neighbors].sort(compareNeighbors)) writeNeighborPolicy(policy, n);
  }
  if (policy.ipLists.length) out.push(...policy.ipLists, '!');
  if (policy.ipv6Lists.length) out.push(...policy.ipv6Lists, '!');
  out.push(...policy.routeMaps);
  out.push('ip nht resolve-via-default', '!', 'ipv6 nht resolve-via-default', '!');
  out.push(...bfdLines(input.bfdProfiles));
  out.push('end');
  return out.join('\n') + '\n';
}

function neighborFamily(p: ParsedPeer): NeighborFamily {
  if (p.iface !== undefined || p.dualStackAddressFamily) return 'dual';
  return (p.address ?? '').includes(':') ? 'ipv6' : 'ipv4';
}

function secondsOf(ms: number | undefined): number | undefined {
  return ms === undefined ? undefined : Math.trunc(ms / 1000);
}

/**
 * The frr-k8s view of one node: one router per (myASN, VRF) with the BGPPeers selecting the
 * node as neighbours and the node's announcements (from `planBgp`) as networks and filters.
 */
export function frrRoutersForNode(
  node: string,
  peers: readonly ParsedPeer[],
  plan: BgpPlan,
  routerIDs: Partial<Record<string, string>> = {},
): FrrRouter[] {
  const routers = new Map<string, FrrRouter>();
  for (const s of plan.sessions) {
    if (s.node !== node) continue;
    const p = peers.find((x) => x.name === s.peer);
    if (!p) continue;
    const key = `${p.myASN}@${p.vrf}`;
    const r = routers.get(key) ?? {
      myASN: p.myASN,
      vrf: p.vrf,
      routerID: p.routerID ?? routerIDs[p.vrf],
      neighbors: [],
      prefixes: [],
    };
    const communities = new Map<string, string[]>();
    const localPrefs = new Map<number, string[]>();
    for (const route of s.routes) {
      const tags = [
        ...route.communities.map((c) => formatCommunity({ kind: 'standard', value: c })),
        ...route.largeCommunities.map((l) => `large:${l.join(':')}`),
      ];
      for (const t of tags) communities.set(t, [...(communities.get(t) ?? []), route.prefix]);
      if (route.localPref !== undefined && isInternalPeer(p)) {
        localPrefs.set(route.localPref, [...(localPrefs.get(route.localPref) ?? []), route.prefix]);
      }
      if (!r.prefixes.includes(route.prefix)) r.prefixes.push(route.prefix);
    }
    const password = p.password || p.secretPassword;
    r.neighbors.push({
      addr: p.address,
      iface: p.iface,
      asn: p.dynamicASN ?? String(p.asn),
      family: neighborFamily(p),
      port: p.port,
      holdTimeSec: secondsOf(p.holdTimeMs),
      keepaliveSec: secondsOf(p.keepaliveTimeMs),
      connectTimeSec: secondsOf(p.connectTimeMs),
      password: password || undefined,
      sourceAddress: p.sourceAddress,
      bfdProfile: p.bfdProfile || undefined,
      ebgpMultiHop: p.ebgpMultiHop,
      gracefulRestart: p.enableGracefulRestart,
      vrf: p.vrf || undefined,
      advertise: s.routes.map((x) => x.prefix),
      communities,
      localPrefs,
    });
    routers.set(key, r);
  }
  return [...routers.values()];
}
