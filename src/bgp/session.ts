/**
 * BGP session runtime: drives the pure RFC 4271 FSM (./fsm) over a transport (./io) with an
 * injected clock, turning bytes into events and actions into bytes, timers and connections.
 *
 *   transport bytes -> BgpFramer -> decodeMessage -> FsmEvent -> step() -> actions -> here
 *   clock timers ---------------------------------> *_Expires ----^
 *
 * One FSM runs per TCP connection (RFC 4271 8: "one FSM per configured peer plus one per
 * incoming connection"); when an outgoing and an incoming connection to the same peer both
 * reach OPEN, RFC 4271 6.8 collision resolution keeps one (resolveCollision) and dumps the
 * other with Cease/7. The surviving connection is the session.
 */
import type { Clock, Timer } from '../core/clock.js';
import { SpeakersimError } from '../core/errors.js';
import type { Random } from '../core/random.js';
import {
  codecContextOf,
  initialState,
  type BfdGate,
  resolveCollision,
  step,
  type FsmAction,
  type FsmConfig,
  type FsmEvent,
  type FsmState,
  type NegotiatedParameters,
  type SessionStateName,
  type StateChange,
  type TimerName,
  type TransitionReason,
} from './fsm/index.js';
import type { Connection, Transport, TransportError } from './io/transport.js';
import {
  BgpFramer,
  DEFAULT_CONTEXT,
  decodeMessage,
  encodeMessage,
  notificationFor,
  openAsn,
  type BgpMessage,
  type CodecContext,
  type FamilyNlri,
  type NotificationMessage,
  type RouteRefreshMessage,
  type UpdateMessage,
} from './wire/index.js';

export class BgpSessionError extends SpeakersimError {}

export interface BgpSessionInit {
  /** Name for logs and reports, e.g. "worker0/198.18.0.1". */
  name?: string;
  peerAddress: string;
  /** Any port; RFC 4271 8.2.1.2 says 179, tests and builtin peers use others. */
  peerPort?: number;
  /** Source address of outgoing connections: the simulated node's address. */
  localAddress?: string;
  /** FSM settings (RFC 4271 8.1.1 attributes, timers, capabilities); jitter comes from components. */
  fsm: Omit<FsmConfig, 'random'>;
  /** Give up on a TCP connect after this long; default 30 s. ConnectRetryTimer also bounds it. */
  connectTimeoutMs?: number;
}

export interface BgpSessionComponents {
  clock: Clock;
  random: Random;
  transport: Transport;
}

export type MessageDirection = 'sent' | 'received';

export interface SessionMessageEvent {
  direction: MessageDirection;
  /** The message type, from the header: cheap, read it before `message`. */
  type: BgpMessage['type'];
  /** The decoded message; for UPDATEs we send it is decoded on first access only. */
  message: BgpMessage;
  /** The bytes on the wire, header included. */
  bytes: Buffer;
  at: number;
}

export interface SessionTransitionEvent extends StateChange {
  at: number;
}

export interface ReceivedUpdateEvent {
  update: UpdateMessage;
  /** RFC 7606: the routes this UPDATE announces are to be treated as withdrawn. */
  treatAsWithdraw: boolean;
  /** Those routes, per family (the decoder's verdict, carried by the FSM's DeliverUpdate). */
  withdrawnByError: FamilyNlri[];
}

export interface BgpSessionListeners {
  transition?: (e: SessionTransitionEvent) => void;
  message?: (e: SessionMessageEvent) => void;
  established?: (negotiated: NegotiatedParameters) => void;
  down?: (reason: TransitionReason) => void;
  update?: (e: ReceivedUpdateEvent) => void;
  routeRefresh?: (m: RouteRefreshMessage) => void;
  /** A malformed message or a protocol problem worth showing (never thrown). */
  problem?: (e: { error: SpeakersimError; at: number }) => void;
}

