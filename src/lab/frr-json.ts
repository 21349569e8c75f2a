import { VtyshJsonError } from './errors.js';
import type { NeighborMessageCounters } from '../bgp/neighbor.js';
import { bfdStatusString } from '../metallb/session-state.js';
import type { BFDStatusString } from '../metallb/types.js';

/**
 * Typed readers for FRR 8.4's vtysh JSON (`show bgp neighbors json`, `show bgp ipv4|ipv6
 * unicast json`, `show bfd peers json`). Field names follow FRR as recorded in
 * docs/metallb-crs.md §17 (bgpState, peerBfdInfo.status, the bfd peer fields). Every field
 * is checked: unexpected JSON is a VtyshJsonError (ERR_LAB_VTYSH_JSON_INVALID), never a crash or a
 * silently wrong value.
 */

export const BGP_STATES = [
  'Idle',
  'Connect',
  'Active',
  'OpenSent',
  'OpenConfirm',
  'Established',
  // FRR-internal states a neighbor passes through while being reset or removed.
  'Clearing',
  'Deleted',
] as const;
export type BgpState = (typeof BGP_STATES)[number];

/** BGPSessionState.status.bfdStatus vocabulary (reference §3). */
export type CrBfdStatus = BFDStatusString;

export interface BgpNeighborBfd {
  /** FRR's text as is: Up, Down, Init, Admin Down, Unknown. */
  status: string;
  type?: string;
  detectMultiplier?: number;
  rxMinIntervalMs?: number;
  txMinIntervalMs?: number;
}

export interface BgpNeighbor {
  address: string;
  remoteAs: number;
  localAs: number;
  state: BgpState;
  remoteRouterId?: string;
  uptimeMs?: number;
  holdTimeMs?: number;
  keepaliveMs?: number;
  configuredHoldTimeMs?: number;
  bfd?: BgpNeighborBfd;
  /** As BGPSessionState shows it: N/A without BFD; BFD Init shows as Down. */
  crBfdStatus: CrBfdStatus;
  /** FRR's messageStats; the builtin router fills it from its Neighbor's counters. */
  messages?: NeighborMessageCounters;
  connectionsEstablished?: number;
  connectionsDropped?: number;
  lastResetDueTo?: string;
  /** Last NOTIFICATION sent or received (RFC 4271 4.5): FRR's lastErrorCodeSubcode "060A". */
  lastNotification?: { code: number; subcode: number; reason?: string };
  localHost?: string;
  localPort?: number;
  foreignHost?: string;
  foreignPort?: number;
}

export interface BgpNexthop {
  ip: string;
  afi?: string;
  scope?: string;
  used: boolean;
}

export interface BgpPath {
  prefix: string;
  valid: boolean;
  best: boolean;
  /** AS numbers of AS_PATH in order (AS_SET braces dropped). */
  asPath: number[];
  origin?: string;
  peerId?: string;
  med?: number;
  localPref?: number;
  weight?: number;
  /** RFC 4724 4.2: kept from a peer that is restarting (graceful restart), until its EoR. */
  stale?: boolean;
  nexthops: BgpNexthop[];
}

export interface BgpRouteTable {
  routerId: string;
  localAs: number;
  vrfName?: string;
  /** prefix (e.g. 198.18.200.0/24) -> paths */
  routes: Record<string, BgpPath[]>;
}

export type BfdPeerStatus = 'up' | 'down' | 'init' | 'shutdown' | 'unknown';

export interface BfdPeer {
  multihop: boolean;
  peer: string;
  local?: string;
  vrf: string;
  interface?: string;
  id: number;
  remoteId: number;
  passiveMode: boolean;
  status: BfdPeerStatus;
  uptimeS?: number;
  downtimeS?: number;
  diagnostic: string;
  remoteDiagnostic: string;
  receiveIntervalMs: number;
  transmitIntervalMs: number;
  echoReceiveIntervalMs: number;
  echoTransmitIntervalMs: number;
  detectMultiplier: number;
  remoteReceiveIntervalMs: number;
  remoteTransmitIntervalMs: number;
  remoteEchoReceiveIntervalMs?: number;
  remoteDetectMultiplier: number;
}

type Obj = Record<string, unknown>;

class Reader {
  constructor(readonly command: string) {}

  fail(path: string, what: string): never {
    throw new VtyshJsonError(this.command, `${path}: expected ${what}`);
  }

  parse(text: string): unknown {
    try {
      return JSON.parse(text);
    } catch {
      return this.fail('$', 'JSON');
    }
  }

  obj(v: unknown, path: string): Obj {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail(path, 'an object');
    return v as Obj;
  }

  arr(v: unknown, path: string): unknown[] {
    if (!Array.isArray(v)) this.fail(path, 'an array');
    return v;
  }

  str(o: Obj, key: string, path: string): string {
    const v = o[key];
    if (typeof v !== 'string') this.fail(`${path}.${key}`, 'a string');
    return v;
  }

