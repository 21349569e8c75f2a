/**
 * A builtin router: speakersim's own BGP speaker and BFD in the router's role, configured
 * from the same RouterSpec as an FRR router in the netns lab, and answering the same typed
 * queries (neighbors, routes, BFD peers) in the shapes the FRR readers return. It needs no
 * root, no FRR and no Docker, so every scenario also runs on a laptop or in virtual time.
 *
 * Faults are the router-side ones the lab offers: killing bgpd resets every session with no
 * NOTIFICATION (a crash), killing bfdd makes BFD go silent, and a small vtysh subset covers
 * `neighbor X shutdown` and BFD profile `shutdown`, as trainers use them on FRR.
 */
import type { Clock } from '../../core/clock.js';
import { SpeakersimError } from '../../core/errors.js';
import type { Random } from '../../core/random.js';
import { Speaker } from '../../bgp/speaker.js';
import { Neighbor } from '../../bgp/neighbor.js';
import type { Transport } from '../../bgp/io/transport.js';
import { bgpTtlOptions } from '../../bgp/io/socket-options.js';
import {
  formatCommunity,
  formatLargeCommunity,
  type AsPathSegment,
  type PathAttributes,
} from '../../bgp/wire/index.js';
import { BfdSessionTable } from '../../bfd/session-table.js';
import type { BfdTransportFactory } from '../../bfd/io/transport.js';
import { BFD_DIAGNOSTIC_TEXT, BFD_STATE_NAMES } from '../../bfd/state-names.js';
import {
  crBfdStatus,
  type BfdPeer,
  type BgpNeighbor,
  type BgpNeighborBfd,
  type BgpPath,
  type BgpRouteTable,
} from '../frr-json.js';
import { showCommand } from './vtysh.js';
import {
  addressFamily,
  canonicalAddress,
  type NeighborSpec,
  type RouterSpec,
} from '../topology.js';

export class BuiltinRouterError extends SpeakersimError {}

export interface BuiltinRouterComponents {
  clock: Clock;
  random: Random;
  bgpTransport: Transport;
  /** A BFD transport on one of the router's addresses: port 3784, or 4784 for multihop. */
  bfdTransport: BfdTransportFactory;
}

/** A path as FRR's detail view shows it: the table fields plus communities. */
export interface BuiltinPath extends BgpPath {
  communities: string[];
  largeCommunities: string[];
}

export type BuiltinDaemon = 'bgpd' | 'bfdd' | 'zebra' | 'staticd';

interface NeighborRuntime {
  spec: NeighborSpec;
  neighbor: Neighbor;
  adminShutdown: boolean;
}

/** How FRR names a neighbour: its interface for `neighbor IFACE interface`, else its address. */
function neighborKey(spec: NeighborSpec): string {
  return spec.interface ?? canonicalAddress(spec.address);
}

/** A neighbour named in a command: an address (any text form) or an interface name. */
function neighborName(text: string): string {
  return text.includes(':') || /^\d+\.\d+\.\d+\.\d+$/.test(text) ? canonicalAddress(text) : text;
}

function asPathNumbers(segments: AsPathSegment[] | undefined): number[] {
  return (segments ?? []).flatMap((s) => s.asns);
}

export class BuiltinRouter {
  private speaker: Speaker;
  private readonly bfdTable: BfdSessionTable;
  private readonly neighbors = new Map<string, NeighborRuntime>();
  private readonly down = new Set<BuiltinDaemon>();
  private readonly shutdownProfiles = new Set<string>();
  private started = false;

  constructor(
    readonly spec: RouterSpec,
    private readonly components: BuiltinRouterComponents,
  ) {
    this.speaker = new Speaker(this.speakerComponents());
    this.bfdTable = new BfdSessionTable({
      clock: components.clock,
      random: components.random,
      openTransport: components.bfdTransport,
      ...(spec.vrf !== undefined ? { vrf: spec.vrf } : {}),
    });
  }

  get name(): string {
    return this.spec.name;
  }

  /** Its addresses, link-local ones (of unnumbered neighbours' interfaces) last. */
  get addresses(): string[] {
    return this.spec.interfaces.flatMap((i) =>
      [i.ipv4, i.ipv6, i.linkLocal]
        .filter((a): a is string => a !== undefined)
        .map((a) => a.split('/')[0]!),
    );
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    await this.startBgp();
    for (const n of this.neighbors.values()) await this.startBfd(n);
  }

