/**
 * A BGP speaker: many sessions at once (one per simulated node and peer), each with its
 * Adj-RIB-Out (what we advertise) and Adj-RIB-In (what the peer sends: counted, and kept when
 * asked, e.g. by builtin routers that scenarios query like FRR).
 *
 * Routes are service routes: /32 and /128 (or an aggregation length) with next hop = the
 * node's address. Changes are coalesced on a microtask and sent packed many prefixes per
 * UPDATE (RFC 4271 4.3), with back-pressure from the transport.
 */
import type { Clock } from '../core/clock.js';
import { SpeakersimError } from '../core/errors.js';
import type { Random } from '../core/random.js';
import { AdjRibOut, AttributeTable, isIpv6Prefix, type RouteAttributes } from './rib.js';
import { BgpSession, type BgpSessionListeners, type ReceivedUpdateEvent } from './session.js';
import type { Connection, Listener, Transport } from './io/transport.js';
import type { FsmConfig, PeerAsnExpectation } from './fsm/index.js';
import {
  AFI_IPV4,
  AFI_IPV6,
  SAFI_UNICAST,
  encodeMessage,
  encodeUpdates,
  endOfRib,
  type Capability,
  type PathAttributes,
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
  /** Advertise graceful restart (RFC 4724) with this restart time. */
  gracefulRestart?: { restartTimeSeconds: number };
  /** Advertise RFC 8654 extended messages. */
  extendedMessage?: boolean;
  /** TCP MD5 key: refused with ERR_BGP_TCP_MD5_UNSUPPORTED (see BgpSession). */
  password?: string;
  /** Keep received routes (Adj-RIB-In) and not only count them. */
  keepAdjRibIn?: boolean;
  /** Hostname for the FQDN capability FRR shows in `show bgp neighbors`. */
  hostname?: string;
  /** After a failed connect: RFC 4271 Idle (default) or FRR's Active (see FsmConfig). */
  connectFailure?: 'idle' | 'active';
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
  caps.push({ kind: 'route-refresh' }, { kind: 'enhanced-route-refresh' });
  if (config.extendedMessage) caps.push({ kind: 'extended-message' });
  if (config.gracefulRestart) {
    caps.push({
      kind: 'graceful-restart',
      restarting: false,
      notification: true,
      restartTime: config.gracefulRestart.restartTimeSeconds,
      families: families.map((f) => ({
        afi: f === 'ipv4' ? AFI_IPV4 : AFI_IPV6,
        safi: SAFI_UNICAST,
        forwardingPreserved: false,
      })),
    });
  }
  if (config.hostname) caps.push({ kind: 'fqdn', hostname: config.hostname, domain: '' });
  return caps;
}

