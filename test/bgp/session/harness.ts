import { ManualClock } from '../../../src/core/clock.js';
import { SeededRandom } from '../../../src/core/random.js';
import { MemoryNetwork } from '../../../src/bgp/io/memory.js';
import {
  BgpSession,
  type BgpSessionInit,
  type SessionTransitionEvent,
} from '../../../src/bgp/session.js';
import type { Listener } from '../../../src/bgp/io/transport.js';
import type { BgpMessage } from '../../../src/bgp/wire/types.js';

/** Lets queued microtasks (in-memory deliveries, promise callbacks) run to completion. */
export async function settle(turns = 50): Promise<void> {
  for (let i = 0; i < turns; i++) await Promise.resolve();
}

/** Two sessions on an in-memory network under virtual time: a node and a passive router. */
export class SessionPair {
  readonly clock = new ManualClock(Date.UTC(2026, 3, 21, 9, 0, 0));
  readonly network = new MemoryNetwork(this.clock);
  readonly node: BgpSession;
  readonly router: BgpSession;
  readonly log: { who: string; e: SessionTransitionEvent }[] = [];
  readonly messages: { who: string; direction: string; message: BgpMessage }[] = [];
  private listener?: Listener;

  constructor(
    nodeFsm: Partial<BgpSessionInit['fsm']> = {},
    routerFsm: Partial<BgpSessionInit['fsm']> = {},
  ) {
    const transport = this.network.transport();
    this.node = new BgpSession(
      {
        name: 'node',
        peerAddress: '198.18.0.1',
        localAddress: '198.18.0.10',
        fsm: {
          localAsn: 64501,
          bgpId: '198.18.0.10',
          peerAsn: 64500,
          holdTimeSeconds: 9,
          connectRetryTimeSeconds: 5,
          ...nodeFsm,
        },
      },
      { clock: this.clock, random: new SeededRandom(1), transport },
    );
    this.router = new BgpSession(
      {
        name: 'router',
        peerAddress: '198.18.0.10',
        fsm: {
          localAsn: 64500,
          bgpId: '198.18.0.1',
          peerAsn: 64501,
          holdTimeSeconds: 9,
          passive: true,
          ...routerFsm,
        },
      },
      { clock: this.clock, random: new SeededRandom(2), transport },
    );
    for (const [who, s] of [
      ['node', this.node],
      ['router', this.router],
    ] as const) {
      s.on({
        transition: (e) => this.log.push({ who, e }),
        message: (m) => this.messages.push({ who, direction: m.direction, message: m.message }),
      });
    }
  }

  async start(): Promise<void> {
    this.listener = await this.network
      .transport()
      .listen({ host: '198.18.0.1', port: 179 }, (c) => this.router.acceptConnection(c));
    this.router.start();
    this.node.start();
    await settle();
  }

  /** Advances virtual time in steps, letting deliveries run between them. */
  async advance(ms: number, stepMs = 100): Promise<void> {
    for (let t = 0; t < ms; t += stepMs) {
      this.clock.advance(Math.min(stepMs, ms - t));
      await settle();
    }
  }

  states(who: 'node' | 'router'): string[] {
    return this.log.filter((l) => l.who === who).map((l) => l.e.to);
  }
}
