/**
 * The show commands of a builtin router, printed as FRR 8.4's vtysh prints them, so a trainer's
 * `speakersim inject vtysh --command 'show bgp summary'` reads the same on builtin routers as on
 * FRR in the netns lab, and scripts that parse the `json` forms get FRR's keys:
 *
 *   show [ip] bgp [vrf NAME] ...              the bgp commands below, in one VRF's instance
 *   show [ip] bgp summary [json]              per address family, as bgp_vty.c lays it out
 *   show [ip] bgp ipv4|ipv6 [unicast] [json]  the BGP table (status codes, columns, totals)
 *   show [ip] bgp ipv4|ipv6 [unicast] PREFIX [json]   one prefix's paths (FRR's JSON shape)
 *   show bfd peers [json]                     bfdd's peer list
 *
 * Layouts and keys were taken from FRR 8.4 answering the same lab (test/lab/builtin/frr84/).
 * Values FRR keeps and a builtin router does not (BGP table versions, bgpd's memory, BFD RTT
 * and Downtime) are printed as 0 or left out, never made up from elsewhere.
 */
import { compareIP, parseCIDR } from '../../metallb/ip.js';
import { addressFamily, type AddressFamily } from '../topology.js';
import type { BfdPeer, BgpNeighbor } from '../frr-json.js';
import type { BuiltinPath, BuiltinRouter } from './router.js';

/** What a show command reads from its router (a BuiltinRouter has all of it). */
export type ShowSource = Pick<
  BuiltinRouter,
  'spec' | 'bgpNeighbors' | 'bgpRoutes' | 'bfdPeers' | 'inVrf'
>;

const AFI_NAMES: Record<AddressFamily, { json: string; text: string }> = {
  ipv4: { json: 'ipv4Unicast', text: 'IPv4 Unicast' },
  ipv6: { json: 'ipv6Unicast', text: 'IPv6 Unicast' },
};

/**
 * Answers one show command, or undefined when `cmd` is not one of these (the router then
 * tries its other commands). `wallNowMs` dates uptimes and epochs.
 */
export function showCommand(
  router: ShowSource,
  cmd: string,
  wallNowMs: number,
): string | undefined {
  let m: RegExpMatchArray | null;
  // `show bgp vrf NAME ...` reads that VRF's instance; without it, the default VRF's.
  const vrfMatch = cmd.match(/^show (?:ip )?bgp vrf (\S+) /);
  if (vrfMatch) {
    router = inVrf(router, vrfMatch[1]!);
    cmd = cmd.replace(/ vrf \S+ /, ' ');
  } else if (/^show (?:ip )?bgp /.test(cmd)) router = inVrf(router, undefined);
  if ((m = cmd.match(/^show (?:ip )?bgp summary( json)?$/))) {
    return m[1] ? json(bgpSummaryJson(router, wallNowMs)) : bgpSummaryText(router);
  }
  if (
    (m = cmd.match(
      /^show (?:ip )?bgp (ipv4|ipv6)(?: unicast)?(?: ([0-9a-fA-F.:]+\/\d+))?( json)?$/,
    ))
  ) {
    const family = m[1] as AddressFamily;
    if (m[2]) return json(bgpPrefixJson(router, family, m[2]));
    return m[3] ? json(bgpTableJson(router, family)) : bgpTableText(router, family);
  }
  if ((m = cmd.match(/^show bfd peers( json)?$/))) {
    return m[1] ? json(bfdPeersJson(router.bfdPeers())) : bfdPeersText(router.bfdPeers());
  }
  return undefined;
}

/**
 * The router as one VRF's show commands see it: its own table when `vrf` is its VRF, otherwise
 * an instance with no neighbours and no routes (a builtin router has one VRF).
 */
function inVrf(router: ShowSource, vrf: string | undefined): ShowSource {
  if (router.inVrf(vrf))
    return {
      spec: router.spec,
      bgpNeighbors: () => router.bgpNeighbors(),
      bgpRoutes: (family) => router.bgpRoutes(family, vrf),
      bfdPeers: () => router.bfdPeers(),
      inVrf: (v) => router.inVrf(v),
    };
  return {
    spec: { ...router.spec, vrf, neighbors: [], originate: {} },
    bgpNeighbors: () => ({}),
    bgpRoutes: (family) => ({ ...router.bgpRoutes(family, vrf), routes: {} }),
    bfdPeers: () => router.bfdPeers(),
    inVrf: (v) => v === vrf,
  };
}

/** FRR's name of the instance's VRF; its id is the VRF device's ifindex, which is printed as 0. */
function vrfName(router: ShowSource): string {
  return router.spec.vrf ?? 'default';
}

