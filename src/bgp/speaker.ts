/**
 * A BGP speaker: many sessions at once (one per simulated node and peer), each with its
 * Adj-RIB-Out (what we advertise) and Adj-RIB-In (what the peer sends: counted, and kept when
 * asked, e.g. by builtin routers that scenarios query like FRR).
 *
 * Routes are service routes: /32 and /128 (or an aggregation length) with next hop = the
 * node's address. Changes are coalesced on a microtask and sent packed many prefixes per
 * UPDATE (RFC 4271 4.3), with back-pressure from the transport.
 */
import { SpeakersimError } from '../core/errors.js';
import type { Random } from '../core/random.js';
import type { Clock, Timer } from '../core/clock.js';
import {
  AdjRibOut,
  AttributeTable,
  isIpv6Prefix,
  type AnnouncementGroup,
  type RouteAttributes,
} from './rib.js';
import { AdjRibIn } from './adj-rib-in.js';
import { BgpSession, type BgpSessionListeners, type ReceivedUpdateEvent } from './session.js';
import type { Connection, Listener, Transport } from './io/transport.js';
import type {
  FsmConfig,
  NegotiatedParameters,
  PeerAsnExpectation,
  TransitionReason,
} from './fsm/index.js';
import {
  AFI_IPV4,
  AFI_IPV6,
  SAFI_UNICAST,
  encodeMessage,
  endOfRib,
  familyKey,
  updateMessages,
  CeaseSubcode,
  ErrorCode,
  RouteRefreshSubtype,
  type Capability,
  type PathAttributes,
  type RouteRefreshMessage,
} from './wire/index.js';

export type AddressFamily = 'ipv4' | 'ipv6';

export interface PeerConfig {
  /** Unique key, e.g. "worker0/198.18.0.1". */
  id: string;
  /** The simulated node this session belongs to. */
  node?: string;
  /** Source address for outgoing connections and the address incoming ones must reach. */
  localAddress?: string;
  localAsn: number;
  routerId: string;
  peerAddress: string;
  peerPort?: number;
  peerAsn: PeerAsnExpectation;
  holdTimeSeconds?: number;
  keepaliveTimeSeconds?: number;
  connectRetryTimeSeconds?: number;
  /** Wait for the peer to connect (RFC 4271 8.1.1 PassiveTcpEstablishment). */
  passive?: boolean;
  /** Families to negotiate (RFC 4760); default both IPv4 and IPv6 unicast. */
  families?: AddressFamily[];
  /**
   * Graceful restart (RFC 4724): advertise the capability with this restart time. As a
   * restarting speaker (the default) every family is listed with its Forwarding State bit set
   * and the Restart State bit is set until our first End-of-RIB after we start; `helperOnly`
   * lists no family (FRR's default helper mode: we keep the peer's routes, it keeps none of
   * ours). Either way the peer's routes are kept as stale across its restarts (RFC 4724 4.2).
   */
  gracefulRestart?: GracefulRestartConfig;
  /** Advertise RFC 7313 enhanced route refresh (capability 70); default true. */
  enhancedRouteRefresh?: boolean;
  /**
   * Advertise RFC 8950 Extended Next Hop Encoding for IPv4 unicast with IPv6 next hops
   * (capability 5), as FRR does for `neighbor <interface> interface` (unnumbered) peers.
   */
  extendedNextHop?: boolean;
  /** Advertise RFC 8654 extended messages. */
  extendedMessage?: boolean;
  /** Keep received routes (Adj-RIB-In) and not only count them. */
  keepAdjRibIn?: boolean;
  /** Hostname for the FQDN capability FRR shows in `show bgp neighbors`. */
  hostname?: string;
  /** After a failed connect: RFC 4271 Idle (default) or FRR's Active (see FsmConfig). */
  connectFailure?: 'idle' | 'active';
}

export interface GracefulRestartConfig {
  restartTimeSeconds: number;
  helperOnly?: boolean;
  /**
   * How long stale routes wait for the peer's End-of-RIB once its session is back (RFC 4724
   * 4.2 lets the receiver bound it); FRR's `bgp graceful-restart stalepath-time` default, 360.
   */
  stalePathTimeSeconds?: number;
}

