/**
 * In-memory twin of the TCP transport: same contract, no sockets, deterministic.
 *
 * Delivery happens on microtasks in the order bytes were written, so a run under virtual time
 * gives the same interleaving every time. Faults mimic what nftables does to real TCP: a dropped
 * path stalls the stream (bytes are held, as TCP would keep retransmitting) and connection
 * attempts over it never complete, until the path passes again.
 *
 * Per-peer socket options behave as Linux applies them: a SYN or SYN-ACK whose RFC 2385 MD5 key
 * (or its absence) does not match the receiver's key for that peer is dropped and counted
 * (TCPMD5NotFound / TCPMD5Unexpected / TCPMD5Failure). A RFC 5082 minimum TTL is on the
 * connecting socket before its SYN, but on an accepted one only after the handshake (the
 * listener is shared by all peers, in speakersim and in FRR alike): so a SYN-ACK below the
 * connecting side's minimum is dropped, and later segments below the accepted side's minimum
 * stall (TCPMinTTLDrop), the handshake having succeeded. Every endpoint is one hop from every
 * other: a segment arrives with the TTL it was sent with.
 */
import { SystemClock, type Clock, type Timer } from '../../core/clock.js';
import {
  TransportError,
  type ConnectOptions,
  type Connection,
  type ConnectionHandlers,
  type ListenOptions,
  type Listener,
  type Transport,
  type PeerSocketOptions,
} from './transport.js';
import { PeerOptionTable, type TcpOptionDropCounters } from './peer-options.js';

const HIGH_WATER_MARK = 256 * 1024;
const EPHEMERAL_START = 49152;
/** Linux's default TTL (net.ipv4.ip_default_ttl) for a socket with none set. */
const DEFAULT_TTL = 64;

/** What the receiving side does with a segment from a sender with options `from`. */
function handshakeVerdict(
  from: PeerSocketOptions | undefined,
  to: PeerSocketOptions | undefined,
  checkTtl: boolean,
): keyof TcpOptionDropCounters | undefined {
  const sent = from?.md5Key || undefined;
  const wanted = to?.md5Key || undefined;
  // RFC 2385 2.0: a segment without the expected signature, or with a wrong one, is dropped.
  if (wanted !== undefined && sent === undefined) return 'md5NotFound';
  if (wanted === undefined && sent !== undefined) return 'md5Unexpected';
  if (wanted !== sent) return 'md5Failure';
  // RFC 5082 3: drop what arrives with a TTL below the configured minimum.
  if (checkTtl && belowMinTtl(from, to)) return 'minTtlDrop';
  return undefined;
}

/** Decides whether bytes from one address to another get through right now. */
export type PathFilter = (from: string, to: string) => 'pass' | 'drop';

function belowMinTtl(from: PeerSocketOptions | undefined, to: PeerSocketOptions | undefined) {
  return to?.minTtl !== undefined && (from?.ttl ?? DEFAULT_TTL) < to.minTtl;
}

class MemoryConnection implements Connection {
  peer!: MemoryConnection;
  /** This end's socket options (TTL sent, minimum TTL accepted). */
  options: PeerSocketOptions | undefined;
  private handlers: ConnectionHandlers | undefined;
  private inbox: Buffer[] = [];
  /** Written by this side, not yet handed to the peer. */
  private outbox: Buffer[] = [];
  private outboxBytes = 0;
  private flushScheduled = false;
  private wantDrain = false;
  private ending = false;
  closed: { error?: TransportError } | undefined;

  constructor(
    private readonly network: MemoryNetwork,
    readonly localAddress: string,
    readonly localPort: number,
    readonly remoteAddress: string,
    readonly remotePort: number,
  ) {}

  attach(handlers: ConnectionHandlers): void {
    if (this.handlers) throw new TransportError('ERR_TRANSPORT_IO', 'connection already attached');
    this.handlers = handlers;
    for (const chunk of this.inbox.splice(0)) handlers.data(chunk);
    if (this.closed) handlers.close(this.closed.error);
  }

