/**
 * The elected node's side of MetalLB's layer 2 mode (MetalLB internal/layer2: announcer.go,
 * arp.go, ndp.go), on one port: it answers ARP requests (RFC 826) for the announced IPv4
 * addresses and Neighbor Solicitations (RFC 4861 7.2.4) for the IPv6 ones with the port's MAC,
 * and when an address is first announced here (a new Service, or this node won a failover) it
 * sends gratuitous ARP / unsolicited Neighbor Advertisements with Override (RFC 4861 7.2.6):
 * at once and every 1100 ms for 5 s, as MetalLB's spamLoop does. An address that is no
 * longer announced here is no longer answered.
 */
import type { Clock, Timer } from '../core/clock.js';
import { ARP_REQUEST } from './wire/arp.js';
import {
  arpReplyFrame,
  decodeFrame,
  gratuitousArpFrames,
  solicitedAdvertisementFrame,
  unsolicitedAdvertisementFrame,
} from './wire/frames.js';
import { BROADCAST_MAC } from './wire/mac.js';
import { canonicalIp } from './address.js';
import type { L2Port } from './port.js';

/** MetalLB announcer.go: the gratuitous burst repeats every 1100 ms for 5 s. */
export const GRATUITOUS_INTERVAL_MS = 1100;
export const GRATUITOUS_DURATION_MS = 5000;

export interface L2ResponderCounters {
  requestsAnswered: number;
  gratuitousSent: number;
  /** Frames that failed to decode (malformed ARP or NDP): dropped, counted. */
  malformed: number;
}

/** Per-IP events, as MetalLB's internal/layer2/stats.go counts them (metallb_layer2_*). */
export interface L2ResponderStats {
  gotRequest(ip: string): void;
  sentResponse(ip: string): void;
  sentGratuitous(ip: string): void;
}

export class L2Responder {
  private readonly announced = new Set<string>();
  private readonly bursts = new Map<string, Timer>();
  private closed = false;
  readonly counters: L2ResponderCounters = { requestsAnswered: 0, gratuitousSent: 0, malformed: 0 };

  constructor(
    private readonly port: L2Port,
    private readonly clock: Clock,
    private readonly stats?: L2ResponderStats,
  ) {
    port.onFrame((frame) => this.receive(frame));
  }

  get mac(): string {
    return this.port.mac;
  }

  /** The addresses announced now. */
  addresses(): string[] {
    return [...this.announced].sort();
  }

  /** Makes `ips` the announced set: new ones get a gratuitous burst, dropped ones silence. */
  announce(ips: readonly string[]): void {
    if (this.closed) return;
    const next = new Set(ips.map(canonicalIp));
    for (const ip of this.announced) {
      if (next.has(ip)) continue;
      this.announced.delete(ip);
      this.bursts.get(ip)?.cancel();
      this.bursts.delete(ip);
    }
    for (const ip of next) {
      if (this.announced.has(ip)) continue;
      this.announced.add(ip);
      this.burst(ip, this.clock.now() + GRATUITOUS_DURATION_MS);
    }
  }

  private burst(ip: string, until: number): void {
    this.gratuitous(ip);
    if (this.clock.now() + GRATUITOUS_INTERVAL_MS > until) {
      this.bursts.delete(ip);
      return;
    }
    this.bursts.set(
      ip,
      this.clock.setTimer(GRATUITOUS_INTERVAL_MS, () => {
        if (this.announced.has(ip) && !this.closed) this.burst(ip, until);
      }),
    );
  }

  private gratuitous(ip: string): void {
    const frames = ip.includes(':')
      ? [unsolicitedAdvertisementFrame(this.port.mac, ip)]
      : gratuitousArpFrames(this.port.mac, ip);
    for (const f of frames) {
      this.port.send(f);
      this.stats?.sentGratuitous(ip);
    }
    this.counters.gratuitousSent += frames.length;
  }

  private receive(buf: Buffer): void {
    if (this.closed) return;
    let frame: ReturnType<typeof decodeFrame>;
    try {
      frame = decodeFrame(buf);
    } catch {
      this.counters.malformed++;
      return;
    }
    if (!frame || frame.ethernet.source === this.port.mac) return;
    if (frame.kind === 'arp') {
      const arp = frame.arp;
      // arp.go: requests only, broadcast or to this MAC, for an address announced here.
      if (arp.operation !== ARP_REQUEST) return;
      const to = frame.ethernet.destination;
      if (to !== BROADCAST_MAC && to !== this.port.mac) return;
      if (!this.announced.has(arp.targetIp)) return;
      this.stats?.gotRequest(arp.targetIp);
      this.port.send(arpReplyFrame(arp, this.port.mac));
      this.stats?.sentResponse(arp.targetIp);
      this.counters.requestsAnswered++;
      return;
    }
    const ns = frame.ndp;
    // ndp.go: solicitations with a source link-layer address (not DAD probes) only.
    if (ns.type !== 'NS' || ns.sourceLinkLayer === undefined) return;
    if (!this.announced.has(ns.target)) return;
    this.stats?.gotRequest(ns.target);
    this.port.send(
      solicitedAdvertisementFrame(this.port.mac, {
        source: ns.source,
        sourceMac: ns.sourceLinkLayer,
        target: ns.target,
      }),
    );
    this.stats?.sentResponse(ns.target);
    this.counters.requestsAnswered++;
  }

  /** Stops answering and closes the port. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.bursts.values()) t.cancel();
    this.bursts.clear();
    this.announced.clear();
    await this.port.close();
  }
}