export interface SpeakerComponents {
  clock: Clock;
  random: Random;
  transport: Transport;
}

export interface ReceivedRoute {
  prefix: string;
  attributes: PathAttributes;
}

export interface PeerCounters {
  updatesSent: number;
  updatesReceived: number;
  prefixesReceived: number;
  notificationsSent: number;
  notificationsReceived: number;
  establishedTransitions: number;
}

function capabilitiesFor(config: PeerConfig): Capability[] {
  const families = config.families ?? ['ipv4', 'ipv6'];
  const caps: Capability[] = families.map((f) => ({
    kind: 'multiprotocol',
    afi: f === 'ipv4' ? AFI_IPV4 : AFI_IPV6,
    safi: SAFI_UNICAST,
  }));
  if (config.extendedNextHop) {
    caps.push({
      kind: 'extended-nexthop',
      families: [{ afi: AFI_IPV4, safi: SAFI_UNICAST, nextHopAfi: AFI_IPV6 }],
    });
  }
  caps.push({ kind: 'route-refresh' });
  if (config.enhancedRouteRefresh ?? true) caps.push({ kind: 'enhanced-route-refresh' });
  if (config.extendedMessage) caps.push({ kind: 'extended-message' });
  const gr = config.gracefulRestart;
  if (gr) {
    caps.push({
      kind: 'graceful-restart',
      // RFC 4724 3: Restart State, set by a speaker that has restarted (as FRR does for its
      // first sessions after bgpd starts); cleared once our End-of-RIB has gone out.
      restarting: !gr.helperOnly,
      // RFC 8538 2: the N bit, so that a NOTIFICATION other than Hard Reset keeps routes too.
      notification: true,
      restartTime: gr.restartTimeSeconds,
      // RFC 4724 3: the families whose forwarding state we preserve across a restart (MetalLB's
      // FRR runs `bgp graceful-restart preserve-fw-state`); none for a helper.
      families: gr.helperOnly
        ? []
        : families.map((f) => ({
            afi: f === 'ipv4' ? AFI_IPV4 : AFI_IPV6,
            safi: SAFI_UNICAST,
            forwardingPreserved: true,
          })),
    });
  }
  if (config.hostname) caps.push({ kind: 'fqdn', hostname: config.hostname, domain: '' });
  return caps;
}

/** RFC 8538 3: Cease / Hard Reset ends a session for good: no graceful restart. */
function isHardReset(code: number, subcode: number): boolean {
  return code === ErrorCode.CEASE && subcode === CeaseSubcode.HARD_RESET;
}

/**
 * RFC 4724 4.2 / RFC 8538 3: whether the peer's routes are kept (stale) after the session went
 * down for `reason`. A lost connection always qualifies; an expired hold timer or a NOTIFICATION
 * sent or received only when both sides set the N bit and it is not a Hard Reset. Stopping the
 * session ourselves (deconfiguring the peer) or BFD Down never does.
 */
export function keepsRoutesAfter(reason: TransitionReason, notificationBit: boolean): boolean {
  if (typeof reason === 'string') {
    switch (reason) {
      case 'tcp-failed':
        return true;
      case 'hold-timer-expired':
      case 'collision':
        return notificationBit;
      case 'bfd-down':
        // BFD says forwarding to the peer is broken: keeping its routes would black-hole
        // traffic. FRR sends this Cease/10 as a Hard Reset for the same reason.
        return false;
      default:
        return false;
    }
  }
  switch (reason.kind) {
    case 'notification-received':
    case 'notification-sent':
      return notificationBit && !isHardReset(reason.code, reason.subcode);
    default:
      return false;
  }
}

const isIpv6Address = (a: string): boolean => a.includes(':');

/**
 * MP_REACH_NLRI next hops of a route with an IPv6 next hop (RFC 2545 3, RFC 8950 3): the
 * global one, then the link-local one when there is one. A link-local `nextHop` alone (an
 * unnumbered link) goes as a 16-octet next hop.
 */