function json(v: unknown): string {
  return JSON.stringify(v, null, 2);
}

// ---- show bgp summary ------------------------------------------------------------------------

interface SummaryRow {
  address: string;
  n: BgpNeighbor;
  family: AddressFamily;
  pfxRcd: number;
  pfxSnt: number;
}

function neighborFamilies(router: ShowSource, address: string): AddressFamily[] {
  const spec = router.spec.neighbors.find((s) => s.address === address);
  return spec?.families ?? [addressFamily(address)];
}

function summaryRows(router: ShowSource, family: AddressFamily): SummaryRow[] {
  const routes = Object.values(router.bgpRoutes(family).routes).flat();
  const originated = (router.spec.originate?.[family] ?? []).length;
  return Object.entries(router.bgpNeighbors())
    .filter(([address]) => neighborFamilies(router, address).includes(family))
    .map(([address, n]) => {
      const up = n.state === 'Established';
      return {
        address,
        n,
        family,
        pfxRcd: routes.filter((p) => p.peerId === address).length,
        // A builtin router announces only what it originates, to every neighbor of that family.
        pfxSnt: up && addressFamily(address) === family ? originated : 0,
      };
    });
}

function msgTotals(n: BgpNeighbor): { rcvd: number; sent: number } {
  const m = n.messages;
  if (!m) return { rcvd: 0, sent: 0 };
  return {
    rcvd: m.opensRecv + m.updatesRecv + m.keepalivesRecv + m.notificationsRecv,
    sent: m.opensSent + m.updatesSent + m.keepalivesSent + m.notificationsSent,
  };
}

/** FRR's peer_uptime(): hh:mm:ss under a day, then 1d02h03m, then 01w2d03h; `never`. */
export function frrUptime(ms: number | undefined): string {
  if (ms === undefined) return 'never';
  const s = Math.floor(ms / 1000);
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const min = Math.floor((s % 3600) / 60);
  const two = (x: number) => String(x).padStart(2, '0');
  if (d === 0) return `${two(h)}:${two(min)}:${two(s % 60)}`;
  if (d < 7) return `${d}d${two(h)}h${two(min)}m`;
  return `${two(Math.floor(d / 7))}w${d % 7}d${two(h)}h`;
}

function bgpSummaryText(router: ShowSource): string {
  const out: string[] = [];
  for (const family of ['ipv4', 'ipv6'] as const) {
    const rows = summaryRows(router, family);
    if (rows.length === 0) continue;
    const ribCount = Object.keys(router.bgpRoutes(family).routes).length;
    out.push(
      '',
      `${AFI_NAMES[family].text} Summary (VRF ${vrfName(router)}):`,
      `BGP router identifier ${router.spec.routerId}, local AS number ${router.spec.asn} vrf-id 0`,
      'BGP table version 0',
      `RIB entries ${ribCount}, using 0 bytes of memory`,
      `Peers ${rows.length}, using 0 KiB of memory`,
      '',
      'Neighbor        V         AS   MsgRcvd   MsgSent   TblVer  InQ OutQ  Up/Down State/PfxRcd   PfxSnt Desc',
    );
    for (const r of rows) {
      const t = msgTotals(r.n);
      const up = r.n.state === 'Established';
      // bgp_vty.c: the name in 16 columns (a longer one gets a line of its own).
      const name = r.address.length < 16 ? r.address.padEnd(16) : `${r.address}\n${' '.repeat(16)}`;
      out.push(
        `${name}4 ${String(r.n.remoteAs).padStart(10)} ${String(t.rcvd).padStart(9)} ${String(t.sent).padStart(9)} ${'0'.padStart(8)} ${'0'.padStart(4)} ${'0'.padStart(4)} ${frrUptime(up ? r.n.uptimeMs : undefined).padStart(8)} ${(up ? String(r.pfxRcd) : r.n.state).padStart(12)} ${String(r.pfxSnt).padStart(8)} N/A`,
      );
    }
    out.push('', `Total number of neighbors ${rows.length}`);
  }
  if (out.length === 0) return `% No BGP neighbors found in VRF ${vrfName(router)}`;
  return out.join('\n') + '\n';
}

