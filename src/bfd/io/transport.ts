/**
 * What the BFD runtime needs from a network: one listening endpoint per (local address, port)
 * that hands up received datagrams, and per session a transmit channel with its own source port
 * (RFC 5881 4: "The source port MUST be in the range 49152 through 65535. The same UDP source
 * port number MUST be used for all BFD Control packets associated with a particular session.").
 * udp-transport.ts implements it on node:dgram, memory-transport.ts in memory; one contract
 * suite (test/bfd/transport-contract.test.ts) runs against both.
 */

export interface BfdEndpointAddress {
  address: string;
  port: number;
}

export interface BfdDatagram {
  payload: Buffer;
  from: BfdEndpointAddress;
  to: BfdEndpointAddress;
  /**
   * TTL / Hop Limit as received, when the transport can see it (the in-memory network does).
   * node:dgram cannot (no IP_RECVTTL); the UDP transport has the kernel compare it instead and
   * says so with `belowTtlFloor`.
   */
  ttl?: number;
  /**
   * The datagram arrived below the TTL floor of its source (255 single hop, RFC 5881 5; the
   * session's minimum TTL multihop, RFC 5883 5), as the kernel's socket filter found; its payload
   * is cut to the first TTL_MARK_BYTES (ttl-filter.ts).
   */
  belowTtlFloor?: boolean;
}

export type BfdDatagramHandler = (datagram: BfdDatagram) => void;

/** Transmit side of one session: a socket bound to (local address, unique source port). */
export interface BfdTxChannel {
  readonly local: BfdEndpointAddress;
  /** Queues one datagram. Throws BfdTransportError BFD_TRANSPORT_CLOSED after close(). */
  send(payload: Buffer, to: BfdEndpointAddress): void;
  /** Asynchronous send failures so far (reported by the OS after send returned). */
  readonly sendErrors: number;
  close(): Promise<void>;
}

export interface BfdTransport {
  /** The listening address and port (3784 single hop, 4784 multihop, or as configured). */
  readonly local: BfdEndpointAddress;
  /** Sets the one receiver of datagrams arriving at `local`. */
  onDatagram(handler: BfdDatagramHandler): void;
  /**
   * Opens a transmit channel on a source port no other open channel of this host uses. With
   * `peer`, the channel may fix its destination (a connected UDP socket: no per-packet route
   * or address lookup); sending elsewhere then fails with BFD_SEND_FAILED.
   */
  openTxChannel(peer?: BfdEndpointAddress): Promise<BfdTxChannel>;
  /**
   * Calls `fn` once every datagram that has already reached this transport (e.g. sits in the
   * kernel's socket buffer) has been handed to the handler. A detection timer that fires
   * after an event-loop stall checks through this, so packets that arrived in time are not
   * mistaken for lost ones (Node runs due timers before it reads sockets).
   */
  settleReceive(fn: () => void): void;
  /**
   * Per source address, the lowest TTL / Hop Limit a datagram may arrive with (multihop
   * sessions' minimum TTL, RFC 5883 5). Transports that cannot see the TTL leave it out.
   */
  setTtlFloors?(perPeer: ReadonlyMap<string, number>): void;
  /** Closes the listener and every channel it opened. Idempotent. */
  close(): Promise<void>;
}

/**
 * Opens the listening transport for one local address and hop mode: port 3784 single hop
 * (RFC 5881 4), 4784 multihop (RFC 5883 5), or what a test picks.
 */
export type BfdTransportFactory = (
  localAddress: string,
  binding: { multihop: boolean },
) => Promise<BfdTransport>;

export interface SourcePortRange {
  min: number;
  max: number;
}

/**
 * A transport that passes everything through to `t` but hands each send to `hooks.send` (which
 * decides whether and how to call the channel) and shows each received datagram to
 * `hooks.received` first: what the pcap tap and the lab's network guard are built from.
 */
export function interceptBfdTransport(
  t: BfdTransport,
  hooks: {
    send(channel: BfdTxChannel, payload: Buffer, to: BfdEndpointAddress): void;
    received?(datagram: BfdDatagram): void;
  },
): BfdTransport {
  const seen = hooks.received;
  return {
    get local() {
      return t.local;
    },
    onDatagram(handler) {
      t.onDatagram(
        seen
          ? (d) => {
              seen(d);
              handler(d);
            }
          : handler,
      );
    },
    async openTxChannel(peer) {
      const c = await t.openTxChannel(peer);
      return {
        get local() {
          return c.local;
        },
        get sendErrors() {
          return c.sendErrors;
        },
        send: (payload, to) => hooks.send(c, payload, to),
        close: () => c.close(),
      };
    },
    settleReceive: (fn) => t.settleReceive(fn),
    ...(t.setTtlFloors ? { setTtlFloors: (floors) => t.setTtlFloors!(floors) } : {}),
    close: () => t.close(),
  };
}