function ipv6NextHops(r: Readonly<RouteAttributes>): string[] {
  return r.linkLocalNextHop ? [r.nextHop, r.linkLocalNextHop] : [r.nextHop];
}

const familyOf = (afi: number): AddressFamily => (afi === AFI_IPV6 ? 'ipv6' : 'ipv4');

/**
 * UPDATEs handed to the socket at a time while a large change is encoded: 64 full messages of
 * 4,096 octets are the transport's high-water mark (256 KiB).
 */
const SEND_BATCH = 64;

/** The next turn of the event loop: corked writes reach the socket before encoding goes on. */
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Prefixes split into IPv4 and IPv6, one pass, as they are (strings, in order). */
function byFamily(prefixes: readonly string[]): { v4: readonly string[]; v6: readonly string[] } {
  // One family (the usual case): the list itself, no copy of 1,000,000 entries.
  if (!prefixes.some(isIpv6Prefix)) return { v4: prefixes, v6: [] };
  if (prefixes.every(isIpv6Prefix)) return { v4: [], v6: prefixes };
  const v4: string[] = [];
  const v6: string[] = [];
  for (const p of prefixes) (isIpv6Prefix(p) ? v6 : v4).push(p);
  return { v4, v6 };
}

export class Peer {
  readonly session: BgpSession;
  readonly adjRibOut: AdjRibOut;
  /** Received routes (only with keepAdjRibIn), with stale marks and ADD-PATH identifiers. */
  readonly adjRibIn = new AdjRibIn();
  /** Our graceful restart capability, whose Restart State bit is cleared after our End-of-RIB. */
  private readonly grCapability: Extract<Capability, { kind: 'graceful-restart' }> | undefined;
  /** What the last Established session negotiated (the session forgets it once down). */
  private lastNegotiated: NegotiatedParameters | undefined;
  /** RFC 4724 4.2: the peer's Restart Time, then the stale-path time once it is back. */
  private staleTimer: Timer | undefined;
  /** Families whose stale routes wait for the peer's End-of-RIB (RFC 4724 4.2). */
  private awaitingEndOfRib = new Set<string>();
  /** RFC 7313 4: families whose EoRR is owed after the refreshed routes. */
  private owedEndOfRefresh: { afi: number; safi: number }[] = [];
  /** RFC 7313 4: families the peer is re-sending (BoRR received, EoRR not yet). */
  private refreshingIn = new Set<string>();
  readonly counters: PeerCounters = {
    updatesSent: 0,
    updatesReceived: 0,
    prefixesReceived: 0,
    notificationsSent: 0,
    notificationsReceived: 0,
    establishedTransitions: 0,
  };
  private flushScheduled = false;
  private flushing = false;
  /** Families whose End-of-RIB is still owed after the initial advertisement. */
  private owedEndOfRib: { afi: number; safi: number }[] = [];

  constructor(
    readonly config: PeerConfig,
    private readonly components: SpeakerComponents,
    table: AttributeTable,
  ) {
    const capabilities = capabilitiesFor(config);
    this.grCapability = capabilities.find(
      (c): c is Extract<Capability, { kind: 'graceful-restart' }> => c.kind === 'graceful-restart',
    );
    const fsm: Omit<FsmConfig, 'random'> = {
      localAsn: config.localAsn,
      bgpId: config.routerId,
      peerAsn: config.peerAsn,
      holdTimeSeconds: config.holdTimeSeconds,
      keepaliveTimeSeconds: config.keepaliveTimeSeconds,
      connectRetryTimeSeconds: config.connectRetryTimeSeconds,
      passive: config.passive,
      // The FSM builds every OPEN from this list, so clearing the Restart State bit on the
      // capability object (after our End-of-RIB) changes the OPENs that follow.
      capabilities,
      connectFailure: config.connectFailure,
    };
    this.session = new BgpSession(
      {
        name: config.id,
        peerAddress: config.peerAddress,
        peerPort: config.peerPort,
        localAddress: config.localAddress,
        fsm,
      },
      components,
    );
    this.adjRibOut = new AdjRibOut(table);
    this.session.on({
      established: (n) => {
        this.counters.establishedTransitions++;
        this.lastNegotiated = n;
        this.peerBack(n);
        this.owedEndOfRib = n.families.filter(
          (f) => f.safi === SAFI_UNICAST && (f.afi === AFI_IPV4 || f.afi === AFI_IPV6),
        );
        // The peer knows nothing yet: advertise the whole Adj-RIB-Out.
        this.adjRibOut.peerReset();
        this.scheduleFlush();
      },
      down: (reason) => this.sessionDown(reason),
      update: (e) => this.receiveUpdate(e),
      routeRefresh: (m) => this.receiveRouteRefresh(m),
      message: (m) => {
        // The header's type, not `m.message`: reading that decodes every UPDATE we send (a
        // full withdrawal of 1,000,000 routes decoded them all again, ~0.5 s of CPU).
        if (m.type === 'NOTIFICATION') {
          if (m.direction === 'sent') this.counters.notificationsSent++;
          else this.counters.notificationsReceived++;
        }
      },
    });
  }