/** One FSM with its connection: RFC 4271 8's per-connection state. */
interface Attempt {
  fsm: FsmState;
  origin: 'local' | 'remote';
  connection?: Connection;
  /** Outgoing connect in flight. */
  connecting: boolean;
  framer: BgpFramer;
  ctx: CodecContext;
  /** Armed timers by name (a plain record: a Map per attempt cost ~1 KiB per session). */
  timers: Partial<Record<TimerName, Timer>>;
  /** Writes waiting for `drain`. */
  backlog: Buffer[];
  drainWaiters: (() => void)[];
  closed: boolean;
}

const STATE_RANK: Record<SessionStateName, number> = {
  Idle: 0,
  Connect: 1,
  Active: 1,
  OpenSent: 2,
  OpenConfirm: 3,
  Established: 4,
};

/** Our own encoded UPDATE back to its model, for logs and captures. */
function decodeForLog(bytes: Buffer, ctx: CodecContext): BgpMessage {
  const r = decodeMessage(bytes, ctx);
  return r.ok ? r.message : { type: 'UPDATE', withdrawn: [], attributes: {}, nlri: [] };
}

export class BgpSession {
  readonly name: string;
  private readonly listeners: BgpSessionListeners[] = [];
  /** The primary attempt: the configured peer's FSM. */
  private main: Attempt;
  /** Incoming connections being evaluated beside `main` (RFC 4271 6.8). */
  private extra: Attempt[] = [];
  private readonly fsmConfig: FsmConfig;
  private stopped = true;

  constructor(
    readonly init: BgpSessionInit,
    private readonly components: BgpSessionComponents,
  ) {
    this.name = init.name ?? `${init.localAddress ?? '*'}->${init.peerAddress}`;
    this.fsmConfig = { ...init.fsm, random: components.random };
    this.main = this.newAttempt('local');
  }

