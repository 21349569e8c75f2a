/**
 * One BGP neighbor as a router daemon or a MetalLB speaker runs it: the BGP session (a Peer
 * of a Speaker), optionally a BFD session beside it with the RFC 5882 / RFC 9384 coupling of
 * bfd-coupling.ts, and per-neighbor counters. The node speaker, the builtin router, the
 * `speakersim speaker` command and the tests all build their neighbors here, so a change to
 * what a neighbor does or counts is made once.
 *
 * Event order (what a status history such as BGPSessionState's is built from):
 * - A BFD state change is handled in three steps, always in this order:
 *   1. the counters (`bfdUpTransitions`, `bfdDownTransitions`);
 *   2. the `bfdTransition` listeners, which see the new BFD state with BGP still as it was;
 *   3. the coupling: a lost session (Down, not signalled AdminDown) calls BgpSession.bfdDown
 *      (Cease/10, RFC 9384 4), Up calls bfdUp; the BGP transitions this causes reach the
 *      `bgpTransition` listeners synchronously, after step 2.
 *   So a BFD failure is seen as (Established, Down) and then (Idle, Down); a recovery as
 *   (Idle, Up) and then BGP's next states. The order no longer depends on who subscribed first.
 * - `bgpTransition`, `message`, `established`, `problem` come from the BGP session, each after
 *   the neighbor's counters for it are updated.
 */
import type { BfdSessionConfig } from '../bfd/config.js';
import type { BfdStateChangeEvent } from '../bfd/events.js';
import type { BfdSession } from '../bfd/session.js';
import type { BfdSessionTable } from '../bfd/session-table.js';
import { BfdState } from '../bfd/wire/constants.js';
import type { Clock } from '../core/clock.js';
import { bfdCoupling } from './bfd-coupling.js';
import type { Peer, PeerConfig, Speaker } from './speaker.js';
import type { BgpSession, SessionMessageEvent, SessionTransitionEvent } from './session.js';
import type { NegotiatedParameters } from './fsm/index.js';

export interface NeighborInit {
  peer: PeerConfig;
  /** A BFD session beside the BGP session (RFC 5882), started by start() or startBfd(). */
  bfd?: BfdSessionConfig;
}

export interface NeighborComponents {
  clock: Clock;
  speaker: Speaker;
  /** Where the BFD session lives; needed when `bfd` is configured. */
  bfdTable?: BfdSessionTable;
}

export interface NeighborListeners {
  bgpTransition?: (e: SessionTransitionEvent) => void;
  bfdTransition?: (e: BfdStateChangeEvent) => void;
  message?: (e: SessionMessageEvent) => void;
  established?: (negotiated: NegotiatedParameters) => void;
  /** Something that did not stop the neighbor but should be shown (never thrown). */
  problem?: (error: unknown) => void;
}

/** FRR's `show bgp neighbors json` messageStats, by the same names. */
export interface NeighborMessageCounters {
  opensSent: number;
  opensRecv: number;
  updatesSent: number;
  updatesRecv: number;
  keepalivesSent: number;
  keepalivesRecv: number;
  notificationsSent: number;
  notificationsRecv: number;
}

export interface NeighborCounters {
  messages: NeighborMessageCounters;
  lastNotification?: { direction: 'sent' | 'received'; code: number; subcode: number };
  /** Clock ms of the last change to Established, while Established. */
  establishedAt?: number;
  establishedTransitions: number;
  bfdUpTransitions: number;
  /** BFD left Up (for any reason, including the peer's AdminDown). */
  bfdDownTransitions: number;
  /** BGP sessions torn down because BFD lost the peer (Cease/10). */
  bfdTeardowns: number;
}

const MESSAGE_COUNTER: Partial<
  Record<
    SessionMessageEvent['type'],
    [keyof NeighborMessageCounters, keyof NeighborMessageCounters]
  >
> = {
  OPEN: ['opensSent', 'opensRecv'],
  UPDATE: ['updatesSent', 'updatesRecv'],
  KEEPALIVE: ['keepalivesSent', 'keepalivesRecv'],
  NOTIFICATION: ['notificationsSent', 'notificationsRecv'],
};

function emptyCounters(): NeighborCounters {
  return {
    messages: {
      opensSent: 0,
      opensRecv: 0,
      updatesSent: 0,
      updatesRecv: 0,
      keepalivesSent: 0,
      keepalivesRecv: 0,
      notificationsSent: 0,
      notificationsRecv: 0,
    },
    establishedTransitions: 0,
    bfdUpTransitions: 0,
    bfdDownTransitions: 0,
    bfdTeardowns: 0,
  };
}

export class Neighbor {
  readonly peer: Peer;
  readonly counters: NeighborCounters = emptyCounters();
  private readonly listeners: NeighborListeners[] = [];
  private bfdSession: BfdSession | undefined;
  private offBfd: (() => void) | undefined;
  private bfdStarting: Promise<BfdSession | undefined> | undefined;