  get id(): string {
    return this.config.id;
  }

  get internal(): boolean {
    const n = this.session.negotiated;
    if (n) return n.internal;
    return this.config.peerAsn === this.config.localAsn || this.config.peerAsn === 'internal';
  }

  on(listeners: BgpSessionListeners): () => void {
    return this.session.on(listeners);
  }

  announce(prefix: string, attributes: RouteAttributes): void {
    this.adjRibOut.set(prefix, attributes);
    this.scheduleFlush();
  }

  withdraw(prefix: string): void {
    this.adjRibOut.remove(prefix);
    this.scheduleFlush();
  }

  /** Makes the advertised set exactly `routes`. */
  setRoutes(routes: Iterable<[string, RouteAttributes]>): void {
    this.adjRibOut.replaceAll(routes);
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    queueMicrotask(() => {
      this.flushScheduled = false;
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    if (this.flushing || !this.session.established) return;
    this.flushing = true;
    try {
      while (
        this.session.established &&
        (this.adjRibOut.hasPending() || this.owedEndOfRib.length)
      ) {
        const session = this.counters.establishedTransitions;
        const { announce, withdraw } = this.adjRibOut.takePending();
        let messages: Buffer[] = [];
        let flowing = true;
        let replaced = false;
        for (const message of this.updateMessages(announce, withdraw)) {
          messages.push(message);
          if (messages.length < SEND_BATCH) continue;
          // A large change goes out while the rest is still to be encoded: the peer starts on
          // the first UPDATEs at once (encoding a withdrawal of 1,000,000 routes took ~1 s
          // before the first of them left), and the socket's back-pressure paces the encoder.
          flowing = this.send(messages);
          messages = [];
          await (flowing ? nextTurn() : this.session.drained());
          // The session went down (or down and up again: peerReset has marked every route
          // for the new one) while we waited: what is left of this batch is not for it.
          replaced = session !== this.counters.establishedTransitions;
          if (replaced || !this.session.established) break;
        }
        if (replaced || !this.session.established) continue;
        let sentEndOfRib = false;
        if (!this.adjRibOut.hasPending()) {
          // RFC 4724 2: End-of-RIB after the initial update, per family.
          const ctx = this.session.codecContext;
          for (const f of this.owedEndOfRib.splice(0)) {
            messages.push(encodeMessage(endOfRib(f.afi, f.safi), ctx));
            sentEndOfRib = true;
          }
        }
        flowing = this.send(messages);
        // RFC 4724 4.1: our restart is over once our End-of-RIB is out.
        if (sentEndOfRib && this.grCapability) this.grCapability.restarting = false;
        if (!this.adjRibOut.hasPending()) {
          // RFC 7313 4: EoRR after the routes of the refreshed family.
          for (const f of this.owedEndOfRefresh.splice(0))
            this.session.sendRouteRefresh(f.afi, f.safi, RouteRefreshSubtype.EORR);
        }
        if (!flowing) await this.session.drained();
      }
    } finally {
      this.flushing = false;
    }
    if (this.adjRibOut.hasPending() && this.session.established) this.scheduleFlush();
  }

  private send(messages: Buffer[]): boolean {
    this.counters.updatesSent += messages.length;
    return this.session.sendUpdates(messages);
  }

  /**
   * The UPDATEs for one batch of changes, encoded as they are taken: withdrawals first (IPv4
   * in the withdrawn routes field, IPv6 in MP_UNREACH_NLRI), then one run per attribute set.
   * A set we cannot encode (a value out of range) or a prefix that is not one is reported and
   * does not stop the rest.
   */
  private *updateMessages(
    announce: AnnouncementGroup[],
    withdraw: string[],
  ): Generator<Buffer, void, undefined> {
    const ctx = this.session.codecContext;
    const { v4, v6 } = byFamily(withdraw);
    const runs: (() => Iterable<Buffer>)[] = [];
    if (v4.length) runs.push(() => updateMessages({ attributes: {}, withdraw: v4 }, ctx));
    if (v6.length && this.negotiatedFamily(AFI_IPV6)) {
      runs.push(() =>
        updateMessages({ afi: AFI_IPV6, safi: SAFI_UNICAST, attributes: {}, withdraw: v6 }, ctx),
      );
    }
    for (const group of announce) {
      runs.push(() => this.groupMessages(group.attributes.attrs, group.prefixes));
    }
    for (const run of runs) {
      try {
        yield* run();
      } catch (error) {
        this.session.report(
          error instanceof SpeakersimError
            ? error
            : new SpeakersimError('ERR_BGP_ENCODE', String(error)),
        );
      }
    }
  }

  private *groupMessages(
    r: Readonly<RouteAttributes>,
    prefixes: string[],
  ): Generator<Buffer, void, undefined> {
    const ctx = this.session.codecContext;
    const { v4, v6 } = byFamily(prefixes);
    const attrs = this.pathAttributes(r);
    if (v4.length && this.negotiatedFamily(AFI_IPV4)) {
      if (isIpv6Address(r.nextHop)) {
        // RFC 8950 4: IPv4 NLRI with an IPv6 next hop go in MP_REACH_NLRI, and only to a peer
        // that advertised the Extended Next Hop Encoding capability for IPv4 unicast / IPv6.
        if (!this.extendedNextHopNegotiated()) {
          throw new SpeakersimError(
            'ERR_BGP_EXTENDED_NEXTHOP',
            `${v4.length} IPv4 route(s) have IPv6 next hop ${r.nextHop} but extended next hop encoding (RFC 8950) was not negotiated`,
          );
        }
        yield* updateMessages(
          {
            afi: AFI_IPV4,
            safi: SAFI_UNICAST,
            attributes: attrs,
            nextHops: ipv6NextHops(r),
            announce: v4,
          },
          ctx,
        );
      } else {
        yield* updateMessages({ attributes: { ...attrs, nextHop: r.nextHop }, announce: v4 }, ctx);
      }
    }
    if (v6.length && this.negotiatedFamily(AFI_IPV6)) {
      yield* updateMessages(
        {
          afi: AFI_IPV6,
          safi: SAFI_UNICAST,
          attributes: attrs,
          nextHops: ipv6NextHops(r),
          announce: v6,
        },
        ctx,
      );
    }
  }

  private extendedNextHopNegotiated(): boolean {
    return (
      this.session.negotiated?.extendedNextHop.some(
        (f) => f.afi === AFI_IPV4 && f.safi === SAFI_UNICAST && f.nextHopAfi === AFI_IPV6,
      ) ?? false
    );
  }

  private negotiatedFamily(afi: number): boolean {
    return (
      this.session.negotiated?.families.some((f) => f.afi === afi && f.safi === SAFI_UNICAST) ??
      false
    );
  }

  /** RFC 4271 5.1: the attributes we put on a route we originate, for this peer. */
  private pathAttributes(r: Readonly<RouteAttributes>): PathAttributes {
    const internal = this.internal;
    // Every attribute the route carries goes out as it is, except these, set per peer.
    const { nextHop: _n, linkLocalNextHop: _l, asPath, localPref, ...rest } = r;
    const attrs: PathAttributes = {
      ...rest,
      origin: r.origin ?? 0,
      // RFC 4271 5.1.2: an originating speaker sends an empty AS_PATH to internal peers and
      // its own AS as a one-element AS_SEQUENCE to external peers.
      asPath: internal
        ? (asPath ?? [])
        : [
            {
              type: 'AS_SEQUENCE',
              asns: [this.config.localAsn, ...(asPath?.flatMap((s) => s.asns) ?? [])],
            },
          ],
    };
    // RFC 4271 5.1.5: LOCAL_PREF is sent to internal peers (it MUST be) and never to external ones.
    if (internal) attrs.localPref = localPref ?? 100;
    return attrs;
  }

  private receiveUpdate(e: ReceivedUpdateEvent): void {
    this.counters.updatesReceived++;
    const u = e.update;
    if (!(this.config.keepAdjRibIn ?? false)) {
      if (!e.treatAsWithdraw)
        this.counters.prefixesReceived += u.nlri.length + (u.attributes.mpReach?.nlri.length ?? 0);
      return;
    }
    const applied = this.adjRibIn.apply(u, e.withdrawnByError);
    const eor = applied.endOfRib;
    if (eor && this.awaitingEndOfRib.delete(familyKey(eor.afi, eor.safi))) {
      // RFC 4724 4.2: the restarted peer's End-of-RIB: what it did not send again is gone.
      this.adjRibIn.purgeStale(eor);
      if (this.awaitingEndOfRib.size === 0) this.stopStaleTimer();
    }
    this.counters.prefixesReceived = this.adjRibIn.size;
  }

  /** RFC 2918 3 / RFC 7313 4: a refresh request, or the peer's BoRR / EoRR around one. */
  private receiveRouteRefresh(m: RouteRefreshMessage): void {
    const negotiated = this.session.negotiated;
    if (!negotiated) return;
    const family = { afi: m.afi, safi: m.safi };
    // RFC 2918 4 / RFC 7313 4: a family not negotiated is ignored.
    if (!negotiated.families.some((f) => f.afi === m.afi && f.safi === m.safi)) return;
    switch (m.subtype) {
      case RouteRefreshSubtype.REQUEST:
        // RFC 7313 4: when both advertised Enhanced Route Refresh, BoRR, the routes, EoRR.
        if (negotiated.enhancedRouteRefresh) {
          this.session.sendRouteRefresh(m.afi, m.safi, RouteRefreshSubtype.BORR);
          this.owedEndOfRefresh.push(family);
        }
        this.adjRibOut.refresh(familyOf(m.afi));
        this.scheduleFlush();
        return;
      case RouteRefreshSubtype.BORR:
        // RFC 7313 4: the peer re-sends this family: what it had sent is stale until EoRR.
        if (!negotiated.enhancedRouteRefresh) return;
        this.refreshingIn.add(familyKey(m.afi, m.safi));
        this.adjRibIn.markStale(family);
        return;
      case RouteRefreshSubtype.EORR:
        // RFC 7313 4: routes still stale at EoRR were not re-sent: they are gone. An EoRR
        // without its BoRR marks nothing, so it purges nothing either (stale routes of a
        // graceful restart wait for End-of-RIB).
        if (!this.refreshingIn.delete(familyKey(m.afi, m.safi))) return;
        this.adjRibIn.purgeStale(family);
        this.counters.prefixesReceived = this.adjRibIn.size;
        return;
      default:
        // RFC 7313 3: other subtypes are ignored on receipt.
        return;
    }
  }

  /**
   * The session left Established. RFC 4724 4.2: when the peer advertised graceful restart and
   * the way the session ended allows it, its routes for the families it listed are kept as
   * stale until it is back (or its Restart Time runs out); everything else goes (RFC 4271 8.2.2).
   */
  private sessionDown(reason: TransitionReason): void {
    this.owedEndOfRefresh = [];
    this.refreshingIn.clear();
    const gr = this.lastNegotiated?.gracefulRestart;
    const kept =
      gr !== undefined && gr.families.length > 0 && keepsRoutesAfter(reason, gr.notification)
        ? gr.families
        : [];
    for (const f of this.adjRibIn.familiesHeld()) {
      if (kept.some((k) => k.afi === f.afi && k.safi === f.safi)) this.adjRibIn.markStale(f);
      else this.adjRibIn.clear(f);
    }
    this.awaitingEndOfRib.clear();
    this.stopStaleTimer();
    if (this.adjRibIn.staleCount > 0 && gr) {
      this.startStaleTimer(gr.peerRestartTimeSeconds);
    }
    this.counters.prefixesReceived = this.adjRibIn.size;
  }

  /**
   * The session is Established again. RFC 4724 4.2: stale routes of a family the peer no
   * longer lists with its Forwarding State bit are deleted at once; the others wait for its
   * End-of-RIB, bounded by the stale-path time.
   */
  private peerBack(n: NegotiatedParameters): void {
    this.stopStaleTimer();
    this.awaitingEndOfRib.clear();
    if (this.adjRibIn.staleCount === 0) return;
    for (const f of this.adjRibIn.familiesHeld()) {
      const listed = n.gracefulRestart?.families.find(
        (g) => g.afi === f.afi && g.safi === f.safi && g.forwardingPreserved,
      );
      if (listed) this.awaitingEndOfRib.add(familyKey(f.afi, f.safi));
      else this.adjRibIn.purgeStale(f);
    }
    if (this.awaitingEndOfRib.size > 0)
      this.startStaleTimer(this.config.gracefulRestart?.stalePathTimeSeconds ?? 360);
    this.counters.prefixesReceived = this.adjRibIn.size;
  }

  private startStaleTimer(seconds: number): void {
    this.staleTimer = this.components.clock.setTimer(seconds * 1000, () => {
      this.staleTimer = undefined;
      // RFC 4724 4.2: the peer did not come back (or finish) in time: stale routes go.
      this.awaitingEndOfRib.clear();
      this.adjRibIn.purgeStale();
      this.counters.prefixesReceived = this.adjRibIn.size;
    });
  }

  private stopStaleTimer(): void {
    this.staleTimer?.cancel();
    this.staleTimer = undefined;
  }
}

export class Speaker {
  private readonly peersById = new Map<string, Peer>();
  private readonly listeners: Listener[] = [];
  private readonly table = new AttributeTable();

  constructor(private readonly components: SpeakerComponents) {}

  addPeer(config: PeerConfig): Peer {
    if (this.peersById.has(config.id)) throw new Error(`peer ${config.id} exists`);
    const peer = new Peer(config, this.components, this.table);
    this.peersById.set(config.id, peer);
    return peer;
  }

  peer(id: string): Peer | undefined {
    return this.peersById.get(id);
  }

  peers(): Peer[] {
    return [...this.peersById.values()];
  }

  /** Stops the session (Cease/2 when up, with an optional RFC 8203 message) and forgets it. */
  removePeer(id: string, shutdownCommunication?: string): void {
    const p = this.peersById.get(id);
    if (!p) return;
    p.session.stop(shutdownCommunication);
    this.peersById.delete(id);
  }

  /**
   * Accepts incoming connections on host:port and hands each to the peer whose address it
   * comes from (and whose local address it reached); unknown sources are refused, as a BGP
   * speaker refuses connections from unconfigured peers.
   */
  async listen(host: string, port: number): Promise<Listener> {
    const listener = await this.components.transport.listen({ host, port }, (c) => this.accept(c));
    this.listeners.push(listener);
    return listener;
  }

  private accept(c: Connection): void {
    const peer = this.peers().find(
      (p) =>
        p.config.peerAddress === c.remoteAddress &&
        (!p.config.localAddress || p.config.localAddress === c.localAddress),
    );
    if (!peer) {
      c.destroy();
      return;
    }
    peer.session.acceptConnection(c);
  }

  async close(shutdownCommunication?: string): Promise<void> {
    for (const p of this.peers()) p.session.stop(shutdownCommunication);
    await Promise.all(this.listeners.splice(0).map((l) => l.close()));
  }
}