function bgpSummaryJson(router: ShowSource, wallNowMs: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const family of ['ipv4', 'ipv6'] as const) {
    const rows = summaryRows(router, family);
    if (rows.length === 0) continue;
    const peers: Record<string, unknown> = {};
    for (const r of rows) {
      const t = msgTotals(r.n);
      const up = r.n.state === 'Established';
      const uptimeMs = up ? (r.n.uptimeMs ?? 0) : undefined;
      const established = r.n.connectionsEstablished ?? 0;
      peers[r.address] = {
        remoteAs: r.n.remoteAs,
        localAs: r.n.localAs,
        version: 4,
        msgRcvd: t.rcvd,
        msgSent: t.sent,
        tableVersion: 0,
        outq: 0,
        inq: 0,
        peerUptime: frrUptime(uptimeMs),
        peerUptimeMsec: uptimeMs ?? 0,
        ...(uptimeMs !== undefined
          ? { peerUptimeEstablishedEpoch: Math.floor((wallNowMs - uptimeMs) / 1000) }
          : {}),
        pfxRcd: r.pfxRcd,
        pfxSnt: r.pfxSnt,
        state: r.n.state,
        peerState: 'OK',
        connectionsEstablished: established,
        // Every establishment but the current one ended in a drop.
        connectionsDropped: Math.max(0, established - (up ? 1 : 0)),
        idType: addressFamily(r.address),
      };
    }
    out[AFI_NAMES[family].json] = {
      routerId: router.spec.routerId,
      as: router.spec.asn,
      vrfId: 0,
      vrfName: vrfName(router),
      tableVersion: 0,
      ribCount: Object.keys(router.bgpRoutes(family).routes).length,
      ribMemory: 0,
      peerCount: rows.length,
      peerMemory: 0,
      peers,
      failedPeers: rows.filter((r) => r.n.state !== 'Established').length,
      displayedPeers: rows.length,
      totalPeers: rows.length,
      dynamicPeers: 0,
      bestPath: { multiPathRelax: 'false' },
    };
  }
  return out;
}

// ---- show bgp ipv4|ipv6 unicast ---------------------------------------------------------------

interface TablePath {
  path: BuiltinPath;
  local: boolean;
  multipath: boolean;
  reason: string;
}

/** The router's table plus what it originates itself (FRR lists those as local paths). */
function tableOf(router: ShowSource, family: AddressFamily): Map<string, TablePath[]> {
  const table = new Map<string, TablePath[]>();
  for (const prefix of router.spec.originate?.[family] ?? []) {
    const nh = family === 'ipv4' ? '0.0.0.0' : '::';
    table.set(prefix, [
      {
        path: {
          prefix,
          valid: true,
          best: true,
          asPath: [],
          origin: 'IGP',
          med: 0,
          weight: 32768,
          nexthops: [{ ip: nh, afi: family, used: true }],
          communities: [],
          largeCommunities: [],
        },
        local: true,
        multipath: false,
        reason: 'First path received',
      },
    ]);
  }
  for (const [prefix, paths] of Object.entries(router.bgpRoutes(family).routes)) {
    const best = paths.find((p) => p.best);
    const list = table.get(prefix) ?? [];
    for (const p of paths) {
      // Equal-cost eBGP paths from the same neighbour AS (FRR's default maximum-paths).
      const multipath =
        paths.length > 1 &&
        best !== undefined &&
        p.asPath.length === best.asPath.length &&
        p.asPath[0] === best.asPath[0] &&
        p.origin === best.origin;
      const reason =
        paths.length === 1
          ? 'First path received'
          : paths.some((q) => q.asPath.length !== p.asPath.length)
            ? 'AS Path'
            : 'Neighbor IP';
      list.push({ path: p, local: false, multipath: multipath && !p.best, reason });
    }
    table.set(prefix, list);
  }
  return new Map([...table.entries()].sort(([a], [b]) => comparePrefixes(a, b)));
}

/** FRR walks its table in prefix order: by address, then by length. */
function comparePrefixes(a: string, b: string): number {
  const ca = parseCIDR(a);
  const cb = parseCIDR(b);
  if (!ca || !cb) return a < b ? -1 : a > b ? 1 : 0;
  return (
    compareIP({ family: ca.family, value: ca.network }, { family: cb.family, value: cb.network }) ||
    ca.prefix - cb.prefix
  );
}

function asPathText(p: BuiltinPath): string {
  return p.asPath.join(' ');
}

