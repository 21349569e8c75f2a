import type { Clock } from '../core/clock.js';
import type { Random } from '../core/random.js';
import { canonicalAddress, defaultPeerPort, sessionKey, type BfdSessionConfig } from './config.js';
import { BfdDiscriminatorPool } from './discriminators.js';
import { BfdConfigError, BfdDuplicateSessionError } from './errors.js';
import type { BfdDatagram, BfdTransport, BfdTransportFactory } from './io/transport.js';
import { BfdSession } from './session.js';
import { decodeControlPacket } from './wire/decode-control.js';
import { emptyDiscardCounters, type BfdDiscardReason } from './wire/discard.js';

export interface BfdSessionTableComponents {
  clock: Clock;
  random: Random;
  /**
   * Opens the listening transport for a local address and hop mode the first time a session
   * needs one (port 3784 single hop, RFC 5881 4; 4784 multihop, RFC 5883 5). Without it,
   * addSession only uses transports given to addTransport.
   */
  openTransport?: BfdTransportFactory;
  /**
   * The VRF the transports `openTransport` opens are in (a table per VRF, as a routing instance
   * has): their datagrams select sessions of that VRF only (RFC 5881 3).
   */
  vrf?: string;
  /**
   * The system's local discriminators, shared by the tables of one system's routing instances
   * (RFC 5880 6.8.1: unique across all its sessions). Default: a pool of this table's own.
   */
  discriminators?: BfdDiscriminatorPool;
}

/** How a transport's datagrams are keyed: its hop mode, VRF and interface. */
export interface BfdTransportBinding {
  multihop?: boolean;
  vrf?: string;
  interface?: string;
}

interface BoundTransport {
  transport: BfdTransport;
  binding: BfdTransportBinding;
}

/**
 * All BFD sessions of one speaker: allocates unique local discriminators, opens each session's
 * transmit channel, and demultiplexes received datagrams (RFC 5880 6.8.6): by Your
 * Discriminator when nonzero, otherwise by (local address, peer address, interface, VRF, hop
 * mode), RFC 5881 3 "one session per local/peer address pair per interface". Packets that no
 * session takes are counted here by discard reason; session-level reasons by the session.
 */
export class BfdSessionTable {
  readonly discards: Record<BfdDiscardReason, number> = emptyDiscardCounters();
  datagramsReceived = 0;
  private readonly byDiscriminator = new Map<number, BfdSession>();
  private readonly byKey = new Map<string, BfdSession>();
  private readonly transports: BoundTransport[] = [];
  /** The transport each session listens on (its minimum TTL goes there). */
  private readonly boundOf = new Map<BfdSession, BoundTransport>();
  /** Transports being opened through `openTransport`, by local address and hop mode. */
  private readonly opening = new Map<string, Promise<BoundTransport>>();
  private readonly discriminators: BfdDiscriminatorPool;

  constructor(private readonly components: BfdSessionTableComponents) {
    this.discriminators = components.discriminators ?? new BfdDiscriminatorPool(components.random);
  }

  /** Registers a listening transport; its datagrams are routed to this table's sessions. */
  addTransport(transport: BfdTransport, binding: BfdTransportBinding = {}): void {
    this.bind(transport, binding);
  }

  private bind(transport: BfdTransport, binding: BfdTransportBinding): BoundTransport {
    const bound = { transport, binding };
    this.transports.push(bound);
    transport.onDatagram((d) => {
      this.handleDatagram(d, binding);
    });
    return bound;
  }

  /** The transport for a local address and hop mode: registered, or opened on demand. */
  private async transportFor(localAddress: string, multihop: boolean): Promise<BoundTransport> {
    const local = canonicalAddress(localAddress);
    const bound = this.transports.find(
      (t) =>
        canonicalAddress(t.transport.local.address) === local &&
        (t.binding.multihop ?? false) === multihop,
    );
    if (bound) return bound;
    const open = this.components.openTransport;
    if (!open) {
      throw new BfdConfigError(
        'localAddress',
        `no ${multihop ? 'multihop' : 'single-hop'} BFD transport on ${localAddress}`,
      );
    }
    const k = `${multihop ? 'multihop' : 'single-hop'}|${local}`;
    let pending = this.opening.get(k);
    if (!pending) {
      const vrf = this.components.vrf;
      pending = open(localAddress, { multihop }).then((t) =>
        this.bind(t, { multihop, ...(vrf !== undefined ? { vrf } : {}) }),
      );
      this.opening.set(k, pending);
      // A failed open is not remembered: the next session tries again.
      pending.then(
        () => this.opening.delete(k),
        () => this.opening.delete(k),
      );
    }
    return pending;
  }

