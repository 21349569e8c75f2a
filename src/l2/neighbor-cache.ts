/**
 * A router's neighbour cache, as the builtin routers model it (the netns and compose labs read
 * the real one with `ip -j neigh`): IPv4 entries learnt by RFC 826's reception algorithm,
 * IPv6 ones by RFC 4861 7.2.5's rules for advertisements. Resolution sends an ARP request or a
 * Neighbor Solicitation on the router's port and the answer fills the entry in. Entries do not
 * age (no reachable-time timer): what a scenario looks at is which MAC an address resolves to.
 */
import type { Clock } from '../core/clock.js';
import { canonicalIp } from './address.js';
import { ARP_REPLY, ARP_REQUEST } from './wire/arp.js';
import {
  arpReplyFrame,
  arpRequestFrame,
  decodeFrame,
  neighborSolicitationFrame,
  solicitedAdvertisementFrame,
} from './wire/frames.js';
import type { L2Port } from './port.js';

/** Linux's names for the states a scenario sees (`ip neigh`). */
export type NeighborState = 'INCOMPLETE' | 'REACHABLE' | 'STALE';

export interface NeighborEntry {
  address: string;
  mac?: string;
  state: NeighborState;
  /** When the MAC last changed, on the cache's clock. */
  updatedAt: number;
}

export class NeighborCache {
  private readonly entries = new Map<string, NeighborEntry>();
  private readonly own: Set<string>;

  constructor(
    private readonly port: L2Port,
    private readonly clock: Clock,
    /** The router's own addresses on the segment (one per family at most). */
    private readonly addresses: { ipv4?: string; ipv6?: string },
  ) {
    this.own = new Set(
      [addresses.ipv4, addresses.ipv6].filter((a): a is string => !!a).map(canonicalIp),
    );
    port.onFrame((f) => this.receive(f));
  }

  lookup(address: string): NeighborEntry | undefined {
    const e = this.entries.get(canonicalIp(address));
    return e ? { ...e } : undefined;
  }

  list(): NeighborEntry[] {
    return [...this.entries.values()].map((e) => ({ ...e }));
  }

  /**
   * Asks the segment who has `address` (the kernel does this when traffic needs the address):
   * an INCOMPLETE entry until an answer comes. Without an own address of that family on the
   * segment there is nothing to ask from, and nothing happens.
   */
  resolve(address: string): void {
    const ip = canonicalIp(address);
    const v6 = ip.includes(':');
    const from = v6 ? this.addresses.ipv6 : this.addresses.ipv4;
    if (!from) return;
    if (!this.entries.has(ip)) {
      this.entries.set(ip, { address: ip, state: 'INCOMPLETE', updatedAt: this.clock.now() });
    }
    this.port.send(
      v6
        ? neighborSolicitationFrame(this.port.mac, canonicalIp(from), ip)
        : arpRequestFrame(this.port.mac, from, ip),
    );
  }

  private set(address: string, mac: string, state: NeighborState): void {
    const prior = this.entries.get(address);
    const updatedAt = prior?.mac === mac ? prior.updatedAt : this.clock.now();
    this.entries.set(address, { address, mac, state, updatedAt });
  }

  private receive(buf: Buffer): void {
    let frame: ReturnType<typeof decodeFrame>;
    try {
      frame = decodeFrame(buf);
    } catch {
      return; // RFC 4861 7.1: invalid messages are silently discarded; so are bad ARPs.
    }
    if (!frame || frame.ethernet.source === this.port.mac) return;
    if (frame.kind === 'arp') {
      const a = frame.arp;
      // RFC 826 Packet Reception: update an existing entry for the sender (merge)...
      const known = this.entries.has(a.senderIp);
      const toMe = this.own.has(a.targetIp);
      if (known) {
        // A reply to our own request confirms reachability; anything else is hearsay (Linux: STALE).
        const answer = a.operation === ARP_REPLY && frame.ethernet.destination === this.port.mac;
        this.set(a.senderIp, a.senderMac, answer ? 'REACHABLE' : 'STALE');
      }
      // ...and if we are the target, add it when it was not merged, and answer a request.
      if (toMe) {
        if (!known) this.set(a.senderIp, a.senderMac, 'STALE');
        if (a.operation === ARP_REQUEST) this.port.send(arpReplyFrame(a, this.port.mac));
      }
      return;
    }
    const m = frame.ndp;
    if (m.type === 'NS') {
      // RFC 4861 7.2.3: a solicitation for one of our addresses: record the solicitor (with
      // its SLLA) and answer, solicited and with Override.
      if (!this.own.has(m.target)) return;
      if (m.sourceLinkLayer !== undefined && m.source !== '::') {
        const prior = this.entries.get(m.source);
        if (!prior || prior.mac !== m.sourceLinkLayer)
          this.set(m.source, m.sourceLinkLayer, 'STALE');
      }
      if (m.source === '::' || m.sourceLinkLayer === undefined) return;
      this.port.send(
        solicitedAdvertisementFrame(
          this.port.mac,
          { source: m.source, sourceMac: m.sourceLinkLayer, target: m.target },
          { router: true, override: true },
        ),
      );
      return;
    }
    // RFC 4861 7.2.5: an advertisement for an address with no entry is silently discarded.
    const e = this.entries.get(m.target);
    if (!e) return;
    const lla = m.targetLinkLayer;
    if (e.state === 'INCOMPLETE') {
      // No link-layer address option: nothing to record.
      if (lla === undefined) return;
      this.set(m.target, lla, m.solicited ? 'REACHABLE' : 'STALE');
      return;
    }
    const differs = lla !== undefined && lla !== e.mac;
    if (!m.override && differs) {
      // Override clear and a different address: keep ours, but a REACHABLE entry goes STALE.
      if (e.state === 'REACHABLE') this.entries.set(m.target, { ...e, state: 'STALE' });
      return;
    }
    // Override set, or the same address (or none): take it; Solicited makes it REACHABLE.
    const mac = lla ?? e.mac!;
    this.set(m.target, mac, m.solicited ? 'REACHABLE' : differs ? 'STALE' : e.state);
  }
}
