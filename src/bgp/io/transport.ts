/**
 * Byte-stream transports for BGP sessions (RFC 4271 2: BGP runs over TCP port 179).
 *
 * A transport opens and accepts connections; a connection carries bytes both ways with
 * back-pressure. Two implementations honour the same contract (test/bgp/io/contract.ts):
 * `TcpTransport` over node:net, and `MemoryNetwork` in memory, for exact, fast and
 * deterministic tests and virtual-time scenarios.
 */
import { SpeakersimError } from '../../core/errors.js';
import type { PeerSocketOptions } from './socket-options.js';

export type { PeerSocketOptions };

export interface ConnectOptions {
  host: string;
  port: number;
  /** Source address to bind before connecting: a simulated node's address. */
  localAddress?: string;
  /** Gives up when the connection is not up after this many ms (RFC 4271 8: ConnectRetry covers it too). */
  timeoutMs?: number;
}

export interface ListenOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
}

export interface ConnectionEndpoints {
  localAddress: string;
  localPort: number;
  remoteAddress: string;
  remotePort: number;
}

export interface ConnectionHandlers {
  data(chunk: Buffer): void;
  /** Buffered output fell below the high-water mark after `write` returned false. */
  drain(): void;
  /** The connection is gone; `error` is set when it did not end cleanly. */
  close(error?: TransportError): void;
}

export interface Connection extends ConnectionEndpoints {
  /** Installs the handlers; bytes that arrived before are delivered at once. Call once. */
  attach(handlers: ConnectionHandlers): void;
  /**
   * Queues bytes; false means the caller should wait for `drain` before writing more.
   * The buffer belongs to the transport from then on: do not modify it afterwards.
   */
  write(bytes: Buffer): boolean;
  /** Bytes queued and not yet handed to the peer. */
  bufferedAmount(): number;
  /** Flushes what is queued, then closes (TCP FIN). */
  end(): void;
  /** Closes at once, dropping what is queued (TCP RST where possible). */
  destroy(): void;
}

export interface Listener {
  address: string;
  port: number;
  close(): Promise<void>;
}

/** Which connections a PeerSocketOptions entry is for. */
export interface PeerSocketSelector {
  /** Our address; absent: every local address (a wildcard listener's connections too). */
  localAddress?: string;
  peerAddress: string;
}

/**
 * Per-peer socket options (RFC 2385 MD5 key, TTL, RFC 5082 minimum TTL), as the kernel keeps
 * them: set before connecting out, and on the listener for connections coming in.
 */
export interface PeerSocketOptionControl {
  /** Why this transport cannot set them (not Linux, no FFI), or undefined when it can. */
  unavailable(): string | undefined;
  /** Sets (undefined: clears) the options for connections to `peer`; later connects use them. */
  set(peer: PeerSocketSelector, options: PeerSocketOptions | undefined): void;
}

export interface Transport {
  connect(options: ConnectOptions): Promise<Connection>;
  listen(options: ListenOptions, onConnection: (connection: Connection) => void): Promise<Listener>;
  /** Absent on transports that cannot protect or shape connections per peer. */
  readonly socketOptions?: PeerSocketOptionControl;
}

export type TransportErrorCode =
  | 'ERR_TRANSPORT_REFUSED'
  | 'ERR_TRANSPORT_TIMEOUT'
  | 'ERR_TRANSPORT_RESET'
  | 'ERR_TRANSPORT_UNREACHABLE'
  | 'ERR_TRANSPORT_ADDRESS_IN_USE'
  | 'ERR_TRANSPORT_ADDRESS_NOT_AVAILABLE'
  | 'ERR_TRANSPORT_UNSUPPORTED'
  | 'ERR_TRANSPORT_IO';

export class TransportError extends SpeakersimError {
  constructor(code: TransportErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** Maps a Node system error to a typed transport error. */
export function transportErrorFrom(err: unknown): TransportError {
  if (err instanceof TransportError) return err;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const message = err instanceof Error ? err.message : String(err);
  const mapped: Record<string, TransportErrorCode> = {
    ECONNREFUSED: 'ERR_TRANSPORT_REFUSED',
    ETIMEDOUT: 'ERR_TRANSPORT_TIMEOUT',
    ECONNRESET: 'ERR_TRANSPORT_RESET',
    EPIPE: 'ERR_TRANSPORT_RESET',
    EHOSTUNREACH: 'ERR_TRANSPORT_UNREACHABLE',
    ENETUNREACH: 'ERR_TRANSPORT_UNREACHABLE',
    EADDRINUSE: 'ERR_TRANSPORT_ADDRESS_IN_USE',
    EADDRNOTAVAIL: 'ERR_TRANSPORT_ADDRESS_NOT_AVAILABLE',
  };
  return new TransportError((code && mapped[code]) || 'ERR_TRANSPORT_IO', message, { cause: err });
}