export class Peer {
  readonly session: BgpSession;
  readonly adjRibOut: AdjRibOut;
  /** Received routes by prefix (only with keepAdjRibIn). */
  readonly adjRibIn = new Map<string, PathAttributes>();
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
    components: SpeakerComponents,
    table: AttributeTable,
  ) {
    const fsm: Omit<FsmConfig, 'random'> = {
      localAsn: config.localAsn,
      bgpId: config.routerId,
      peerAsn: config.peerAsn,
      holdTimeSeconds: config.holdTimeSeconds,
      keepaliveTimeSeconds: config.keepaliveTimeSeconds,
      connectRetryTimeSeconds: config.connectRetryTimeSeconds,
      passive: config.passive,
      capabilities: capabilitiesFor(config),
      connectFailure: config.connectFailure,
    };
    this.session = new BgpSession(
      {
        name: config.id,
        peerAddress: config.peerAddress,
        peerPort: config.peerPort,
        localAddress: config.localAddress,
        password: config.password,
        fsm,
      },
      components,
    );
    this.adjRibOut = new AdjRibOut(table);
    this.session.on({
      established: (n) => {
        this.counters.establishedTransitions++;
        this.owedEndOfRib = n.families.filter(
          (f) => f.safi === SAFI_UNICAST && (f.afi === AFI_IPV4 || f.afi === AFI_IPV6),
        );
        // The peer knows nothing yet: advertise the whole Adj-RIB-Out.
        this.adjRibOut.peerReset();
        this.scheduleFlush();
      },
      down: () => {
        // RFC 4271 8.2.2: routes learned from a peer go with its session.
        this.adjRibIn.clear();
        this.counters.prefixesReceived = 0;
      },
      update: (e) => this.receiveUpdate(e),
      routeRefresh: (m) => {
        // RFC 2918 3 / RFC 7313 4: re-advertise the Adj-RIB-Out for the family asked.
        if (m.subtype !== 0) return;
        this.adjRibOut.refresh();
        this.scheduleFlush();
      },
      message: (m) => {
        if (m.message.type === 'NOTIFICATION') {
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
        const { announce, withdraw } = this.adjRibOut.takePending();
        const ctx = this.session.codecContext;
        const messages: Buffer[] = [];
        const w4 = withdraw.filter((p) => !isIpv6Prefix(p)).map((prefix) => ({ prefix }));
        const w6 = withdraw.filter(isIpv6Prefix).map((prefix) => ({ prefix }));
        if (w4.length) messages.push(...encodeUpdates({ attributes: {}, withdraw: w4 }, ctx));
        if (w6.length && this.negotiatedFamily(AFI_IPV6)) {
          messages.push(
            ...encodeUpdates(
              { afi: AFI_IPV6, safi: SAFI_UNICAST, attributes: {}, withdraw: w6 },
              ctx,
            ),
          );
        }
        for (const group of announce) {
          try {
            messages.push(...this.encodeGroup(group.attributes.attrs, group.prefixes));
          } catch (error) {
            // An attribute set we cannot encode (a value out of range) must not stop the rest.
            this.session.report(
              error instanceof SpeakersimError
                ? error
                : new SpeakersimError('ERR_BGP_ENCODE', String(error)),
            );
          }
        }
        if (!this.adjRibOut.hasPending()) {
          // RFC 4724 2: End-of-RIB after the initial update, per family.
          for (const f of this.owedEndOfRib.splice(0))
            messages.push(encodeMessage(endOfRib(f.afi, f.safi), ctx));
        }
        this.counters.updatesSent += messages.length;
        if (!this.session.sendUpdates(messages)) await this.session.drained();
      }
    } finally {
      this.flushing = false;
    }
    if (this.adjRibOut.hasPending() && this.session.established) this.scheduleFlush();
  }

  private encodeGroup(r: Readonly<RouteAttributes>, prefixes: string[]): Buffer[] {
    const ctx = this.session.codecContext;
    const out: Buffer[] = [];
    const v6 = prefixes.filter(isIpv6Prefix).map((prefix) => ({ prefix }));
    const v4 = prefixes.filter((p) => !isIpv6Prefix(p)).map((prefix) => ({ prefix }));
    const attrs = this.pathAttributes(r);
    if (v4.length && this.negotiatedFamily(AFI_IPV4)) {
      out.push(
        ...encodeUpdates({ attributes: { ...attrs, nextHop: r.nextHop }, announce: v4 }, ctx),
      );
    }
    if (v6.length && this.negotiatedFamily(AFI_IPV6)) {
      // RFC 2545 3: global next hop, then the link-local one when there is one.
      const nextHops = r.linkLocalNextHop ? [r.nextHop, r.linkLocalNextHop] : [r.nextHop];
      out.push(
        ...encodeUpdates(
          { afi: AFI_IPV6, safi: SAFI_UNICAST, attributes: attrs, nextHops, announce: v6 },
          ctx,
        ),
      );
    }
    return out;
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
    const keep = this.config.keepAdjRibIn ?? false;
    const remove = (prefix: string): void => {
      if (keep) this.adjRibIn.delete(prefix);
    };
    for (const w of u.withdrawn) remove(w.prefix);
    for (const w of u.attributes.mpUnreach?.withdrawn ?? []) remove(w.prefix);
    const announced = [...u.nlri, ...(u.attributes.mpReach?.nlri ?? [])];
    if (e.treatAsWithdraw) {
      // RFC 7606 2: treat-as-withdraw.
      for (const n of announced) remove(n.prefix);
    } else if (keep) {
      for (const n of u.nlri) this.adjRibIn.set(n.prefix, u.attributes);
      for (const n of u.attributes.mpReach?.nlri ?? []) this.adjRibIn.set(n.prefix, u.attributes);
    }
    if (keep) this.counters.prefixesReceived = this.adjRibIn.size;
    else this.counters.prefixesReceived += announced.length;
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