  write(bytes: Buffer): boolean {
    if (this.closed || this.ending) return false;
    // Ownership passes to the transport, as with node:net: callers must not reuse the buffer.
    this.outbox.push(bytes);
    this.outboxBytes += bytes.length;
    this.scheduleFlush();
    const ok = this.outboxBytes < HIGH_WATER_MARK;
    if (!ok) this.wantDrain = true;
    return ok;
  }

  bufferedAmount(): number {
    return this.outboxBytes;
  }

  end(): void {
    if (this.closed || this.ending) return;
    this.ending = true;
    this.scheduleFlush();
  }

  destroy(): void {
    if (this.closed) return;
    this.outbox = [];
    this.outboxBytes = 0;
    this.finish();
    this.peer.finish(new TransportError('ERR_TRANSPORT_RESET', 'connection reset by peer'));
  }

  /** Retries a stalled flush after a fault is lifted. */
  kick(): void {
    if (this.outbox.length > 0 || this.ending) this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    queueMicrotask(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    if (this.closed) return;
    if (!this.network.passes(this.localAddress, this.remoteAddress)) return; // stalled, kept
    if (belowMinTtl(this.options, this.peer.options)) {
      // RFC 5082 3: the receiver drops it; TCP keeps retransmitting: stalled, kept.
      this.network.tcpCounters.minTtlDrop++;
      return;
    }
    const chunks = this.outbox.splice(0);
    this.outboxBytes = 0;
    for (const chunk of chunks) this.peer.receive(chunk);
    if (this.wantDrain) {
      this.wantDrain = false;
      this.handlers?.drain();
    }
    if (this.ending) {
      this.finish();
      this.peer.finish();
    }
  }

  private receive(chunk: Buffer): void {
    if (this.closed) return;
    if (this.handlers) this.handlers.data(chunk);
    else this.inbox.push(chunk);
  }

  finish(error?: TransportError): void {
    if (this.closed) return;
    this.closed = error ? { error } : {};
    this.network.forget(this);
    this.handlers?.close(error);
  }
}

interface MemoryListener {
  address: string;
  port: number;
  onConnection: (connection: Connection) => void;
  /** The socket options of the transport that listens. */
  options: PeerOptionTable;
}

interface PendingConnect {
  options: ConnectOptions;
  /** The socket options of the transport that connects. */
  peerOptions: PeerOptionTable;
  resolve: (c: Connection) => void;
  reject: (e: TransportError) => void;
  timer?: Timer;
}

export class MemoryNetwork {
  private listeners = new Map<string, MemoryListener>();
  private connections = new Set<MemoryConnection>();
  private pending = new Set<PendingConnect>();
  private nextPort = EPHEMERAL_START;
  private filter: PathFilter = () => 'pass';
  readonly tcpCounters: TcpOptionDropCounters = {
    md5NotFound: 0,
    md5Unexpected: 0,
    md5Failure: 0,
    minTtlDrop: 0,
  };

  /** @param clock times out connects over a dropped path (virtual time in scenarios). */
  constructor(private readonly clock: Clock = new SystemClock()) {}

  /** A transport whose connections live on this network, with its own per-peer options. */
  transport(): Transport {
    const table = new PeerOptionTable();
    return {
      connect: (options) => this.connect(options, table),
      listen: (options, onConnection) => this.listen(options, onConnection, table),
      socketOptions: {
        unavailable: () => undefined,
        set: (peer, options) => {
          table.set(peer, options);
          // A retransmitted SYN meets the new keys.
          for (const p of [...this.pending]) this.tryConnect(p);
        },
      },
    };
  }

  /** Installs a fault filter; lifting a fault resumes stalled streams and connects. */
  setFilter(filter: PathFilter): void {
    this.filter = filter;
    for (const c of this.connections) c.kick();
    for (const p of [...this.pending]) this.tryConnect(p);
  }

  passes(from: string, to: string): boolean {
    return this.filter(from, to) === 'pass' && this.filter(to, from) === 'pass';
  }

