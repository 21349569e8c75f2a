/**
 * BGP over real TCP (node:net).
 *
 * Per-peer socket options (`socketOptions`: RFC 2385 MD5 key, TTL, RFC 5082 minimum TTL) go
 * through ./socket-options.ts, since Node exposes none of them. A connection to a peer with
 * options starts from a socket made there, keyed before the SYN, which node:net then connects;
 * listeners carry the MD5 keys of every peer that may connect in, and the TTL options go on
 * each accepted connection (its SYN-ACK leaves with the listener's default TTL). Without
 * options, connections are plain node:net ones with the system's default TTL (64 on Linux).
 */
import net from 'node:net';
import { SystemClock, type Clock } from '../../core/clock.js';
import { canonicalPeerAddress, PeerOptionTable, sameSocketOptions } from './peer-options.js';
import {
  applyTtlOptions,
  closeFd,
  openTcpSocket,
  openTcpListener,
  setMd5Key,
  setTtl,
  socketFamilyOf,
  socketOptionsUnavailable,
  type PeerSocketOptions,
  type SocketFamily,
} from './socket-options.js';
import {
  TransportError,
  transportErrorFrom,
  type ConnectOptions,
  type Connection,
  type ConnectionHandlers,
  type ListenOptions,
  type Listener,
  type PeerSocketOptionControl,
  type PeerSocketSelector,
  type Transport,
} from './transport.js';

/** Output above this many queued bytes makes `write` ask the caller to wait for `drain`. */
const HIGH_WATER_MARK = 256 * 1024;

/** How long a gracefully ended connection may wait for the peer before it is destroyed. */
const END_LINGER_MS = 3_000;

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
    // A FIN the peer never acknowledges (its namespace or container is gone) would keep the
    // socket in FIN-WAIT-1, and the process alive, for minutes: give the close a bound.
    const linger = setTimeout(() => this.socket.destroy(), END_LINGER_MS);
    linger.unref();
    this.socket.once('close', () => clearTimeout(linger));
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
  // A scoped link-local address (`fe80::1%eth0`) is known by its address: the zone is the
  // transport's business (`zoneOf`), never the session's.
  const unzoned = address.split('%')[0]!;
  return unzoned.startsWith('::ffff:') && unzoned.includes('.') ? unzoned.slice(7) : unzoned;
}

/** The descriptor under a node:net handle (Linux, macOS: libuv exposes it). */
function fdOf(handleOwner: net.Socket | net.Server): number | undefined {
  const fd = (handleOwner as unknown as { _handle?: { fd?: number } })._handle?.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : undefined;
}

interface LiveListener {
  server: net.Server;
  address: string;
  family: SocketFamily;
  /** Peers whose MD5 key is on this listener now, with that key. */
  keyed: Map<string, string>;
}

export class TcpTransport implements Transport {
  private readonly peerOptions = new PeerOptionTable();
  private readonly listeners = new Set<LiveListener>();
  readonly socketOptions: PeerSocketOptionControl = {
    unavailable: () => this.optionsUnavailable(),
    set: (peer, options) => this.setPeerOptions(peer, options),
  };

  /**
   * @param optionsUnavailable why socket options cannot be set here (injectable for tests).
   * @param netns a network namespace (path, e.g. /run/netns/NAME) that every socket of this
   *   transport is made in: a node's VRF as a routing instance of its own (socket-options.ts).
   * @param zoneOf the interface (RFC 4007 11 zone) of a link-local local address: connects
   *   from it and listeners on it are scoped to that interface, and so is the peer address.
   */
  constructor(
    private readonly clock: Clock = new SystemClock(),
    private readonly optionsUnavailable: () => string | undefined = socketOptionsUnavailable,
    private readonly netns?: string,
    private readonly zoneOf?: (localAddress: string) => string | undefined,
  ) {}

  /** `address%zone` when `local` is a link-local address of a known interface. */
  private scoped(address: string, local: string | undefined): string {
    const zone = local !== undefined ? this.zoneOf?.(local) : undefined;
    return zone !== undefined && !address.includes('%') ? `${address}%${zone}` : address;
  }

  private setPeerOptions(peer: PeerSocketSelector, options: PeerSocketOptions | undefined): void {
    const why = options && this.optionsUnavailable();
    if (options && why) {
      // Protection that cannot be set is refused, never dropped (RFC 2385, RFC 5082); the TTL
      // sent is a courtesy to the peer and stays the system default there (README).
      if (options.md5Key || options.minTtl !== undefined) {
        throw new TransportError('ERR_TRANSPORT_UNSUPPORTED', why);
      }
      options = undefined;
    }
    const prior = this.peerOptions.set(peer, options);
    // Every BGPPeer sets its options, most of them none: only a change reaches the listeners,
    // and only those the entry applies to. (Each call re-keyed every listener from the whole
    // table: at 500 nodes x 20 peers, 89 % of the process's CPU during bring-up.)
    if (
      prior === undefined
        ? options === undefined
        : options && sameSocketOptions(prior.options, options)
    ) {
      return;
    }
    const local =
      peer.localAddress === undefined ? undefined : canonicalPeerAddress(peer.localAddress);
    for (const l of this.listeners) {
      const at = l.address; // canonical since listen()
      if (local === undefined || at === local || at === '0.0.0.0' || at === '::') {
        this.syncListenerKeys(l);
      }
    }
  }

