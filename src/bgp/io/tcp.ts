/**
 * BGP over real TCP (node:net).
 *
 * Node exposes no IP_TTL or TCP_MD5SIG socket options, so: outgoing TTL is the system default
 * (64 on Linux), which serves eBGP multihop; a single-hop eBGP peer that enforces TTL 1 or GTSM
 * (RFC 5082) cannot be satisfied, and TCP MD5 (RFC 2385) is refused by the speaker, never ignored.
 */
import net from 'node:net';
import { SystemClock, type Clock } from '../../core/clock.js';
import {
  TransportError,
  transportErrorFrom,
  type ConnectOptions,
  type Connection,
  type ConnectionHandlers,
  type ListenOptions,
  type Listener,
  type Transport,
} from './transport.js';

/** Output above this many queued bytes makes `write` ask the caller to wait for `drain`. */
const HIGH_WATER_MARK = 256 * 1024;

class TcpConnection implements Connection {
  readonly localAddress: string;
  readonly localPort: number;
  readonly remoteAddress: string;
  readonly remotePort: number;
  private handlers: ConnectionHandlers | undefined;
  private early: Buffer[] = [];
  private closed: { error?: TransportError } | undefined;
  private lastError: TransportError | undefined;

  constructor(private readonly socket: net.Socket) {
    this.localAddress = stripMapped(socket.localAddress ?? '');
    this.localPort = socket.localPort ?? 0;
    this.remoteAddress = stripMapped(socket.remoteAddress ?? '');
    this.remotePort = socket.remotePort ?? 0;
    // BGP messages are small and latency matters for KEEPALIVEs and BFD-coupled teardown.
    socket.setNoDelay(true);
    socket.on('error', (err) => {
      this.lastError = transportErrorFrom(err);
    });
    socket.on('close', () => {
      this.closed = this.lastError ? { error: this.lastError } : {};
      this.handlers?.close(this.closed.error);
    });
    socket.on('drain', () => this.handlers?.drain());
    // Read as soon as connected; hold the bytes until someone attaches.
    socket.on('data', (chunk: Buffer) => {
      if (this.handlers) this.handlers.data(chunk);
      else this.early.push(chunk);
    });
  }

  private corked = false;

  attach(handlers: ConnectionHandlers): void {
    if (this.handlers) throw new TransportError('ERR_TRANSPORT_IO', 'connection already attached');
    this.handlers = handlers;
    for (const chunk of this.early.splice(0)) handlers.data(chunk);
    if (this.closed) handlers.close(this.closed.error);
  }

  write(bytes: Buffer): boolean {
    if (this.socket.destroyed || this.socket.writableEnded) return false;
    if (!this.corked) {
      // Everything written in this turn of the event loop goes out in one writev: a burst of
      // UPDATEs reaches the kernel at once instead of one message per loop iteration.
      this.corked = true;
      this.socket.cork();
      process.nextTick(() => {
        this.corked = false;
        this.socket.uncork();
      });
    }
    this.socket.write(bytes);
    return this.socket.writableLength < HIGH_WATER_MARK;
  }

  bufferedAmount(): number {
    return this.socket.writableLength;
  }

  end(): void {
    this.socket.end();
  }

  destroy(): void {
    // resetAndDestroy sends RST (Node >= 16.17) so the peer sees the session end at once.
    if (typeof this.socket.resetAndDestroy === 'function' && !this.socket.destroyed) {
      this.socket.resetAndDestroy();
    } else {
      this.socket.destroy();
    }
  }
}

/** "::ffff:198.18.0.1" (IPv4 on a dual-stack socket) -> "198.18.0.1". */
function stripMapped(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

export class TcpTransport implements Transport {
  constructor(private readonly clock: Clock = new SystemClock()) {}

  connect(options: ConnectOptions): Promise<Connection> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({
        host: options.host,
        port: options.port,
        localAddress: options.localAddress,
        // Name resolution is never wanted: peers are addresses.
        lookup: (host, _opts, cb) => cb(null, host, net.isIPv6(host) ? 6 : 4),
      });
      let settled = false;
      const timer =
        options.timeoutMs === undefined
          ? undefined
          : this.clock.setTimer(options.timeoutMs, () => {
              if (settled) return;
              settled = true;
              socket.destroy();
              reject(
                new TransportError(
                  'ERR_TRANSPORT_TIMEOUT',
                  `connect to ${options.host}:${options.port} timed out`,
                ),
              );
            });
      socket.once('connect', () => {
        if (settled) return;
        settled = true;
        timer?.cancel();
        resolve(new TcpConnection(socket));
      });
      socket.once('error', (err) => {
        if (settled) return;
        settled = true;
        timer?.cancel();
        socket.destroy();
        reject(transportErrorFrom(err));
      });
    });
  }

  listen(
    options: ListenOptions,
    onConnection: (connection: Connection) => void,
  ): Promise<Listener> {
    return new Promise((resolve, reject) => {
      const server = net.createServer({ noDelay: true }, (socket) =>
        onConnection(new TcpConnection(socket)),
      );
      server.once('error', (err) => reject(transportErrorFrom(err)));
      server.listen({ host: options.host, port: options.port, exclusive: true }, () => {
        server.removeAllListeners('error');
        // A listener error after start (rare) must not crash the process.
        server.on('error', () => undefined);
        const addr = server.address() as net.AddressInfo;
        resolve({
          address: stripMapped(addr.address),
          port: addr.port,
          close: () =>
            // Accepted connections belong to their sessions: closing the listener stops accepting only.
            new Promise<void>((done) => server.close(() => done())),
        });
      });
    });
  }
}