  /** Stops the router for good (a new BuiltinRouter starts it again). */
  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    await this.speaker.close();
    for (const n of this.neighbors.values()) n.neighbor.detachBfd();
    // The table stops its sessions and closes the transports it opened.
    await this.bfdTable.close();
  }

  /** A crash: SIGKILL of one daemon. */
  async killDaemon(daemon: BuiltinDaemon): Promise<void> {
    if (this.down.has(daemon)) return;
    this.down.add(daemon);
    if (daemon === 'bgpd') {
      for (const n of this.neighbors.values()) n.neighbor.abort();
      await this.speaker.close();
    } else if (daemon === 'bfdd') {
      for (const n of this.neighbors.values()) await n.neighbor.stopBfd();
    }
  }

  async startDaemon(daemon: BuiltinDaemon): Promise<void> {
    if (!this.down.delete(daemon)) return;
    if (daemon === 'bgpd') {
      this.speaker = new Speaker(this.speakerComponents());
      this.neighbors.clear();
      await this.startBgp();
      for (const n of this.neighbors.values()) await this.startBfd(n);
    } else if (daemon === 'bfdd') {
      for (const n of this.neighbors.values()) await this.startBfd(n);
    }
  }

  async restartDaemon(daemon: BuiltinDaemon): Promise<void> {
    await this.killDaemon(daemon);
    await this.startDaemon(daemon);
  }

  daemonRunning(daemon: BuiltinDaemon): boolean {
    return this.started && !this.down.has(daemon);
  }

  /**
   * The vtysh subset trainers use: `show bgp summary`, `show bgp ipv4|ipv6 [PREFIX]`,
   * `show bfd peers` (FRR's layouts, vtysh.ts), `show bgp neighbors` (typed JSON), `configure terminal`, `router bgp N`,
   * `[no] neighbor X shutdown [message TEXT]`, `clear bgp X|*`,
   * `clear bgp [ipv4|ipv6 [unicast]] X|* [soft] in` (ROUTE-REFRESH), `bfd`, `profile P`,
   * `[no] shutdown`, `exit`/`end`. Anything else is refused with ERR_BUILTIN_VTYSH_UNSUPPORTED.
   */
  async vtysh(commands: readonly string[]): Promise<string> {
    let context: 'top' | 'config' | 'bgp' | 'bfd' | 'profile' = 'top';
    let profile = '';
    const output: string[] = [];
    for (const raw of commands) {
      const cmd = raw.trim().replace(/\s+/g, ' ');
      const unsupported = () =>
        new BuiltinRouterError(
          'ERR_BUILTIN_VTYSH_UNSUPPORTED',
          `builtin router ${this.name}: "${cmd}" is not supported (supported: show bgp summary [json], show bgp ipv4|ipv6 [unicast] [PREFIX] [json], show bgp neighbors [json], show bfd peers [json], configure terminal, router bgp N, [no] neighbor X shutdown, clear bgp X|*, clear bgp [ipv4|ipv6] X|* soft in, bfd, profile P, [no] shutdown)`,
        );
      let m: RegExpMatchArray | null;
      // show bgp summary / ipv4|ipv6 / bfd peers, in FRR 8.4's layouts (vtysh.ts).
      const shown = showCommand(this, cmd, this.components.clock.wallNow());
      if (shown !== undefined) {
        output.push(shown);
        continue;
      }
      if (/^show (?:ip )?bgp neighbors?(?: json)?$/.test(cmd)) {
        output.push(JSON.stringify(this.bgpNeighbors(), null, 2));
        continue;
      }
      if (cmd === 'configure terminal' || cmd === 'conf t') context = 'config';
      else if (cmd === 'end') context = 'top';
      else if (cmd === 'exit' || cmd === 'exit-address-family')
        context = context === 'profile' ? 'bfd' : 'config';
      else if ((m = cmd.match(/^router bgp (\d+)$/)) && context !== 'top') {
        if (Number(m[1]) !== this.spec.asn)
          throw new BuiltinRouterError(
            'ERR_BUILTIN_VTYSH_ASN',
            `BGP is already running; AS is ${this.spec.asn}`,
          );
        context = 'bgp';
      } else if (
        (m = cmd.match(/^(no )?neighbor (\S+) shutdown(?: message (.*))?$/)) &&
        context === 'bgp'
      ) {
        this.neighborShutdown(m[2]!, !m[1], m[3]);
      } else if (
        (m = cmd.match(/^clear (?:ip )?bgp(?: (ipv4|ipv6)(?: unicast)?)? (\S+) (?:soft )?in$/))
      ) {
        // Inbound soft reset: ask the neighbor to send its routes again (RFC 2918 ROUTE-REFRESH).
        for (const n of this.neighbors.values()) {
          if (m[2] !== '*' && neighborKey(n.spec) !== neighborName(m[2]!)) continue;
          for (const f of n.neighbor.session.negotiated?.families ?? []) {
            if (!m[1] || f.afi === (m[1] === 'ipv4' ? 1 : 2))
              n.neighbor.session.sendRouteRefresh(f.afi, f.safi);
          }
        }
      } else if ((m = cmd.match(/^clear (?:ip )?bgp (\S+)$/))) {
        for (const n of this.neighbors.values()) {
          if (m[1] === '*' || neighborKey(n.spec) === neighborName(m[1]!)) {
            n.neighbor.stop();
            if (!n.adminShutdown) n.neighbor.session.start();
          }
        }
      } else if (cmd === 'bfd' && context !== 'top') context = 'bfd';
      else if ((m = cmd.match(/^profile (\S+)$/)) && (context === 'bfd' || context === 'profile')) {
        profile = m[1]!;
        context = 'profile';
      } else if ((m = cmd.match(/^(no )?shutdown$/)) && context === 'profile') {
        this.profileShutdown(profile, !m[1]);
      } else throw unsupported();
    }
    return output.join('\n');
  }

  /** `show bgp neighbors json`, typed as the FRR reader returns it. */
  bgpNeighbors(): Record<string, BgpNeighbor> {
    const out: Record<string, BgpNeighbor> = {};
    const now = this.components.clock.now();
    for (const n of this.neighbors.values()) {
      const { neighbor } = n;
      const s = neighbor.session;
      const neg = s.negotiated;
      const bfd = neighbor.bfd;
      const bfdInfo: BgpNeighborBfd | undefined = n.spec.bfd
        ? {
            status: bfd ? BFD_STATE_NAMES[bfd.state].frrNeighbor : 'Unknown',
            type: n.spec.ebgpMultihop !== undefined ? 'multi hop' : 'single hop',
            detectMultiplier: n.spec.bfd.detectMultiplier,
            rxMinIntervalMs: n.spec.bfd.receiveIntervalMs,
            txMinIntervalMs: n.spec.bfd.transmitIntervalMs,
          }
        : undefined;
      const { messages, establishedAt, lastNotification } = neighbor.counters;
      out[neighborKey(n.spec)] = {
        address: canonicalAddress(n.spec.address),
        remoteAs: n.spec.remoteAsn,
        localAs: this.spec.asn,
        state: this.down.has('bgpd') ? 'Idle' : s.state,
        ...(neg
          ? {
              remoteRouterId: neg.peerBgpId,
              holdTimeMs: neg.holdTimeSeconds * 1000,
              keepaliveMs: neg.keepaliveTimeMs,
            }
          : {}),
        ...(establishedAt !== undefined && s.established
          ? { uptimeMs: Math.round(now - establishedAt) }
          : {}),
        ...(bfdInfo ? { bfd: bfdInfo } : {}),
        // The same mapping the FRR reader applies to FRR's own output.
        crBfdStatus: crBfdStatus(bfdInfo),
        messages: { ...messages },
        connectionsEstablished: neighbor.counters.establishedTransitions,
        ...(lastNotification
          ? { lastNotification: { code: lastNotification.code, subcode: lastNotification.subcode } }
          : {}),
      };
    }
    return out;
  }

  /**
   * `show bgp [vrf NAME] ipv4|ipv6 unicast json` plus communities (FRR shows those per prefix).
   * The router's sessions and routes are all in its one VRF: any other VRF's table is empty.
   */
  bgpRoutes(
    family: 'ipv4' | 'ipv6',
    vrf?: string,
  ): BgpRouteTable & { routes: Record<string, BuiltinPath[]> } {
    const routes: Record<string, BuiltinPath[]> = {};
    // A killed bgpd has no table (its last Adj-RIB-In may still hold stale routes).
    const neighbors = this.down.has('bgpd') || !this.inVrf(vrf) ? [] : this.neighbors.values();
    for (const n of neighbors) {
      // The Adj-RIB-In holds what the session keeps: nothing after it went down, unless the
      // peer is restarting gracefully (stale routes, RFC 4724 4.2).
      for (const r of n.neighbor.peer.adjRibIn.routes()) {
        if (addressFamily(r.prefix.split('/')[0]!) !== family) continue;
        const path = this.path(r.prefix, r.attributes, n);
        (routes[r.prefix] ??= []).push(r.stale ? { ...path, stale: true } : path);
      }
    }
    // Best path: the lowest AS path length, then the lowest peer address (FRR's tie-breaks
    // go further; builtin routers have one path per prefix in practice).
    for (const paths of Object.values(routes)) {
      paths.sort(
        (a, b) =>
          a.asPath.length - b.asPath.length || (a.peerId ?? '').localeCompare(b.peerId ?? ''),
      );
      paths[0]!.best = true;
    }
    return { routerId: this.spec.routerId, localAs: this.spec.asn, routes };
  }

  /** True when `vrf` (absent or 'default': the default VRF) is the router's VRF. */
  inVrf(vrf: string | undefined): boolean {
    const norm = (v: string | undefined) => (v === undefined || v === 'default' ? '' : v);
    return norm(vrf) === norm(this.spec.vrf);
  }

  /** `show bfd peers json`. */
  bfdPeers(): BfdPeer[] {
    const out: BfdPeer[] = [];
    const now = this.components.clock.now();
    for (const n of this.neighbors.values()) {
      const bfd = n.neighbor.bfd;
      if (!bfd) continue;
      const s = bfd.snapshot();
      out.push({
        ...(s.upSince !== undefined ? { uptimeS: Math.floor((now - s.upSince) / 1000) } : {}),
        multihop: s.multihop,
        peer: canonicalAddress(s.peer.address),
        local: canonicalAddress(s.local.address),
        vrf: s.vrf ?? 'default',
        id: s.localDiscriminator,
        remoteId: s.remoteDiscriminator,
        passiveMode: s.passive,
        status: BFD_STATE_NAMES[s.state].frrPeer,
        diagnostic: BFD_DIAGNOSTIC_TEXT[s.diagnostic] ?? 'ok',
        remoteDiagnostic: BFD_DIAGNOSTIC_TEXT[s.remoteDiagnostic] ?? 'ok',
        receiveIntervalMs: s.requiredMinRxMs,
        transmitIntervalMs: s.desiredMinTxMs,
        echoReceiveIntervalMs: 0,
        echoTransmitIntervalMs: 0,
        detectMultiplier: s.detectMult,
        remoteReceiveIntervalMs: s.remoteRequiredMinRxMs,
        remoteTransmitIntervalMs: s.remoteDesiredMinTxMs,
        remoteDetectMultiplier: s.remoteDetectMult,
      });
    }
    return out;
  }

  // -------------------------------------------------------------------------------------------

  private speakerComponents() {
    return {
      clock: this.components.clock,
      random: this.components.random,
      transport: this.components.bgpTransport,
    };
  }

  private localAddressFor(spec: NeighborSpec): string | undefined {
    // `neighbor IFACE interface`: the session runs from the interface's link-local address.
    if (spec.interface !== undefined)
      return this.spec.interfaces.find((i) => i.name === spec.interface)?.linkLocal;
    const peerAddress = spec.address;
    const family = addressFamily(peerAddress);
    return this.addresses.find((a) => addressFamily(a) === family);
  }

  private async startBgp(): Promise<void> {
    for (const address of this.addresses) await this.speaker.listen(address, 179);
    for (const spec of this.spec.neighbors) {
      const localAddress = this.localAddressFor(spec);
      // FRR activates IPv4 and IPv6 unicast on an interface neighbour, IPv4 with RFC 8950
      // extended next hops (capability 5), as it has no IPv4 address to give as next hop.
      const unnumbered = spec.interface !== undefined;
      const families =
        spec.families ?? (unnumbered ? ['ipv4', 'ipv6'] : [addressFamily(spec.address)]);
      // As FRR: the neighbor's RFC 2385 key, TTL 1 to a single-hop eBGP peer.
      this.components.bgpTransport.socketOptions?.set(
        { localAddress, peerAddress: spec.address },
        {
          ...(spec.password ? { md5Key: spec.password } : {}),
          ...bgpTtlOptions({
            internal: spec.remoteAsn === this.spec.asn,
            ebgpMultihop: spec.ebgpMultihop,
            ttlSecurityHops: spec.ttlSecurityHops,
          }),
        },
      );
      const profile = spec.bfd;
      const neighbor = new Neighbor(
        {
          peer: {
            id: `${this.name}/${spec.address}`,
            localAddress,
            localAsn: this.spec.asn,
            routerId: this.spec.routerId,
            peerAddress: spec.address,
            peerPort: spec.port,
            peerAsn: spec.remoteAsn,
            // FRR's defaults: keepalive 60 s, hold 180 s, connect retry 120 s.
            holdTimeSeconds: spec.timers?.holdS ?? 180,
            keepaliveTimeSeconds: spec.timers?.keepaliveS ?? 60,
            connectRetryTimeSeconds: spec.connectRetryS ?? 120,
            // FRR connects out as well as accepting, and waits in Active after a failed connect.
            connectFailure: 'active',
            families,
            ...(unnumbered || spec.extendedNextHop ? { extendedNextHop: true } : {}),
            keepAdjRibIn: true,
            // FRR's default: graceful restart helper for every neighbor, restart time 120 s.
            gracefulRestart: { restartTimeSeconds: 120, helperOnly: true },
            hostname: this.name,
          },
          // FRR bgpd asks bfdd for a multihop session (RFC 5883) when ebgp-multihop is set.
          ...(profile && localAddress
            ? {
                bfd: {
                  localAddress,
                  peerAddress: spec.address,
                  multihop: spec.ebgpMultihop !== undefined,
                  ...(this.spec.vrf !== undefined ? { vrf: this.spec.vrf } : {}),
                  desiredMinTxMs: profile.transmitIntervalMs,
                  requiredMinRxMs: profile.receiveIntervalMs,
                  detectMult: profile.detectMultiplier,
                  passive: profile.passive,
                },
              }
            : {}),
        },
        { clock: this.components.clock, speaker: this.speaker, bfdTable: this.bfdTable },
      );
      for (const prefix of [
        ...(this.spec.originate?.ipv4 ?? []),
        ...(this.spec.originate?.ipv6 ?? []),
      ]) {
        const nextHop =
          localAddress && addressFamily(prefix.split('/')[0]!) === addressFamily(localAddress)
            ? localAddress
            : undefined;
        if (nextHop) neighbor.peer.announce(prefix, { nextHop });
      }
      this.neighbors.set(neighborKey(spec), {
        spec,
        neighbor,
        adminShutdown: false,
      });
      neighbor.session.start();
    }
  }

  /** bfdd keeps its sessions while bgpd restarts: a new bgpd registers with the same session. */
  private async startBfd(n: NeighborRuntime): Promise<void> {
    if (this.down.has('bfdd') || n.neighbor.bfd) return;
    const bfd = await n.neighbor.startBfd();
    const profile = n.spec.bfd;
    if (bfd && profile && this.shutdownProfiles.has(profile.name)) bfd.adminDown();
  }

  private neighborShutdown(address: string, shutdown: boolean, message?: string): void {
    const n = this.neighbors.get(neighborName(address));
    if (!n)
      throw new BuiltinRouterError(
        'ERR_BUILTIN_VTYSH_NO_NEIGHBOR',
        `% Specify remote-as or peer-group commands first (${address})`,
      );
    if (shutdown === n.adminShutdown) return;
    n.adminShutdown = shutdown;
    if (shutdown) n.neighbor.stop(message);
    else n.neighbor.session.start();
  }

  private profileShutdown(profile: string, shutdown: boolean): void {
    if (shutdown) this.shutdownProfiles.add(profile);
    else this.shutdownProfiles.delete(profile);
    for (const n of this.neighbors.values()) {
      const bfd = n.neighbor.bfd;
      if (n.spec.bfd?.name !== profile || !bfd) continue;
      if (shutdown) bfd.adminDown();
      else bfd.adminUp();
    }
  }

  private path(prefix: string, attrs: PathAttributes, n: NeighborRuntime): BuiltinPath {
    const nextHops = attrs.mpReach?.nextHops ?? (attrs.nextHop ? [attrs.nextHop] : []);
    return {
      prefix,
      valid: true,
      best: false,
      asPath: asPathNumbers(attrs.asPath),
      origin: ['IGP', 'EGP', 'incomplete'][attrs.origin ?? 2],
      peerId: canonicalAddress(n.spec.address),
      ...(attrs.med !== undefined ? { med: attrs.med } : {}),
      ...(attrs.localPref !== undefined ? { localPref: attrs.localPref } : {}),
      weight: 0,
      nexthops: nextHops.map((ip, i) => ({
        ip,
        afi: addressFamily(ip),
        ...(i === 1 ? { scope: 'link-local' } : { scope: 'global' }),
        used: i === 0,
      })),
      communities: (attrs.communities ?? []).map((c) => formatCommunity(c)),
      largeCommunities: (attrs.largeCommunities ?? []).map(formatLargeCommunity),
    };
  }
}