  /** Makes the listener's MD5 keys those of the table's entries for its address. */
  private syncListenerKeys(l: LiveListener): void {
    const fd = fdOf(l.server);
    if (fd === undefined) return;
    const entries = this.peerOptions.forLocal(l.address);
    const wanted = new Map<string, string>();
    for (const e of entries) {
      if (!e.options.md5Key) continue;
      // An IPv4 listener cannot hold an IPv6 peer's key (nor would that peer reach it).
      if (l.family === 'ipv4' && socketFamilyOf(e.peerAddress) === 'ipv6') continue;
      wanted.set(e.peerAddress, e.options.md5Key);
    }
    for (const peer of l.keyed.keys()) {
      if (!wanted.has(peer)) setMd5Key(fd, l.family, peer, '');
    }
    for (const [peer, key] of wanted)
      if (l.keyed.get(peer) !== key) setMd5Key(fd, l.family, peer, key);
    l.keyed = wanted;
    // The SYN-ACK leaves with the listener's TTL, before the accepted socket gets its own: the
    // highest any peer here wants, so that a GTSM peer (RFC 5082) accepts it.
    const ttls = entries.map((e) => e.options.ttl ?? 0);
    const ttl = Math.max(0, ...ttls);
    if (ttl > 0) setTtl(fd, l.family, ttl);
  }

  /** A socket for `host` with `opts` set before its SYN, for node:net to connect. */
  private preparedSocket(host: string, opts: PeerSocketOptions): net.Socket {
    const family = socketFamilyOf(host);
    const fd = openTcpSocket(family, this.netns);
    try {
      if (opts.md5Key) setMd5Key(fd, family, host, opts.md5Key);
      applyTtlOptions(fd, family, opts);
      // manualStart: no read before connect (an unconnected socket polls as hung up).
      return new net.Socket({ fd, manualStart: true } as net.SocketConstructorOpts);
    } catch (error) {
      closeFd(fd);
      throw error;
    }
  }

  connect(options: ConnectOptions): Promise<Connection> {
    return new Promise((resolve, reject) => {
      const opts = this.peerOptions.lookup(options.localAddress, options.host);
      let socket: net.Socket;
      try {
        socket =
          opts || this.netns !== undefined
            ? this.preparedSocket(options.host, opts ?? {})
            : new net.Socket();
      } catch (error) {
        reject(transportErrorFrom(error));
        return;
      }
      socket.connect({
        host: this.scoped(options.host, options.localAddress),
        port: options.port,
        ...(options.localAddress !== undefined
          ? { localAddress: this.scoped(options.localAddress, options.localAddress) }
          : {}),
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
      const server = net.createServer({ noDelay: true }, (socket) => {
        const opts = this.peerOptions.lookup(
          socket.localAddress && stripMapped(socket.localAddress),
          stripMapped(socket.remoteAddress ?? ''),
        );
        const fd = fdOf(socket);
        if (opts && fd !== undefined) {
          try {
            applyTtlOptions(fd, socketFamilyOf(socket.remoteAddress ?? ''), opts);
          } catch {
            // A peer whose options cannot be honoured gets no session rather than a weaker one.
            socket.destroy();
            return;
          }
        }
        onConnection(new TcpConnection(socket));
      });
      server.once('error', (err) => reject(transportErrorFrom(err)));
      // `{ fd }` listens on a socket made elsewhere (node:net's handle form of listen).
      let where: net.ListenOptions | { fd: number } = {
        host: this.scoped(options.host, options.host),
        port: options.port,
        exclusive: true,
      };
      if (this.netns !== undefined) {
        try {
          const family = socketFamilyOf(options.host);
          where = { fd: openTcpListener(family, options.host, options.port, this.netns) };
        } catch (error) {
          reject(transportErrorFrom(error));
          return;
        }
      }
      server.listen(where as net.ListenOptions, () => {
        server.removeAllListeners('error');
        // A listener error after start (rare) must not crash the process.
        server.on('error', () => undefined);
        const addr = server.address() as net.AddressInfo;
        const live: LiveListener = {
          server,
          address: canonicalPeerAddress(stripMapped(addr.address)),
          family: addr.family === 'IPv6' ? 'ipv6' : 'ipv4',
          keyed: new Map(),
        };
        try {
          this.syncListenerKeys(live);
        } catch (error) {
          server.close();
          reject(transportErrorFrom(error));
          return;
        }
        this.listeners.add(live);
        resolve({
          address: stripMapped(addr.address),
          port: addr.port,
          close: () =>
            // Accepted connections belong to their sessions: closing the listener stops accepting only.
            new Promise<void>((done) => {
              this.listeners.delete(live);
              server.close(() => done());
            }),
        });
      });
    });
  }
}