function bgpTableText(router: ShowSource, family: AddressFamily): string {
  const table = tableOf(router, family);
  if (table.size === 0) return 'No BGP prefixes displayed, 0 exist\n';
  const out = [
    `BGP table version is 0, local router ID is ${router.spec.routerId}, vrf id 0`,
    `Default local pref 100, local AS ${router.spec.asn}`,
    'Status codes:  s suppressed, d damped, h history, * valid, > best, = multipath,',
    '               i internal, r RIB-failure, S Stale, R Removed',
    "Nexthop codes: @NNN nexthop's vrf id, < announce-nh-self",
    'Origin codes:  i - IGP, e - EGP, ? - incomplete',
    'RPKI validation codes: V valid, I invalid, N Not found',
    '',
    '   Network          Next Hop            Metric LocPrf Weight Path',
  ];
  let paths = 0;
  for (const [prefix, list] of table) {
    list.forEach((t, i) => {
      paths++;
      const p = t.path;
      const status = `${p.valid ? '*' : ' '}${p.best ? '>' : t.multipath ? '=' : ' '} `;
      // route_vty_out(): network in 17 columns, next hop in 16 (longer: a line of its own).
      const net =
        i > 0
          ? ' '.repeat(17)
          : prefix.length < 17
            ? prefix.padEnd(17)
            : `${prefix}\n${' '.repeat(20)}`;
      const ip = p.nexthops[0]?.ip ?? '';
      const nh = ip.length < 16 ? ip.padEnd(16) : `${ip}\n${' '.repeat(36)}`;
      const metric = p.med !== undefined ? String(p.med).padStart(10) : ' '.repeat(10);
      const locPrf = p.localPref !== undefined ? String(p.localPref).padStart(7) : ' '.repeat(7);
      const weight = String(p.weight ?? 0).padStart(7);
      const origin = { IGP: 'i', EGP: 'e', incomplete: '?' }[p.origin ?? 'incomplete'] ?? '?';
      const path = asPathText(p);
      out.push(
        `${status}${net}${nh}${metric}${locPrf}${weight} ${path ? `${path} ` : ''}${origin}`,
      );
    });
  }
  out.push('', `Displayed  ${table.size} routes and ${paths} total paths`);
  return out.join('\n') + '\n';
}

function nexthopsJson(p: BuiltinPath): Record<string, unknown>[] {
  return p.nexthops.map((n) => ({
    ip: n.ip,
    afi: n.afi ?? addressFamily(n.ip),
    // FRR gives IPv6 next hops a scope (global, link-local); IPv4 ones none.
    ...((n.afi ?? addressFamily(n.ip)) === 'ipv6' ? { scope: n.scope ?? 'global' } : {}),
    used: n.used,
  }));
}

function bgpTableJson(router: ShowSource, family: AddressFamily): Record<string, unknown> {
  const routes: Record<string, unknown[]> = {};
  for (const [prefix, list] of tableOf(router, family)) {
    const [network, len] = prefix.split('/');
    routes[prefix] = list.map(({ path: p, local, multipath, reason }) => ({
      valid: p.valid,
      ...(p.best ? { bestpath: true, selectionReason: reason } : {}),
      ...(multipath ? { multipath: true } : {}),
      pathFrom: 'external',
      prefix: network,
      prefixLen: Number(len),
      network: prefix,
      version: 0,
      ...(p.med !== undefined ? { metric: p.med } : {}),
      ...(p.localPref !== undefined ? { locPrf: p.localPref } : {}),
      weight: p.weight ?? 0,
      peerId: local ? '(unspec)' : p.peerId,
      path: asPathText(p),
      origin: p.origin ?? 'incomplete',
      nexthops: nexthopsJson(p),
    }));
  }
  return {
    vrfId: 0,
    vrfName: vrfName(router),
    tableVersion: 0,
    routerId: router.spec.routerId,
    defaultLocPrf: 100,
    localAS: router.spec.asn,
    routes,
  };
}

function bgpPrefixJson(
  router: ShowSource,
  family: AddressFamily,
  prefix: string,
): Record<string, unknown> {
  const list = tableOf(router, family).get(prefix);
  if (!list) return { warning: 'Network not in table' };
  return {
    prefix,
    version: 0,
    paths: list.map(({ path: p, local, multipath, reason }) => ({
      aspath: {
        string: local ? 'Local' : asPathText(p),
        segments: p.asPath.length ? [{ type: 'as-sequence', list: p.asPath }] : [],
        length: p.asPath.length,
      },
      origin: p.origin ?? 'incomplete',
      ...(p.med !== undefined ? { metric: p.med } : {}),
      ...(p.localPref !== undefined ? { locPrf: p.localPref } : {}),
      valid: p.valid,
      version: 0,
      ...(multipath ? { multipath: true } : {}),
      ...(p.best ? { bestpath: { overall: true, selectionReason: reason } } : {}),
      ...(p.communities.length
        ? { community: { string: p.communities.join(' '), list: p.communities } }
        : {}),
      ...(p.largeCommunities.length
        ? { largeCommunity: { string: p.largeCommunities.join(' '), list: p.largeCommunities } }
        : {}),
      nexthops: nexthopsJson(p).map((n) => ({ ...n, metric: 0, accessible: true })),
      peer: local
        ? { peerId: '0.0.0.0', routerId: router.spec.routerId }
        : { peerId: p.peerId, routerId: p.peerId, type: 'external' },
    })),
  };
}

