import { createSocket, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { systemRandom, type Random } from '../../core/random.js';
import { inNetworkNamespace, socketFamilyOf } from '../../bgp/io/socket-options.js';
import { BfdTransportError } from '../errors.js';
import { BFD_MULTIHOP_PORT, BFD_SINGLE_HOP_PORT, BFD_TTL } from '../wire/constants.js';
import {
  DEFAULT_SOURCE_PORT_RANGE,
  sourcePortCandidates,
  validateSourcePortRange,
} from './source-port.js';
import type {
  BfdDatagramHandler,
  BfdEndpointAddress,
  BfdTransport,
  BfdTxChannel,
  SourcePortRange,
} from './transport.js';
import { attachTtlFilter, fittedTtlFilter, isBelowTtlFloor } from './ttl-filter.js';

export interface UdpBfdTransportInit {
  /** Address to listen on and send from (a chosen local address; tests use 127.0.0.1 / ::1). */
  localAddress: string;
  /** 3784 (RFC 5881) by default, 4784 for multihop (RFC 5883); 0 picks a free port (tests). */
  listenPort?: number;
  sourcePortRange?: SourcePortRange;
  /** RFC 5881 5: 255 (GTSM); RFC 5883 leaves multihop to configuration, FRR also sends 255. */
  ttl?: number;
  random?: Random;
  /** How many source ports to try before giving up with BFD_NO_SOURCE_PORT. */
  maxBindAttempts?: number;
  /**
   * SO_RCVBUF of the listener (the kernel caps it at net.core.rmem_max). One listener serves
   * every session; at 1,000 sessions x 20 packets/s a 200 ms event-loop stall queues 4,000
   * datagrams, which overflow Linux's ~208 KiB default and read as false Downs.
   */
  receiveBufferBytes?: number;
  /**
   * A network namespace (path, e.g. /run/netns/NAME) every socket of this transport is made in:
   * a node's VRF as a routing instance of its own.
   */
  netns?: string;
  /**
   * The lowest TTL / Hop Limit a datagram may arrive with, checked by the kernel (ttl-filter.ts):
   * 255 on the single-hop port (RFC 5881 5), none (0) on the multihop port, where each session's
   * minimum TTL comes through setTtlFloors (RFC 5883 5).
   */
  receiveTtlFloor?: number;
}

export const DEFAULT_RECEIVE_BUFFER_BYTES = 4 * 1024 * 1024;

/** libuv's uv__udp_recvmsg reads up to 32 (+1) datagrams per socket per poll. */
const LIBUV_READS_PER_POLL = 32;
const MAX_SETTLE_TURNS = 1_000;

/**
 * A UDP socket whose address lookup answers at once: its bind then makes the socket
 * synchronously, which a bind inside another network namespace needs (inNetworkNamespace).
 */
function udpSocket(type: 'udp4' | 'udp6'): Socket {
  return createSocket({
    type,
    ipv6Only: type === 'udp6',
    lookup: (host, _options, cb) => cb(null, host, isIPv6(host) ? 6 : 4),
  });
}

function bind(socket: Socket, address: string, port: number, netns?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    socket.once('error', onError);
    const go = () =>
      socket.bind({ address, port, exclusive: true }, () => {
        socket.off('error', onError);
        resolve();
      });
    if (netns === undefined) go();
    else {
      try {
        inNetworkNamespace(netns, go);
      } catch (error) {
        socket.off('error', onError);
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    }
  });
}

function closeSocket(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    try {
      socket.close(() => resolve());
    } catch {
      resolve(); // already closed
    }
  });
}

function isAddrInUse(err: unknown): boolean {
  const code = (err as { code?: string }).code;
  return code === 'EADDRINUSE';
}

function connect(socket: Socket, peer: BfdEndpointAddress): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    socket.once('error', onError);
    socket.connect(peer.port, peer.address, () => {
      socket.off('error', onError);
      resolve();
    });
  });
}

class UdpTxChannel implements BfdTxChannel {
  sendErrors = 0;
  private closed = false;
  /** One callback for every send: this path runs 20 times a second per session. */
  private readonly onSent = (err: Error | null): void => {
    if (err) this.sendErrors++;
  };