  /**
   * Creates and starts a session on the transport matching its local address and hop mode
   * (opened through `openTransport` when there is none yet).
   */
  async addSession(config: BfdSessionConfig): Promise<BfdSession> {
    const key = sessionKey(config);
    if (this.byKey.has(key)) throw new BfdDuplicateSessionError(key);
    const bound = await this.transportFor(config.localAddress, config.multihop ?? false);
    const channel = await bound.transport.openTxChannel({
      address: canonicalAddress(config.peerAddress),
      port: defaultPeerPort(config),
    });
    // RFC 5880 6.8.1: bfd.LocalDiscr "MUST be unique across all BFD sessions on this system,
    // and nonzero" (the pool is the system's, see BfdSessionTableComponents.discriminators).
    const localDiscriminator = this.discriminators.allocate();
    let session: BfdSession;
    try {
      session = new BfdSession(config, {
        clock: this.components.clock,
        random: this.components.random,
        channel,
        localDiscriminator,
        settleReceive: (fn) => bound.transport.settleReceive(fn),
      });
    } catch (err) {
      this.discriminators.release(localDiscriminator);
      await channel.close();
      throw err;
    }
    // A concurrent addSession for the same key may have won while the channel opened.
    if (this.byKey.has(key)) {
      this.discriminators.release(localDiscriminator);
      await channel.close();
      throw new BfdDuplicateSessionError(key);
    }
    this.byKey.set(key, session);
    this.byDiscriminator.set(session.localDiscriminator, session);
    this.boundOf.set(session, bound);
    if (session.config.minimumTtl !== undefined) this.updateTtlFloors(bound);
    session.start();
    return session;
  }

  get(discriminator: number): BfdSession | undefined {
    return this.byDiscriminator.get(discriminator);
  }

  find(config: Parameters<typeof sessionKey>[0]): BfdSession | undefined {
    return this.byKey.get(sessionKey(config));
  }

  sessions(): BfdSession[] {
    return [...this.byKey.values()];
  }

  async removeSession(session: BfdSession): Promise<void> {
    if (this.byKey.get(session.key) !== session) return;
    this.byKey.delete(session.key);
    this.byDiscriminator.delete(session.localDiscriminator);
    const bound = this.boundOf.get(session);
    this.boundOf.delete(session);
    if (bound && session.config.minimumTtl !== undefined) this.updateTtlFloors(bound);
    this.discriminators.release(session.localDiscriminator);
    await session.stop();
  }

  /**
   * Decodes and routes one received datagram. Never throws: a bad or unmatched packet is
   * counted under its reason and the reason returned.
   */
  handleDatagram(
    datagram: BfdDatagram,
    binding: BfdTransportBinding = {},
  ): BfdDiscardReason | undefined {
    this.datagramsReceived++;
    if (datagram.belowTtlFloor) return this.belowTtlFloor(datagram, binding);
    const decoded = decodeControlPacket(datagram.payload);
    if (!decoded.ok) return this.count(decoded.error.reason);
    const packet = decoded.packet;
    let session: BfdSession | undefined;
    if (packet.yourDiscriminator !== 0) {
      // RFC 5880 6.8.6: "If the Your Discriminator field is nonzero, it MUST be used to select
      // the session with which this BFD packet is associated. If no session is found, the
      // packet MUST be discarded."
      session = this.byDiscriminator.get(packet.yourDiscriminator);
    } else {
      // RFC 5880 6.8.6: with Your Discriminator zero, "the session MUST be selected based on
      // some combination of other fields" - RFC 5881 3: addresses and interface; RFC 5883 4
      // (multihop, no interface to go by): the source and destination address pair, one
      // multihop session per pair, told apart from single hop by the port it arrived on.
      session = this.byKey.get(
        sessionKey({
          localAddress: datagram.to.address,
          peerAddress: datagram.from.address,
          multihop: binding.multihop,
          vrf: binding.vrf,
          interface: binding.interface,
        }),
      );
    }
    if (!session) return this.count('no-session');
    const rejected = this.checkEndpoint(session, datagram, binding);
    if (rejected) {
      // Counted once, on the session it named (the metric adds table and session counts).
      session.reject(rejected);
      return rejected;
    }
    return session.receive(packet, datagram.payload);
  }