  /** Open connections, both ends counted. */
  openConnections(): number {
    return this.connections.size;
  }

  forget(c: MemoryConnection): void {
    this.connections.delete(c);
  }

  private listen(
    options: ListenOptions,
    onConnection: (connection: Connection) => void,
    table: PeerOptionTable,
  ): Promise<Listener> {
    const port = options.port === 0 ? this.allocatePort() : options.port;
    const key = `${options.host}|${port}`;
    if (this.listeners.has(key)) {
      return Promise.reject(
        new TransportError('ERR_TRANSPORT_ADDRESS_IN_USE', `${options.host}:${port} is in use`),
      );
    }
    const listener: MemoryListener = { address: options.host, port, onConnection, options: table };
    this.listeners.set(key, listener);
    return Promise.resolve({
      address: options.host,
      port,
      close: async () => {
        if (this.listeners.get(key) === listener) this.listeners.delete(key);
      },
    });
  }

  private connect(options: ConnectOptions, peerOptions: PeerOptionTable): Promise<Connection> {
    return new Promise((resolve, reject) => {
      const p: PendingConnect = { options, peerOptions, resolve, reject };
      // Asynchronous like a real connect, even when it fails at once.
      queueMicrotask(() => this.tryConnect(p));
    });
  }

  private tryConnect(p: PendingConnect): void {
    const { host, port } = p.options;
    const local = p.options.localAddress ?? (host.includes(':') ? '::1' : '127.0.0.1');
    const listener = this.listeners.get(`${host}|${port}`) ?? this.wildcard(host, port);
    if (!this.passes(local, host) || (listener && this.handshakeDropped(p, local, listener))) {
      // A dropped path or a dropped SYN: it goes nowhere until the path passes (or the keys
      // match) or the caller's timeout ends it.
      if (!this.pending.has(p)) {
        this.pending.add(p);
        if (p.options.timeoutMs !== undefined) {
          p.timer = this.clock.setTimer(p.options.timeoutMs, () => {
            if (!this.pending.delete(p)) return;
            p.reject(
              new TransportError('ERR_TRANSPORT_TIMEOUT', `connect to ${host}:${port} timed out`),
            );
          });
        }
      }
      return;
    }
    this.pending.delete(p);
    p.timer?.cancel();
    if (!listener) {
      p.reject(new TransportError('ERR_TRANSPORT_REFUSED', `connect ECONNREFUSED ${host}:${port}`));
      return;
    }
    const localPort = this.allocatePort();
    const client = new MemoryConnection(this, local, localPort, host, port);
    const server = new MemoryConnection(this, host, port, local, localPort);
    client.peer = server;
    server.peer = client;
    client.options = p.peerOptions.lookup(local, host);
    server.options = listener.options.lookup(host, local);
    this.connections.add(client);
    this.connections.add(server);
    listener.onConnection(server);
    p.resolve(client);
  }

  /** Checks the SYN at the listener and the SYN-ACK back at the client; counts a drop. */
  private handshakeDropped(p: PendingConnect, local: string, listener: MemoryListener): boolean {
    const client = p.peerOptions.lookup(local, p.options.host);
    const server = listener.options.lookup(p.options.host, local);
    // The SYN meets the listener's keys; the SYN-ACK the connecting socket's keys and minimum TTL.
    const verdict =
      handshakeVerdict(client, server, false) ?? handshakeVerdict(server, client, true);
    if (verdict) this.tcpCounters[verdict]++;
    return verdict !== undefined;
  }

  private wildcard(host: string, port: number): MemoryListener | undefined {
    const any = host.includes(':') ? '::' : '0.0.0.0';
    return this.listeners.get(`${any}|${port}`) ?? this.listeners.get(`::|${port}`);
  }

  private allocatePort(): number {
    const port = this.nextPort;
    this.nextPort = this.nextPort >= 65535 ? EPHEMERAL_START : this.nextPort + 1;
    return port;
  }
}