  constructor(
    private readonly socket: Socket,
    readonly local: BfdEndpointAddress,
    private readonly connectedTo: BfdEndpointAddress | undefined,
    private readonly onClose: (ch: UdpTxChannel) => void,
  ) {
    // A datagram socket reports asynchronous failures as 'error' events; without a listener
    // Node would throw them, so they are counted instead.
    socket.on('error', () => {
      this.sendErrors++;
    });
  }

  send(payload: Buffer, to: BfdEndpointAddress): void {
    if (this.closed) throw new BfdTransportError('ERR_BFD_TRANSPORT_CLOSED', 'channel is closed');
    const onSent = this.onSent;
    if (!this.connectedTo) {
      this.socket.send(payload, to.port, to.address, onSent);
    } else if (to.port === this.connectedTo.port && to.address === this.connectedTo.address) {
      // Connected: no per-packet address lookup in Node nor route lookup in the kernel.
      this.socket.send(payload, onSent);
    } else {
      throw new BfdTransportError('ERR_BFD_SEND_FAILED', 'channel is connected to another peer');
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.onClose(this);
    await closeSocket(this.socket);
  }
}

class UdpBfdTransport implements BfdTransport {
  private handler: BfdDatagramHandler | undefined;
  private received = 0;
  private readonly channels = new Set<UdpTxChannel>();
  private closed = false;
  /**
   * Why the received TTL is not checked on this transport, or undefined when the kernel checks
   * it (RFC 5881 5 / RFC 5883 5 through the socket filter of ttl-filter.ts).
   */
  ttlCheckUnavailable: string | undefined;
  /**
   * Set when the kernel holds the sources to less than their floors (too many per-peer minimum
   * TTLs for one program, or a failed update): why.
   */
  ttlCheckLimited: string | undefined;

  constructor(
    private readonly listener: Socket,
    readonly local: BfdEndpointAddress,
    private readonly init: Required<
      Omit<UdpBfdTransportInit, 'listenPort' | 'receiveBufferBytes' | 'netns'>
    > &
      Pick<UdpBfdTransportInit, 'netns'>,
  ) {
    // node:dgram does not expose the received TTL (no IP_RECVTTL / IPV6_RECVHOPLIMIT): the
    // kernel compares it with the floor and cuts what is below (ttl-filter.ts).
    this.ttlCheckUnavailable = this.filter(new Map());
    const checked = this.ttlCheckUnavailable === undefined;
    listener.on('message', (payload, rinfo) => {
      this.received++;
      this.handler?.({
        payload,
        // A link-local source may come scoped (`fe80::1%eth0`): sessions know it by address.
        from: { address: rinfo.address.split('%')[0]!, port: rinfo.port },
        to: this.local,
        ...(checked && isBelowTtlFloor(payload) ? { belowTtlFloor: true } : {}),
      });
    });
    listener.on('error', () => {
      // Receive-side socket errors (e.g. ICMP-induced) must not crash the process.
    });
  }

  onDatagram(handler: BfdDatagramHandler): void {
    this.handler = handler;
  }

  setTtlFloors(perPeer: ReadonlyMap<string, number>): void {
    if (this.ttlCheckUnavailable !== undefined) return;
    // A failed update leaves the previous program attached: say so rather than run on it.
    const failed = this.filter(perPeer);
    if (failed) this.ttlCheckLimited = failed;
  }

  private filter(perPeer: ReadonlyMap<string, number>): string | undefined {
    const family = socketFamilyOf(this.local.address);
    const fitted = fittedTtlFilter(family, { minimum: this.init.receiveTtlFloor, perPeer });
    this.ttlCheckLimited = fitted.limited;
    return attachTtlFilter(this.listener, family, fitted.program);
  }

  settleReceive(fn: () => void): void {
    // libuv reads readable sockets in the poll phase and setImmediate runs in the check phase
    // right after it. But one poll reads at most ~32 datagrams per socket (libuv's starvation
    // guard), and after a stall one listener serving many sessions has far more queued: hop
    // another loop turn while a turn read a full batch. Bounded, so a flood cannot hold the
    // check forever.
    let seen = this.received;
    let turns = 0;
    const step = (): void => {
      const read = this.received - seen;
      seen = this.received;
      if (read >= LIBUV_READS_PER_POLL && turns++ < MAX_SETTLE_TURNS) setImmediate(step);
      else fn();
    };
    setImmediate(step);
  }

