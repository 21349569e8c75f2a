/**
 * What two OPENs agree on (RFC 4271 4.2 and 10, RFC 5492, RFC 6793, RFC 8654, RFC 2918,
 * RFC 7313, RFC 7911, RFC 4724, RFC 4760): the session's timers and the features both sides
 * advertised. The runtime builds its codec context from it (codecContextOf).
 */
import type {
  AfiSafi,
  Capability,
  CodecContext,
  ExtendedNextHopFamily,
  OpenMessage,
} from '../wire/types.js';
import { AFI_IPV4, SAFI_UNICAST } from '../wire/types.js';

export interface NegotiatedAddPath {
  afi: number;
  safi: number;
  /** We send path identifiers for this family (we advertised send, the peer receive). */
  send: boolean;
  /** We receive path identifiers for this family (we advertised receive, the peer send). */
  receive: boolean;
}

export interface NegotiatedGracefulRestart {
  /** The peer's Restart Time in seconds. */
  peerRestartTimeSeconds: number;
  peerRestarting: boolean;
  /** RFC 8538: both sides set the N bit, so Hard Reset rules apply to NOTIFICATIONs. */
  notification: boolean;
  /** Families the peer lists, with its Forwarding State bit. */
  families: { afi: number; safi: number; forwardingPreserved: boolean }[];
}

export interface NegotiatedParameters {
  /** The peer's real AS (4-octet capability when present, RFC 6793 3). */
  peerAsn: number;
  peerBgpId: string;
  /** iBGP: the peer's AS equals ours. */
  internal: boolean;
  /** RFC 4271 4.2: the smaller of the two hold times, in seconds; 0 means no hold timer. */
  holdTimeSeconds: number;
  /** min(configured keepalive, hold/3) in ms; 0 when the hold time is 0 (RFC 4271 4.4). */
  keepaliveTimeMs: number;
  fourOctetAs: boolean;
  extendedMessage: boolean;
  routeRefresh: boolean;
  enhancedRouteRefresh: boolean;
  /** Multiprotocol families both sides advertised (RFC 4760 8). */
  families: AfiSafi[];
  addPath: NegotiatedAddPath[];
  /**
   * RFC 8950 3/4: (NLRI family, next hop AFI) triples both sides advertised in the Extended Next
   * Hop Encoding capability: we may send such NLRI with a next hop of that AFI.
   */
  extendedNextHop: ExtendedNextHopFamily[];
  /** Present when both sides advertised graceful restart (RFC 4724 3). */
  gracefulRestart?: NegotiatedGracefulRestart;
  /** The peer's capabilities as received. */
  peerCapabilities: Capability[];
}

/**
 * RFC 4760 8 / RFC 5492 3: a speaker that advertises no multiprotocol capability speaks
 * IPv4 unicast only, so that is its implicit family list.
 */
function familiesOf(caps: readonly Capability[]): AfiSafi[] {
  const mp = caps.flatMap((c) =>
    c.kind === 'multiprotocol' ? [{ afi: c.afi, safi: c.safi }] : [],
  );
  return mp.length > 0 ? mp : [{ afi: AFI_IPV4, safi: SAFI_UNICAST }];
}

const has = (caps: readonly Capability[], kind: Capability['kind']): boolean =>
  caps.some((c) => c.kind === kind);

function addPathModes(caps: readonly Capability[]): Map<string, number> {
  const modes = new Map<string, number>();
  for (const c of caps) {
    if (c.kind !== 'add-path') continue;
    for (const f of c.families) modes.set(`${f.afi}/${f.safi}`, f.sendReceive);
  }
  return modes;
}

/**
 * RFC 7911 4: per family, this side sends path identifiers when it advertised Send (2 or 3)
 * and the peer advertised Receive (1 or 3), and receives them in the mirror case.
 */
function negotiateAddPath(
  ours: readonly Capability[],
  theirs: readonly Capability[],
): NegotiatedAddPath[] {
  const local = addPathModes(ours);
  const remote = addPathModes(theirs);
  const result: NegotiatedAddPath[] = [];
  for (const [family, mine] of local) {
    const peer = remote.get(family);
    if (peer === undefined) continue;
    const send = (mine & 2) !== 0 && (peer & 1) !== 0;
    const receive = (mine & 1) !== 0 && (peer & 2) !== 0;
    if (!send && !receive) continue;
    const [afi, safi] = family.split('/').map(Number) as [number, number];
    result.push({ afi, safi, send, receive });
  }
  return result;
}

