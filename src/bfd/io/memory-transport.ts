import type { Clock } from '../../core/clock.js';
import { systemRandom, type Random } from '../../core/random.js';
import { BfdTransportError } from '../errors.js';
import { BFD_SINGLE_HOP_PORT, BFD_TTL, bfdPortFor } from '../wire/constants.js';
import {
  DEFAULT_SOURCE_PORT_RANGE,
  sourcePortCandidates,
  validateSourcePortRange,
} from './source-port.js';
import type {
  BfdDatagram,
  BfdDatagramHandler,
  BfdEndpointAddress,
  BfdTransport,
  BfdTransportFactory,
  BfdTxChannel,
  SourcePortRange,
} from './transport.js';

/** Decides per datagram whether the in-memory network drops it (fault injection). */
export type DatagramFilter = (datagram: BfdDatagram) => boolean;

export interface InMemoryBfdNetworkInit {
  clock: Clock;
  /** One-way delay in clock ms; 0 still delivers asynchronously (on the next clock turn). */
  latencyMs?: number;
  random?: Random;
}

export interface InMemoryTransportInit {
  localAddress: string;
  /** 0 picks a free port, as a kernel would. */
  listenPort?: number;
  sourcePortRange?: SourcePortRange;
}

const key = (a: BfdEndpointAddress): string => `[${a.address}]:${a.port}`;

/**
 * The in-memory twin of the UDP transport: same contract, delivery through the injected clock
 * (so a ManualClock makes whole BFD conversations deterministic), drop filters for faults, and
 * a TTL of 255 on every datagram (what the UDP path would carry but cannot report).
 */
export class InMemoryBfdNetwork {
  private readonly bound = new Map<string, (d: BfdDatagram) => void>();
  private readonly clock: Clock;
  private readonly latencyMs: number;
  private readonly random: Random;
  private filter: DatagramFilter | undefined;
  /** Datagrams dropped by the filter, and sent to an address nobody listens on. */
  dropped = 0;
  undeliverable = 0;
  delivered = 0;

  constructor(init: InMemoryBfdNetworkInit) {
    this.clock = init.clock;
    this.latencyMs = init.latencyMs ?? 0;
    this.random = init.random ?? systemRandom;
  }

  /** Sets (or clears) the drop filter: return true to drop a datagram. */
  setFilter(filter: DatagramFilter | undefined): void {
    this.filter = filter;
  }

  /** A BfdTransportFactory on this network: port 3784 single hop, 4784 multihop. */
  readonly transportFactory: BfdTransportFactory = (localAddress, { multihop }) =>
    this.createTransport({ localAddress, listenPort: bfdPortFor(multihop) });

  async createTransport(init: InMemoryTransportInit): Promise<BfdTransport> {
    const range = init.sourcePortRange ?? DEFAULT_SOURCE_PORT_RANGE;
    validateSourcePortRange(range);
    let port = init.listenPort ?? BFD_SINGLE_HOP_PORT;
    if (port === 0) port = this.freePort(init.localAddress, { min: 1024, max: 49151 });
    const local = { address: init.localAddress, port };
    if (this.bound.has(key(local))) {
      throw new BfdTransportError('ERR_BFD_PORT_IN_USE', key(local));
    }
    const transport = new InMemoryTransport(this, local, range);
    this.bound.set(key(local), (d) => transport.deliver(d));
    return transport;
  }

  /** @internal */
  freePort(address: string, range: SourcePortRange): number {
    for (const port of sourcePortCandidates(range, this.random)) {
      if (!this.bound.has(key({ address, port }))) return port;
    }
    throw new BfdTransportError('ERR_BFD_NO_SOURCE_PORT', `no free port on ${address}`);
  }

  /** @internal */
  claim(local: BfdEndpointAddress, receiver: (d: BfdDatagram) => void): void {
    this.bound.set(key(local), receiver);
  }

  /** @internal */
  release(local: BfdEndpointAddress): void {
    this.bound.delete(key(local));
  }

  /** @internal */
  send(datagram: BfdDatagram): void {
    if (this.filter?.(datagram)) {
      this.dropped++;
      return;
    }
    this.clock.setTimer(this.latencyMs, () => {
      const receiver = this.bound.get(key(datagram.to));
      if (!receiver) {
        this.undeliverable++;
        return;
      }
      this.delivered++;
      receiver(datagram);
    });
  }
}

class InMemoryTxChannel implements BfdTxChannel {
  readonly sendErrors = 0;
  private closed = false;

  constructor(
    private readonly network: InMemoryBfdNetwork,
    readonly local: BfdEndpointAddress,
    private readonly connectedTo: BfdEndpointAddress | undefined,
    private readonly onClose: (ch: InMemoryTxChannel) => void,
  ) {}

  send(payload: Buffer, to: BfdEndpointAddress): void {
    if (this.closed) throw new BfdTransportError('ERR_BFD_TRANSPORT_CLOSED', 'channel is closed');
    if (
      this.connectedTo &&
      (this.connectedTo.address !== to.address || this.connectedTo.port !== to.port)
    ) {
      throw new BfdTransportError('ERR_BFD_SEND_FAILED', 'channel is connected to another peer');
    }
    // Copy: the sender may reuse its buffer, a real network would not see that.
    this.network.send({ payload: Buffer.from(payload), from: this.local, to, ttl: BFD_TTL });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.network.release(this.local);
    this.onClose(this);
  }
}

class InMemoryTransport implements BfdTransport {
  private handler: BfdDatagramHandler | undefined;
  private readonly channels = new Set<InMemoryTxChannel>();
  private closed = false;

  constructor(
    private readonly network: InMemoryBfdNetwork,
    readonly local: BfdEndpointAddress,
    private readonly range: SourcePortRange,
  ) {}

  /** @internal */
  deliver(datagram: BfdDatagram): void {
    if (!this.closed) this.handler?.(datagram);
  }

  onDatagram(handler: BfdDatagramHandler): void {
    this.handler = handler;
  }

  settleReceive(fn: () => void): void {
    // Arrival is a clock timer that hands the datagram up at once: nothing is ever waiting.
    fn();
  }

  async openTxChannel(peer?: BfdEndpointAddress): Promise<BfdTxChannel> {
    if (this.closed) throw new BfdTransportError('ERR_BFD_TRANSPORT_CLOSED', 'transport is closed');
    const port = this.network.freePort(this.local.address, this.range);
    const local = { address: this.local.address, port };
    // A channel's port is taken (datagrams to it vanish, as to a UDP socket nobody reads).
    this.network.claim(local, () => undefined);
    const channel = new InMemoryTxChannel(
      this.network,
      local,
      peer ? { ...peer } : undefined,
      (ch) => this.channels.delete(ch),
    );
    this.channels.add(channel);
    return channel;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.channels].map((ch) => ch.close()));
    this.network.release(this.local);
  }
}