  on(listeners: BgpSessionListeners): () => void {
    this.listeners.push(listeners);
    return () => {
      const i = this.listeners.indexOf(listeners);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  get state(): SessionStateName {
    return this.best().fsm.name;
  }

  get fsm(): FsmState {
    return this.best().fsm;
  }

  get negotiated(): NegotiatedParameters | undefined {
    return this.main.fsm.name === 'Established' ? this.main.fsm.negotiated : undefined;
  }

  get established(): boolean {
    return this.main.fsm.name === 'Established';
  }

  get peerAddress(): string {
    return this.init.peerAddress;
  }

  /**
   * Starts the session with automatic restarts (RFC 4271 8.1.2 AutomaticStart), so that after
   * any fault the FSM tries again by itself, as a speaker daemon does.
   */
  start(): void {
    this.stopped = false;
    const passive = this.init.fsm.passive ?? false;
    this.feed(this.main, {
      type: passive ? 'AutomaticStart_with_PassiveTcpEstablishment' : 'AutomaticStart',
    });
  }

  /** ManualStop (RFC 4271 8.1.2 event 2): Cease/2 Administrative Shutdown when a session is up. */
  stop(shutdownCommunication?: string): void {
    this.stopped = true;
    for (const a of [...this.extra]) this.feed(a, { type: 'ManualStop', shutdownCommunication });
    this.feed(this.main, { type: 'ManualStop', shutdownCommunication });
  }

  /**
   * The process dies (a router daemon killed): connections reset with no NOTIFICATION, timers
   * gone, nothing restarts until `start()` is called again.
   */
  abort(): void {
    this.stopped = true;
    for (const a of [this.main, ...this.extra]) {
      this.clearTimers(a);
      a.connecting = false;
      const c = a.connection;
      a.connection = undefined;
      c?.destroy();
    }
    this.extra = [];
    const before = this.main.fsm;
    this.main = this.newAttempt('local');
    if (before.name !== 'Idle') {
      if (before.name === 'Established') this.emit('down', 'tcp-failed');
      this.emitTransition({ from: before.name, to: 'Idle', reason: 'tcp-failed' });
    }
  }

  /** The BFD session beside this peer went Down (RFC 9384): Cease/10 and hold starts. */
  bfdDown(): void {
    for (const a of [...this.extra]) this.feed(a, { type: 'BfdDown' });
    this.feed(this.main, { type: 'BfdDown' });
  }

  bfdUp(): void {
    // Every attempt learns it: an incoming one may yet win a collision and become the session.
    for (const a of [...this.extra]) this.feed(a, { type: 'BfdUp' });
    this.feed(this.main, { type: 'BfdUp' });
  }

  /**
   * Hands an accepted TCP connection from this peer to the session (RFC 4271 8.2.1.3: the
   * speaker accepts and then decides). Refused while stopped, or in Idle.
   */
  acceptConnection(connection: Connection): void {
    if (this.stopped) {
      connection.destroy();
      return;
    }
    const target = this.main.connection || this.main.connecting ? undefined : this.main;
    if (target) {
      this.bind(target, connection, 'remote', { type: 'TcpConnectionConfirmed' });
      return;
    }
    // A second connection while ours is in progress or Established: run it beside and
    // resolve on its OPEN (6.8). Resetting it at once instead raced the peer: FRR 8.4 moving
    // an incoming session to Established while its own outgoing connection got our RST tore
    // the Established one down too (seen at 1,000 sessions, a few per bring-up).
    // The BFD gate is the peer's (RFC 9384: BFD watches the path to the peer, not one TCP
    // connection): the incoming attempt starts with what main knows, so that when it wins the
    // collision (6.8: the peer has the higher BGP Identifier) a later BFD Down still tears the
    // session down and holds restarts until BFD is Up. Starting it at 'unknown' ignored BFD
    // Down after such a swap (seen on netns against FRR: Established with BFD Down until the
    // peer sent Cease/10, then Idle with BFD Up and no restart).
    const a = this.newAttempt('remote', this.main.fsm.bfd);
    this.extra.push(a);
    this.feed(a, { type: 'ManualStart_with_PassiveTcpEstablishment' });
    this.bind(a, connection, 'remote', { type: 'TcpConnectionConfirmed' });
  }

  /**
   * Writes encoded UPDATEs in Established. Returns false when output is backed up; call
   * `drained()` before writing more. Every UPDATE restarts the KeepaliveTimer (RFC 4271 8.2.2).
   */
  sendUpdates(messages: Buffer[]): boolean {
    const a = this.main;
    if (a.fsm.name !== 'Established' || !a.connection) return false;
    let ok = true;
    for (let i = 0; i < messages.length; i++) {
      ok = this.write(a, messages[i]!);
      if (this.wants('message')) {
        const bytes = messages[i]!;
        const ctx = a.ctx;
        let message: BgpMessage | undefined;
        // Listeners that only count messages never pay for decoding what we just encoded.
        this.emit('message', {
          direction: 'sent',
          type: 'UPDATE',
          bytes,
          at: this.components.clock.now(),
          get message(): BgpMessage {
            message ??= decodeForLog(bytes, ctx);
            return message;
          },
        });
      }
    }
    if (messages.length > 0) this.feed(a, { type: 'UpdateSent' });
    return ok;
  }

  /** Resolves when buffered output has drained (at once when nothing is queued). */
  drained(): Promise<void> {
    const a = this.main;
    if (a.backlog.length === 0 && (!a.connection || a.connection.bufferedAmount() === 0)) {
      return Promise.resolve();
    }
    return new Promise((resolve) => a.drainWaiters.push(resolve));
  }

  /** Asks the peer to resend its routes (RFC 2918), when negotiated. */
  sendRouteRefresh(afi: number, safi: number, subtype = 0): boolean {
    const a = this.main;
    if (a.fsm.name !== 'Established' || !a.fsm.negotiated?.routeRefresh) return false;
    this.sendMessage(a, { type: 'ROUTE-REFRESH', afi, safi, subtype });
    return true;
  }

  /** Reports a problem found by the layer above (e.g. a route that cannot be encoded). */
  report(error: SpeakersimError): void {
    this.emit('problem', { error, at: this.components.clock.now() });
  }

  /** The codec context of the established session (4-octet AS, extended messages...). */
  get codecContext(): CodecContext {
    return this.main.ctx;
  }

  // -------------------------------------------------------------------------------------------

  private newAttempt(origin: 'local' | 'remote', bfd?: BfdGate): Attempt {
    const fsm = initialState(this.fsmConfig);
    return {
      fsm: bfd === undefined ? fsm : { ...fsm, bfd },
      origin,
      connecting: false,
      framer: new BgpFramer(),
      ctx: DEFAULT_CONTEXT,
      timers: {},
      backlog: [],
      drainWaiters: [],
      closed: false,
    };
  }

  /** The attempt that shows the session's progress: main, unless an extra one is further on. */
  private best(): Attempt {
    let best = this.main;
    for (const a of this.extra) if (STATE_RANK[a.fsm.name] > STATE_RANK[best.fsm.name]) best = a;
    return best;
  }

  private feed(a: Attempt, event: FsmEvent): void {
    const before = this.best().fsm.name;
    const result = step(a.fsm, event);
    a.fsm = result.state;
    if (result.transition && a === this.main) this.emitTransition(result.transition);
    else if (result.transition && a !== this.main) {
      const after = this.best().fsm.name;
      if (after !== before) this.emitTransition({ ...result.transition, from: before, to: after });
    }
    for (const action of result.actions) this.execute(a, action);
    if (a !== this.main && a.fsm.name === 'Idle') this.retire(a);
  }

  private execute(a: Attempt, action: FsmAction): void {
    switch (action.type) {
      case 'StartTimer': {
        const name = action.timer;
        a.timers[name]?.cancel();
        a.timers[name] = this.components.clock.setTimer(action.ms, () => {
          a.timers[name] = undefined;
          this.feed(a, { type: `${name}_Expires` } as FsmEvent);
        });
        break;
      }
      case 'StopTimer':
        a.timers[action.timer]?.cancel();
        a.timers[action.timer] = undefined;
        break;
      case 'ConnectTcp':
        this.connect(a);
        break;
      case 'DropTcp':
        this.drop(a);
        break;
      case 'SendOpen':
        this.sendMessage(a, action.open);
        break;
      case 'SendKeepalive':
        this.sendMessage(a, { type: 'KEEPALIVE' });
        break;
      case 'SendNotification':
        this.sendMessage(a, {
          type: 'NOTIFICATION',
          code: action.code,
          subcode: action.subcode,
          data: action.data,
        });
        break;
      case 'ReleaseResources':
        a.framer = new BgpFramer();
        a.ctx = DEFAULT_CONTEXT;
        a.backlog = [];
        break;
      case 'DeliverUpdate':
        this.emit('update', {
          update: action.update,
          treatAsWithdraw: action.withdrawnByError.length > 0,
          withdrawnByError: action.withdrawnByError,
        });
        break;
      case 'SessionUp':
        a.ctx = codecContextOf(action.negotiated);
        a.framer.setContext(a.ctx);
        this.promote(a);
        this.emit('established', action.negotiated);
        break;
      case 'SessionDown':
        this.emit('down', action.reason);
        break;
    }
  }

  /** RFC 4271 6.8: the surviving connection becomes the session. */
  private promote(a: Attempt): void {
    if (a === this.main) return;
    const old = this.makeMain(a);
    if (old.fsm.name !== 'Idle') this.feed(old, { type: 'OpenCollisionDump' });
    this.clearTimers(old);
  }

  /**
   * Makes an incoming connection's attempt the session (RFC 4271 6.8: it survived a collision)
   * and returns the former main. The attempt was started passive and without automatic restart,
   * as every incoming one is; as the configured peer's FSM now it takes that FSM's start mode, so
   * that its next way down restarts the session as configured (or parks the restart until BFD is
   * Up). Without this, a session the peer won the collision for stayed Idle after any drop.
   */
  private makeMain(a: Attempt): Attempt {
    const old = this.main;
    this.extra = this.extra.filter((x) => x !== a);
    a.fsm = {
      ...a.fsm,
      allowAutomaticStart: old.fsm.allowAutomaticStart,
      passive: old.fsm.passive,
    };
    this.main = a;
    return old;
  }

  private retire(a: Attempt): void {
    this.clearTimers(a);
    this.extra = this.extra.filter((x) => x !== a);
  }

  private clearTimers(a: Attempt): void {
    for (const t of Object.values(a.timers)) t?.cancel();
    a.timers = {};
  }

  private connect(a: Attempt): void {
    if (a.connection || a.connecting) return;
    a.connecting = true;
    this.components.transport
      .connect({
        host: this.init.peerAddress,
        port: this.init.peerPort ?? 179,
        localAddress: this.init.localAddress,
        timeoutMs: this.init.connectTimeoutMs ?? 30_000,
      })
      .then(
        (connection) => {
          const stillWanted = a.connecting && (a === this.main || this.extra.includes(a));
          a.connecting = false;
          if (!stillWanted || a.connection) {
            connection.destroy();
            return;
          }
          // A connection accepted from the peer meanwhile already serves this FSM.
          this.bind(a, connection, 'local', { type: 'Tcp_CR_Acked' });
        },
        (err: TransportError) => {
          if (!a.connecting) return;
          a.connecting = false;
          this.emit('problem', { error: err, at: this.components.clock.now() });
          this.feed(a, { type: 'TcpConnectionFails' });
        },
      );
  }

  /**
   * Gives `a` its connection and feeds the event that says so before any byte from the peer
   * is read: the FSM must be in OpenSent/Active-with-connection when the peer's OPEN arrives.
   */
  private bind(
    a: Attempt,
    connection: Connection,
    origin: 'local' | 'remote',
    event: FsmEvent,
  ): void {
    a.connection = connection;
    a.origin = origin;
    a.closed = false;
    a.framer = new BgpFramer(a.ctx);
    this.feed(a, event);
    if (a.connection !== connection) return; // the FSM refused it (e.g. Idle)
    connection.attach({
      data: (chunk) => {
        if (a.connection === connection) this.receive(a, chunk);
      },
      drain: () => {
        if (a.connection === connection) this.flushBacklog(a);
      },
      close: (err) => {
        if (a.connection !== connection) return;
        a.connection = undefined;
        a.closed = true;
        this.wakeDrainWaiters(a);
        if (err) this.emit('problem', { error: err, at: this.components.clock.now() });
        this.feed(a, { type: 'TcpConnectionFails' });
      },
    });
  }

  private drop(a: Attempt): void {
    a.connecting = false;
    const c = a.connection;
    if (!c) return;
    a.connection = undefined;
    // end() flushes what is queued, so a NOTIFICATION written just before still goes out.
    c.end();
    this.wakeDrainWaiters(a);
  }

  private receive(a: Attempt, chunk: Buffer): void {
    const out = a.framer.push(chunk);
    for (const bytes of out.messages) {
      if (a.connection === undefined) return;
      this.handleMessage(a, bytes);
    }
    if (out.error && a.connection) {
      this.emit('problem', { error: out.error, at: this.components.clock.now() });
      this.feed(a, { type: 'BGPHeaderErr', notification: notificationFor(out.error) });
    }
  }

  private handleMessage(a: Attempt, bytes: Buffer): void {
    const result = decodeMessage(bytes, a.ctx, { framed: true });
    const now = this.components.clock.now();
    if (!result.ok) {
      const error = result.error;
      this.emit('problem', { error, at: now });
      if (!error.sendNotification) {
        // RFC 4271 6.4: a bad NOTIFICATION is not answered; the connection is going anyway.
        this.drop(a);
        this.feed(a, { type: 'TcpConnectionFails' });
        return;
      }
      const notification = notificationFor(error);
      const n = { code: notification.code, subcode: notification.subcode, data: notification.data };
      switch (notification.code) {
        case 1:
          this.feed(a, { type: 'BGPHeaderErr', notification: n });
          break;
        case 2:
          this.feed(a, { type: 'BGPOpenMsgErr', notification: n });
          break;
        default:
          // UPDATE errors (3) and ROUTE-REFRESH errors (7, RFC 7313 5) reset the session.
          this.feed(a, { type: 'UpdateMsgErr', notification: n });
      }
      return;
    }
    const message = result.message;
    this.emitMessage('received', message, bytes);
    for (const error of result.errors) this.emit('problem', { error, at: now });
    switch (message.type) {
      case 'OPEN':
        this.collide(a, message.bgpId, openAsn(message));
        if (a.fsm.name === 'Idle' && a !== this.main) return;
        this.feed(a, { type: 'BGPOpen', open: message });
        break;
      case 'KEEPALIVE':
        this.feed(a, { type: 'KeepAliveMsg' });
        break;
      case 'UPDATE':
        this.feed(a, {
          type: 'UpdateMsg',
          update: message,
          withdrawnByError: result.withdrawnByError,
        });
        break;
      case 'NOTIFICATION':
        this.feed(a, { type: 'NotifMsg', notification: message as NotificationMessage });
        break;
      case 'ROUTE-REFRESH':
        // RFC 2918 3: only meaningful in Established; it is not an FSM event.
        if (a.fsm.name === 'Established') this.emit('routeRefresh', message);
        break;
    }
  }

  /**
   * RFC 4271 6.8: when an OPEN arrives on one connection while another connection to the same
   * peer is in OpenConfirm (or OpenSent), keep the connection opened by the speaker with the
   * higher BGP Identifier and dump the other.
   */
  private collide(a: Attempt, remoteBgpId: string, remoteAsn: number): void {
    if (a !== this.main && this.main.fsm.name === 'Established') {
      // RFC 4271 6.8: with CollisionDetectEstablishedState off (the default), a collision with
      // an Established connection closes the new one, with a NOTIFICATION Cease (RFC 4486 3:
      // subcode 7, Connection Collision Resolution).
      this.feed(a, { type: 'OpenCollisionDump' });
      return;
    }
    const others = [this.main, ...this.extra].filter(
      (x) => x !== a && (x.fsm.name === 'OpenConfirm' || x.fsm.name === 'OpenSent') && x.connection,
    );
    for (const other of others) {
      const decision = resolveCollision({
        localBgpId: this.init.fsm.bgpId,
        remoteBgpId,
        localAsn: this.init.fsm.localAsn,
        remoteAsn,
      });
      const loser =
        other.origin === decision.dump ? other : a.origin === decision.dump ? a : undefined;
      if (!loser) continue;
      this.feed(loser, { type: 'OpenCollisionDump' });
      if (loser === this.main && a !== this.main) {
        // The incoming connection carries on as the session's FSM.
        this.clearTimers(this.main);
        this.makeMain(a);
      }
    }
  }

  private sendMessage(a: Attempt, message: BgpMessage): void {
    if (!a.connection) return;
    let bytes: Buffer;
    try {
      bytes = encodeMessage(message, a.ctx);
    } catch (error) {
      this.emit('problem', {
        error:
          error instanceof SpeakersimError
            ? error
            : new BgpSessionError('ERR_BGP_ENCODE', String(error)),
        at: this.components.clock.now(),
      });
      return;
    }
    this.write(a, bytes);
    this.emitMessage('sent', message, bytes);
  }

  private write(a: Attempt, bytes: Buffer): boolean {
    const c = a.connection;
    if (!c) return false;
    if (a.backlog.length > 0) {
      a.backlog.push(bytes);
      return false;
    }
    return c.write(bytes);
  }

  private flushBacklog(a: Attempt): void {
    const c = a.connection;
    while (c && a.backlog.length > 0) {
      if (!c.write(a.backlog.shift()!)) return;
    }
    this.wakeDrainWaiters(a);
  }

  private wakeDrainWaiters(a: Attempt): void {
    for (const w of a.drainWaiters.splice(0)) w();
  }

  private wants(kind: keyof BgpSessionListeners): boolean {
    return this.listeners.some((l) => l[kind] !== undefined);
  }

  private emitTransition(change: StateChange): void {
    this.emit('transition', { ...change, at: this.components.clock.now() });
  }

  private emitMessage(direction: MessageDirection, message: BgpMessage, bytes: Buffer): void {
    if (!this.wants('message')) return;
    this.emit('message', {
      direction,
      type: message.type,
      message,
      bytes,
      at: this.components.clock.now(),
    });
  }

  private emit<K extends keyof BgpSessionListeners>(
    kind: K,
    value: Parameters<NonNullable<BgpSessionListeners[K]>>[0],
  ): void {
    for (const l of [...this.listeners]) {
      const fn = l[kind] as ((v: typeof value) => void) | undefined;
      fn?.(value);
    }
  }
}