function negotiateGracefulRestart(
  ours: readonly Capability[],
  theirs: readonly Capability[],
): NegotiatedGracefulRestart | undefined {
  const mine = ours.find((c) => c.kind === 'graceful-restart');
  const peer = theirs.find((c) => c.kind === 'graceful-restart');
  if (!mine || !peer) return undefined;
  return {
    peerRestartTimeSeconds: peer.restartTime,
    peerRestarting: peer.restarting,
    notification: mine.notification && peer.notification,
    families: peer.families.map((f) => ({ ...f })),
  };
}

function extendedNextHops(caps: readonly Capability[]): ExtendedNextHopFamily[] {
  return caps.flatMap((c) => (c.kind === 'extended-nexthop' ? c.families : []));
}

/**
 * RFC 8950 4: a speaker sends NLRI of a family with a next hop of another AFI only to a peer
 * that advertised that triple; we also require our own advertisement of it, so that a session
 * not configured for extended next hops never sends them (FRR does the same).
 */
function negotiateExtendedNextHop(
  ours: readonly Capability[],
  theirs: readonly Capability[],
): ExtendedNextHopFamily[] {
  const peer = extendedNextHops(theirs);
  return extendedNextHops(ours).filter((f) =>
    peer.some((p) => p.afi === f.afi && p.safi === f.safi && p.nextHopAfi === f.nextHopAfi),
  );
}

export interface NegotiationInput {
  localAsn: number;
  localHoldTimeSeconds: number;
  localKeepaliveTimeMs: number;
  localCapabilities: readonly Capability[];
  peerAsn: number;
  peerOpen: OpenMessage;
}

/** Computes the session parameters from our settings and the peer's (already valid) OPEN. */
export function negotiate(input: NegotiationInput): NegotiatedParameters {
  const ours = input.localCapabilities;
  const theirs = input.peerOpen.capabilities;
  // RFC 4271 4.2: the negotiated Hold Time is the smaller of ours and the peer's.
  const holdTimeSeconds = Math.min(input.localHoldTimeSeconds, input.peerOpen.holdTime);
  // RFC 4271 4.4: no KEEPALIVEs when the hold time is zero; RFC 4271 10: a third of the hold
  // time by default, never above what the operator configured.
  const keepaliveTimeMs =
    holdTimeSeconds === 0
      ? 0
      : Math.min(input.localKeepaliveTimeMs, Math.floor((holdTimeSeconds * 1000) / 3));
  const peerFamilies = familiesOf(theirs);
  const families = familiesOf(ours).filter((f) =>
    peerFamilies.some((p) => p.afi === f.afi && p.safi === f.safi),
  );
  const routeRefresh =
    has(ours, 'route-refresh') &&
    (has(theirs, 'route-refresh') || has(theirs, 'route-refresh-old'));
  const gracefulRestart = negotiateGracefulRestart(ours, theirs);
  return {
    peerAsn: input.peerAsn,
    peerBgpId: input.peerOpen.bgpId,
    internal: input.peerAsn === input.localAsn,
    holdTimeSeconds,
    keepaliveTimeMs,
    // RFC 6793 4.1/4.2: 4-octet AS encoding only when both sides advertised the capability.
    fourOctetAs: has(ours, 'four-octet-as') && has(theirs, 'four-octet-as'),
    // RFC 8654 3: larger messages only when both sides advertised the capability.
    extendedMessage: has(ours, 'extended-message') && has(theirs, 'extended-message'),
    routeRefresh,
    // RFC 7313: enhanced route refresh builds on route refresh (RFC 2918).
    enhancedRouteRefresh:
      routeRefresh && has(ours, 'enhanced-route-refresh') && has(theirs, 'enhanced-route-refresh'),
    families,
    addPath: negotiateAddPath(ours, theirs),
    extendedNextHop: negotiateExtendedNextHop(ours, theirs),
    ...(gracefulRestart ? { gracefulRestart } : {}),
    peerCapabilities: [...theirs],
  };
}

/** The codec context (src/bgp/wire) a session uses after OPEN negotiation. */
export function codecContextOf(negotiated: NegotiatedParameters): CodecContext {
  const key = (f: { afi: number; safi: number }): string => `${f.afi}/${f.safi}`;
  const ctx: CodecContext = {
    fourOctetAs: negotiated.fourOctetAs,
    extendedMessage: negotiated.extendedMessage,
    externalPeer: !negotiated.internal,
  };
  // Only when ADD-PATH was negotiated: two empty Sets per session were ~300 B at 10,000.
  const receive = negotiated.addPath.filter((f) => f.receive).map(key);
  const send = negotiated.addPath.filter((f) => f.send).map(key);
  if (receive.length) ctx.addPathReceive = new Set(receive);
  if (send.length) ctx.addPathSend = new Set(send);
  return ctx;
}