  /** Stops every session and closes the transports. */
  async close(): Promise<void> {
    const sessions = this.sessions();
    this.byKey.clear();
    this.byDiscriminator.clear();
    this.boundOf.clear();
    for (const s of sessions) this.discriminators.release(s.localDiscriminator);
    await Promise.all(sessions.map((s) => s.stop()));
    await Promise.all(this.transports.map((t) => t.transport.close()));
  }

  /**
   * The checks a packet found by Your Discriminator still has to pass: a discriminator is no
   * credential (it travels in clear and is easy to learn), so the packet must also come from the
   * session's peer over the session's hop mode.
   */
  private checkEndpoint(
    session: BfdSession,
    datagram: BfdDatagram,
    binding: BfdTransportBinding,
  ): BfdDiscardReason | undefined {
    const multihop = session.config.multihop ?? false;
    // RFC 5881 3 / RFC 5883 4: a session is bound to its (local, peer) address pair.
    if (canonicalAddress(datagram.from.address) !== session.peerAddress) {
      return 'source-address-mismatch';
    }
    // RFC 5881 4 (port 3784) and RFC 5883 5 (port 4784) keep the two kinds of session apart.
    if ((binding.multihop ?? false) !== multihop) return 'hop-mode-mismatch';
    // RFC 5881 5: without authentication a single-hop packet MUST arrive with TTL 255. Where
    // the transport reports the TTL (the in-memory network); the UDP transport has the kernel
    // check it and marks what fails (belowTtlFloor above).
    if (!multihop && !session.config.auth && datagram.ttl !== undefined && datagram.ttl !== 255) {
      return 'ttl-not-255';
    }
    const minimumTtl = session.config.minimumTtl;
    if (multihop && minimumTtl !== undefined && datagram.ttl !== undefined) {
      if (datagram.ttl < minimumTtl) return 'ttl-below-minimum';
    }
    return undefined;
  }

  /**
   * A datagram the kernel found below its TTL floor (cut to its first three words): RFC 5881 5
   * "MUST be discarded" single hop (FRR's bfdd discards it with authentication too, which RFC
   * 5881 5 allows), RFC 5883 5 below the configured minimum multihop. Counted on the session
   * Your Discriminator names, when it names one of this transport's hop mode; else on the table.
   */
  private belowTtlFloor(datagram: BfdDatagram, binding: BfdTransportBinding): BfdDiscardReason {
    const reason = binding.multihop ? 'ttl-below-minimum' : 'ttl-not-255';
    const your = datagram.payload.length >= 12 ? datagram.payload.readUInt32BE(8) : 0;
    const session = your !== 0 ? this.byDiscriminator.get(your) : undefined;
    if (session && (session.config.multihop ?? false) === (binding.multihop ?? false)) {
      session.reject(reason);
    } else this.count(reason);
    return reason;
  }

  /**
   * RFC 5883 5: each multihop session's minimum TTL, handed to the transport it listens on so
   * the kernel compares every datagram from that peer with it.
   */
  private updateTtlFloors(bound: BoundTransport): void {
    if (!bound.transport.setTtlFloors || !bound.binding.multihop) return;
    const floors = new Map<string, number>();
    for (const [session, on] of this.boundOf) {
      const minimumTtl = session.config.minimumTtl;
      if (on === bound && minimumTtl !== undefined) floors.set(session.peerAddress, minimumTtl);
    }
    bound.transport.setTtlFloors(floors);
  }

  private count(reason: BfdDiscardReason): BfdDiscardReason {
    this.discards[reason]++;
    return reason;
  }
}