  num(o: Obj, key: string, path: string): number {
    const v = o[key];
    if (typeof v !== 'number' || !Number.isFinite(v)) this.fail(`${path}.${key}`, 'a number');
    return v;
  }

  bool(o: Obj, key: string, path: string): boolean {
    const v = o[key];
    if (typeof v !== 'boolean') this.fail(`${path}.${key}`, 'a boolean');
    return v;
  }

  optStr(o: Obj, key: string, path: string): string | undefined {
    return o[key] === undefined ? undefined : this.str(o, key, path);
  }

  optNum(o: Obj, key: string, path: string): number | undefined {
    return o[key] === undefined ? undefined : this.num(o, key, path);
  }

  optBool(o: Obj, key: string, path: string): boolean | undefined {
    return o[key] === undefined ? undefined : this.bool(o, key, path);
  }
}

/** Drops keys whose value is undefined, so results compare cleanly. */
function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

export function crBfdStatus(bfd: BgpNeighborBfd | undefined): CrBfdStatus {
  // frr-status's mapping, kept once in src/metallb (N/A when FRR shows no peerBfdInfo).
  return bfd ? bfdStatusString(bfd.status) : 'N/A';
}

/** `show bgp [vrf X] neighbors json`: neighbor address -> state. */
export function parseBgpNeighbors(text: string): Record<string, BgpNeighbor> {
  const r = new Reader('show bgp neighbors json');
  const root = r.obj(r.parse(text), '$');
  const out: Record<string, BgpNeighbor> = {};
  for (const [address, value] of Object.entries(root)) {
    const p = `$["${address}"]`;
    const n = r.obj(value, p);
    const state = r.str(n, 'bgpState', p);
    if (!(BGP_STATES as readonly string[]).includes(state)) r.fail(`${p}.bgpState`, 'a BGP state');
    let bfd: BgpNeighborBfd | undefined;
    if (n.peerBfdInfo !== undefined) {
      const b = r.obj(n.peerBfdInfo, `${p}.peerBfdInfo`);
      const bp = `${p}.peerBfdInfo`;
      bfd = defined({
        status: r.str(b, 'status', bp),
        type: r.optStr(b, 'type', bp),
        detectMultiplier: r.optNum(b, 'detectMultiplier', bp),
        rxMinIntervalMs: r.optNum(b, 'rxMinInterval', bp),
        txMinIntervalMs: r.optNum(b, 'txMinInterval', bp),
      });
    }
    let messages: BgpNeighbor['messages'];
    if (n.messageStats !== undefined) {
      const m = r.obj(n.messageStats, `${p}.messageStats`);
      const mp = `${p}.messageStats`;
      messages = {
        opensSent: r.num(m, 'opensSent', mp),
        opensRecv: r.num(m, 'opensRecv', mp),
        updatesSent: r.num(m, 'updatesSent', mp),
        updatesRecv: r.num(m, 'updatesRecv', mp),
        keepalivesSent: r.num(m, 'keepalivesSent', mp),
        keepalivesRecv: r.num(m, 'keepalivesRecv', mp),
        notificationsSent: r.num(m, 'notificationsSent', mp),
        notificationsRecv: r.num(m, 'notificationsRecv', mp),
      };
    }
    let lastNotification: BgpNeighbor['lastNotification'];
    const codeSubcode = r.optStr(n, 'lastErrorCodeSubcode', p);
    if (codeSubcode !== undefined) {
      if (!/^[0-9A-Fa-f]{4}$/.test(codeSubcode))
        r.fail(`${p}.lastErrorCodeSubcode`, '4 hex digits');
      lastNotification = defined({
        code: parseInt(codeSubcode.slice(0, 2), 16),
        subcode: parseInt(codeSubcode.slice(2), 16),
        reason: r.optStr(n, 'lastNotificationReason', p),
      });
    }
    out[address] = defined({
      address,
      remoteAs: r.num(n, 'remoteAs', p),
      localAs: r.num(n, 'localAs', p),
      state: state as BgpState,
      remoteRouterId: r.optStr(n, 'remoteRouterId', p),
      uptimeMs: r.optNum(n, 'bgpTimerUpMsec', p),
      holdTimeMs: r.optNum(n, 'bgpTimerHoldTimeMsecs', p),
      keepaliveMs: r.optNum(n, 'bgpTimerKeepAliveIntervalMsecs', p),
      configuredHoldTimeMs: r.optNum(n, 'bgpTimerConfiguredHoldTimeMsecs', p),
      bfd,
      crBfdStatus: crBfdStatus(bfd),
      messages,
      connectionsEstablished: r.optNum(n, 'connectionsEstablished', p),
      connectionsDropped: r.optNum(n, 'connectionsDropped', p),
      lastResetDueTo: r.optStr(n, 'lastResetDueTo', p),
      lastNotification,
      localHost: r.optStr(n, 'hostLocal', p),
      localPort: r.optNum(n, 'portLocal', p),
      foreignHost: r.optStr(n, 'hostForeign', p),
      foreignPort: r.optNum(n, 'portForeign', p),
    });
  }
  return out;
}