  constructor(
    readonly init: NeighborInit,
    private readonly components: NeighborComponents,
  ) {
    this.peer = components.speaker.addPeer(init.peer);
    this.peer.on({
      transition: (e) => {
        if (e.to !== 'Established') this.counters.establishedAt = undefined;
        this.emit('bgpTransition', e);
      },
      established: (n) => {
        this.counters.establishedTransitions++;
        this.counters.establishedAt = this.components.clock.now();
        this.emit('established', n);
      },
      message: (m) => {
        const pair = MESSAGE_COUNTER[m.type];
        if (pair) this.counters.messages[pair[m.direction === 'sent' ? 0 : 1]]++;
        if (m.type === 'NOTIFICATION' && m.message.type === 'NOTIFICATION') {
          this.counters.lastNotification = {
            direction: m.direction,
            code: m.message.code,
            subcode: m.message.subcode,
          };
        }
        this.emit('message', m);
      },
      problem: (p) => this.emit('problem', p.error),
    });
  }

  get id(): string {
    return this.peer.id;
  }

  get session(): BgpSession {
    return this.peer.session;
  }

  /** The BFD session while one is attached. */
  get bfd(): BfdSession | undefined {
    return this.bfdSession;
  }

  /** True when the neighbor is configured with BFD (whether or not a session runs now). */
  get bfdConfigured(): boolean {
    return this.init.bfd !== undefined;
  }

  on(listeners: NeighborListeners): () => void {
    this.listeners.push(listeners);
    return () => {
      const i = this.listeners.indexOf(listeners);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  /**
   * Starts BFD (when configured) and then the BGP session. A BFD session that cannot start is
   * reported through `problem` and BGP runs without it, as FRR's bgpd does when bfdd refuses.
   */
  async start(): Promise<void> {
    await this.startBfd();
    this.peer.session.start();
  }

  /**
   * Attaches the configured BFD session: the one the table already runs for the same key
   * (a bfdd that outlived a bgpd restart) or a new one. Returns it, or undefined on failure.
   */
  async startBfd(): Promise<BfdSession | undefined> {
    const config = this.init.bfd;
    if (!config || this.bfdSession) return this.bfdSession;
    if (this.bfdStarting) return this.bfdStarting;
    const table = this.components.bfdTable;
    const run = async (): Promise<BfdSession | undefined> => {
      try {
        if (!table) throw new Error(`neighbor ${this.id}: BFD configured but no BFD table`);
        const session = table.find(config) ?? (await table.addSession(config));
        this.attach(session);
        return session;
      } catch (error) {
        this.emit('problem', error);
        return undefined;
      }
    };
    this.bfdStarting = run().finally(() => {
      this.bfdStarting = undefined;
    });
    return this.bfdStarting;
  }

  /** Stops using the BFD session and removes it from the table (bfdd forgets the peer). */
  async stopBfd(): Promise<void> {
    const s = this.bfdSession;
    this.detachBfd();
    if (s) await this.components.bfdTable?.removeSession(s);
  }

  /** Uncouples BGP from BFD but leaves the BFD session running (bgpd gone, bfdd still up). */
  detachBfd(): void {
    this.offBfd?.();
    this.offBfd = undefined;
    this.bfdSession = undefined;
  }

  /** RFC 4271 ManualStop: Cease/2 when up (with an RFC 8203 message); restart with start(). */
  stop(shutdownCommunication?: string): void {
    this.peer.session.stop(shutdownCommunication);
  }

  /** The daemon dies: BGP resets with no NOTIFICATION; the BFD session is left to its owner. */
  abort(): void {
    this.detachBfd();
    this.peer.session.abort();
  }

  /** Stops the session (Cease/2), forgets the peer and removes its BFD session. */
  async close(shutdownCommunication?: string): Promise<void> {
    this.components.speaker.removePeer(this.id, shutdownCommunication);
    await this.stopBfd();
  }

  private attach(session: BfdSession): void {
    this.bfdSession = session;
    // One subscription, the three steps in the order the header states.
    this.offBfd = session.on('stateChange', (e) => {
      if (e.to === BfdState.Up) this.counters.bfdUpTransitions++;
      else if (e.from === BfdState.Up) this.counters.bfdDownTransitions++;
      this.emit('bfdTransition', e);
      const action = bfdCoupling(e, session.fsmState.remoteSessionState);
      if (action === 'bfdDown') {
        if (this.peer.session.established) this.counters.bfdTeardowns++;
        this.peer.session.bfdDown();
      } else if (action === 'bfdUp') this.peer.session.bfdUp();
    });
  }

  private emit<K extends keyof NeighborListeners>(
    event: K,
    ...args: Parameters<NonNullable<NeighborListeners[K]>>
  ): void {
    for (const l of [...this.listeners]) {
      const f = l[event] as ((...a: typeof args) => void) | undefined;
      if (!f) continue;
      try {
        f(...args);
      } catch (error) {
        // A listener's bug must not stop the others or the protocol underneath.
        if (event !== 'problem') this.emit('problem', error);
      }
    }
  }
}