  async openTxChannel(peer?: BfdEndpointAddress): Promise<BfdTxChannel> {
    if (this.closed) throw new BfdTransportError('ERR_BFD_TRANSPORT_CLOSED', 'transport is closed');
    const type = isIPv6(this.init.localAddress) ? 'udp6' : 'udp4';
    let attempts = 0;
    for (const port of sourcePortCandidates(this.init.sourcePortRange, this.init.random)) {
      if (attempts++ >= this.init.maxBindAttempts) break;
      const socket = udpSocket(type);
      try {
        await bind(socket, this.init.localAddress, port, this.init.netns);
      } catch (err) {
        await closeSocket(socket);
        if (isAddrInUse(err)) continue;
        throw new BfdTransportError('ERR_BFD_BIND_FAILED', `bind ${port}`, { cause: err });
      }
      // RFC 5881 5: "all BFD Control packets for a particular session MUST be sent with a TTL
      // or Hop Limit value of 255".
      socket.setTTL(this.init.ttl);
      if (peer) {
        try {
          await connect(socket, peer);
        } catch (err) {
          await closeSocket(socket);
          throw new BfdTransportError('ERR_BFD_BIND_FAILED', `connect ${peer.address}`, {
            cause: err,
          });
        }
      }
      const channel = new UdpTxChannel(
        socket,
        { address: this.init.localAddress, port },
        peer ? { ...peer } : undefined,
        (ch) => this.channels.delete(ch),
      );
      this.channels.add(channel);
      return channel;
    }
    throw new BfdTransportError('ERR_BFD_NO_SOURCE_PORT', 'no free BFD source port');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.channels].map((ch) => ch.close()));
    await closeSocket(this.listener);
  }
}

/**
 * Sends one datagram from `localAddress` (inside `netns` when given) with `ttl`, then closes
 * the socket: what a scenario forges (PeerBackend.forge), never a session's traffic.
 */
export async function sendDatagramOnce(
  from: { localAddress: string; netns?: string; ttl: number },
  payload: Buffer,
  to: BfdEndpointAddress,
): Promise<void> {
  const socket = udpSocket(isIPv6(from.localAddress) ? 'udp6' : 'udp4');
  try {
    await bind(socket, from.localAddress, 0, from.netns);
    socket.setTTL(from.ttl);
    await new Promise<void>((resolve, reject) =>
      socket.send(payload, to.port, to.address, (err) => (err ? reject(err) : resolve())),
    );
  } catch (err) {
    throw new BfdTransportError('ERR_BFD_SEND_FAILED', `forged datagram to ${to.address}`, {
      cause: err,
    });
  } finally {
    await closeSocket(socket);
  }
}

/** Binds the BFD listener on (localAddress, listenPort) over node:dgram. */
export async function createUdpBfdTransport(init: UdpBfdTransportInit): Promise<BfdTransport> {
  const range = init.sourcePortRange ?? DEFAULT_SOURCE_PORT_RANGE;
  validateSourcePortRange(range);
  const type = isIPv6(init.localAddress) ? 'udp6' : 'udp4';
  const listener = udpSocket(type);
  const port = init.listenPort ?? BFD_SINGLE_HOP_PORT;
  try {
    await bind(listener, init.localAddress, port, init.netns);
  } catch (err) {
    await closeSocket(listener);
    if (isAddrInUse(err)) {
      throw new BfdTransportError('ERR_BFD_PORT_IN_USE', `${init.localAddress}:${port}`, {
        cause: err,
      });
    }
    throw new BfdTransportError('ERR_BFD_BIND_FAILED', `${init.localAddress}:${port}`, {
      cause: err,
    });
  }
  try {
    listener.setRecvBufferSize(init.receiveBufferBytes ?? DEFAULT_RECEIVE_BUFFER_BYTES);
  } catch {
    // Not fatal: the kernel default still works, with less headroom for stalls.
  }
  const local = { address: init.localAddress, port: listener.address().port };
  return new UdpBfdTransport(listener, local, {
    localAddress: init.localAddress,
    sourcePortRange: range,
    ttl: init.ttl ?? BFD_TTL,
    receiveTtlFloor: init.receiveTtlFloor ?? (port === BFD_MULTIHOP_PORT ? 0 : BFD_TTL),
    random: init.random ?? systemRandom,
    maxBindAttempts: init.maxBindAttempts ?? 512,
    ...(init.netns !== undefined ? { netns: init.netns } : {}),
  });
}