function parseAsPath(r: Reader, text: string, path: string): number[] {
  // FRR prints AS_PATH as "64502 64503" and AS_SETs as "{64510,64511}".
  const tokens = text
    .replace(/[{}()[\]]/g, ' ')
    .split(/[\s,]+/)
    .filter((t) => t !== '');
  return tokens.map((t) => {
    const n = Number(t);
    if (!Number.isInteger(n) || n < 0 || n > 4294967295) r.fail(path, 'AS numbers');
    return n;
  });
}

/** `show bgp ipv4 unicast json` / `show bgp ipv6 unicast json`. */
export function parseBgpRoutes(text: string, family: 'ipv4' | 'ipv6'): BgpRouteTable {
  const r = new Reader(`show bgp ${family} unicast json`);
  const root = r.obj(r.parse(text), '$');
  const routes: Record<string, BgpPath[]> = {};
  const table = root.routes === undefined ? {} : r.obj(root.routes, '$.routes');
  for (const [prefix, paths] of Object.entries(table)) {
    routes[prefix] = r.arr(paths, `$.routes["${prefix}"]`).map((value, i) => {
      const p = `$.routes["${prefix}"][${i}]`;
      const o = r.obj(value, p);
      const nexthops = o.nexthops === undefined ? [] : r.arr(o.nexthops, `${p}.nexthops`);
      return defined({
        prefix,
        valid: r.optBool(o, 'valid', p) ?? false,
        best: r.optBool(o, 'bestpath', p) ?? false,
        asPath: parseAsPath(r, r.optStr(o, 'path', p) ?? '', `${p}.path`),
        origin: r.optStr(o, 'origin', p),
        peerId: r.optStr(o, 'peerId', p),
        med: r.optNum(o, 'metric', p),
        localPref: r.optNum(o, 'locPrf', p),
        weight: r.optNum(o, 'weight', p),
        stale: r.optBool(o, 'stale', p),
        nexthops: nexthops.map((nh, j) => {
          const np = `${p}.nexthops[${j}]`;
          const h = r.obj(nh, np);
          return defined({
            ip: r.str(h, 'ip', np),
            afi: r.optStr(h, 'afi', np),
            scope: r.optStr(h, 'scope', np),
            used: r.optBool(h, 'used', np) ?? false,
          });
        }),
      });
    });
  }
  return defined({
    routerId: r.str(root, 'routerId', '$'),
    localAs: r.num(root, 'localAS', '$'),
    vrfName: r.optStr(root, 'vrfName', '$'),
    routes,
  });
}

const BFD_STATUSES: readonly string[] = ['up', 'down', 'init', 'shutdown', 'unknown'];

/** `show bfd [vrf X] peers json`. */
export function parseBfdPeers(text: string): BfdPeer[] {
  const r = new Reader('show bfd peers json');
  return r.arr(r.parse(text), '$').map((value, i) => {
    const p = `$[${i}]`;
    const o = r.obj(value, p);
    const status = r.str(o, 'status', p);
    if (!BFD_STATUSES.includes(status)) r.fail(`${p}.status`, 'a BFD status');
    return defined({
      multihop: r.bool(o, 'multihop', p),
      peer: r.str(o, 'peer', p),
      local: r.optStr(o, 'local', p),
      vrf: r.str(o, 'vrf', p),
      interface: r.optStr(o, 'interface', p),
      id: r.num(o, 'id', p),
      remoteId: r.num(o, 'remote-id', p),
      passiveMode: r.optBool(o, 'passive-mode', p) ?? false,
      status: status as BfdPeerStatus,
      uptimeS: r.optNum(o, 'uptime', p),
      downtimeS: r.optNum(o, 'downtime', p),
      diagnostic: r.str(o, 'diagnostic', p),
      remoteDiagnostic: r.str(o, 'remote-diagnostic', p),
      receiveIntervalMs: r.num(o, 'receive-interval', p),
      transmitIntervalMs: r.num(o, 'transmit-interval', p),
      echoReceiveIntervalMs: r.num(o, 'echo-receive-interval', p),
      echoTransmitIntervalMs: r.num(o, 'echo-transmit-interval', p),
      detectMultiplier: r.num(o, 'detect-multiplier', p),
      remoteReceiveIntervalMs: r.num(o, 'remote-receive-interval', p),
      remoteTransmitIntervalMs: r.num(o, 'remote-transmit-interval', p),
      remoteEchoReceiveIntervalMs: r.optNum(o, 'remote-echo-receive-interval', p),
      remoteDetectMultiplier: r.num(o, 'remote-detect-multiplier', p),
    });
  });
}