// ---- show bfd peers ---------------------------------------------------------------------------

/** bfdd's uptime text: `N second(s)`, with larger units in front once they are not zero. */
function bfdUptime(totalS: number): string {
  const units: [number, string][] = [
    [Math.floor(totalS / 86400), 'day(s)'],
    [Math.floor((totalS % 86400) / 3600), 'hour(s)'],
    [Math.floor((totalS % 3600) / 60), 'minute(s)'],
    [totalS % 60, 'second(s)'],
  ];
  const first = units.findIndex(([v]) => v > 0);
  return units
    .slice(first < 0 ? 3 : first)
    .map(([v, u]) => `${v} ${u}`)
    .join(', ');
}

function interval(ms: number): string {
  return ms > 0 ? `${ms}ms` : 'disabled';
}

function bfdPeersText(peers: BfdPeer[]): string {
  const out = ['BFD Peers:'];
  for (const p of peers) {
    out.push(
      `\tpeer ${p.peer}${p.multihop ? ' multihop' : ''}${p.local ? ` local-address ${p.local}` : ''} vrf ${p.vrf}${p.interface ? ` interface ${p.interface}` : ''}`,
      `\t\tID: ${p.id}`,
      `\t\tRemote ID: ${p.remoteId}`,
      `\t\t${p.passiveMode ? 'Passive' : 'Active'} mode`,
      `\t\tStatus: ${p.status}`,
      ...(p.uptimeS !== undefined ? [`\t\tUptime: ${bfdUptime(p.uptimeS)}`] : []),
      ...(p.downtimeS !== undefined ? [`\t\tDowntime: ${bfdUptime(p.downtimeS)}`] : []),
      `\t\tDiagnostics: ${p.diagnostic}`,
      `\t\tRemote diagnostics: ${p.remoteDiagnostic}`,
      '\t\tPeer Type: dynamic',
      '\t\tRTT min/avg/max: 0/0/0 usec',
      '\t\tLocal timers:',
      `\t\t\tDetect-multiplier: ${p.detectMultiplier}`,
      `\t\t\tReceive interval: ${p.receiveIntervalMs}ms`,
      `\t\t\tTransmission interval: ${p.transmitIntervalMs}ms`,
      `\t\t\tEcho receive interval: ${interval(p.echoReceiveIntervalMs)}`,
      `\t\t\tEcho transmission interval: ${interval(p.echoTransmitIntervalMs)}`,
      '\t\tRemote timers:',
      `\t\t\tDetect-multiplier: ${p.remoteDetectMultiplier}`,
      `\t\t\tReceive interval: ${p.remoteReceiveIntervalMs}ms`,
      `\t\t\tTransmission interval: ${p.remoteTransmitIntervalMs}ms`,
      `\t\t\tEcho receive interval: ${interval(p.remoteEchoReceiveIntervalMs ?? 0)}`,
      '',
    );
  }
  return out.join('\n') + '\n';
}

function bfdPeersJson(peers: BfdPeer[]): Record<string, unknown>[] {
  return peers.map((p) => ({
    multihop: p.multihop,
    peer: p.peer,
    ...(p.local ? { local: p.local } : {}),
    vrf: p.vrf,
    ...(p.interface ? { interface: p.interface } : {}),
    id: p.id,
    'remote-id': p.remoteId,
    'passive-mode': p.passiveMode,
    status: p.status,
    ...(p.uptimeS !== undefined ? { uptime: p.uptimeS } : {}),
    ...(p.downtimeS !== undefined ? { downtime: p.downtimeS } : {}),
    diagnostic: p.diagnostic,
    'remote-diagnostic': p.remoteDiagnostic,
    'receive-interval': p.receiveIntervalMs,
    'transmit-interval': p.transmitIntervalMs,
    'echo-receive-interval': p.echoReceiveIntervalMs,
    'echo-transmit-interval': p.echoTransmitIntervalMs,
    'detect-multiplier': p.detectMultiplier,
    'remote-receive-interval': p.remoteReceiveIntervalMs,
    'remote-transmit-interval': p.remoteTransmitIntervalMs,
    'remote-echo-receive-interval': p.remoteEchoReceiveIntervalMs ?? 0,
    'remote-detect-multiplier': p.remoteDetectMultiplier,
    'rtt-min': 0,
    'rtt-avg': 0,
    'rtt-max': 0,
  }));
}
