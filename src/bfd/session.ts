import type { Clock, Timer } from '../core/clock.js';
import type { Random } from '../core/random.js';
import { emptyCounters, type BfdCounters } from './counters.js';
import {
  canonicalAddress,
  defaultPeerPort,
  resolveAuth,
  resolveSessionParams,
  sessionKey,
  type BfdSessionConfig,
} from './config.js';
import { TypedEmitter, type BfdSessionEvents, type BfdStateChangeEvent } from './events.js';
import {
  changeParameters,
  createFsmState,
  currentDetectionTimeUs,
  currentTxIntervalUs,
  detectionTimerExpired,
  packetReceived,
  setAdminDown,
  setAdminUp,
  startSession,
  transmitTimerExpired,
} from './fsm/session-fsm.js';
import type { BfdFsmState, BfdStep } from './fsm/types.js';
import type { BfdEndpointAddress, BfdTxChannel } from './io/transport.js';
import type { BfdDiagnostic } from './wire/constants.js';
import { BfdState } from './wire/constants.js';
import type { BfdDiscardReason } from './wire/discard.js';
import type { BfdControlPacket } from './wire/types.js';

/** What a session needs from outside (config kept apart from dependencies: `init` vs `components`). */
export interface BfdSessionComponents {
  clock: Clock;
  random: Random;
  /** The session's own transmit channel (its unique source port, RFC 5881 4). */
  channel: BfdTxChannel;
  /** bfd.LocalDiscr: nonzero and unique on this system (RFC 5880 6.8.1). */
  localDiscriminator: number;
  /** The receiving transport's settleReceive (see BfdTransport); runs `fn` now if absent. */
  settleReceive?: (fn: () => void) => void;
}

/** A read-only view in the spirit of FRR's `show bfd peers json`, intervals in ms. */
export interface BfdSessionSnapshot {
  key: string;
  multihop: boolean;
  local: BfdEndpointAddress;
  peer: BfdEndpointAddress;
  vrf: string | undefined;
  interface: string | undefined;
  localDiscriminator: number;
  remoteDiscriminator: number;
  passive: boolean;
  state: BfdState;
  diagnostic: BfdDiagnostic;
  remoteState: BfdState;
  remoteDiagnostic: BfdDiagnostic;
  /** Configured (FRR "receive-interval" / "transmit-interval" / "detect-multiplier"). */
  requiredMinRxMs: number;
  desiredMinTxMs: number;
  detectMult: number;
  remoteRequiredMinRxMs: number;
  remoteDesiredMinTxMs: number;
  remoteDetectMult: number;
  /** Negotiated transmit interval before jitter and the current Detection Time. */
  negotiatedTxMs: number;
  detectionTimeMs: number;
  pollActive: boolean;
  /** Clock ms of the last change to Up, when Up. */
  upSince: number | undefined;
}

/**
 * Runs one BFD session: feeds clock time, timers and received packets into the pure FSM and
 * carries its actions out (send on the channel, timers on the Clock, typed events, counters).
 */
export class BfdSession extends TypedEmitter<BfdSessionEvents> {
  readonly key: string;
  readonly counters: BfdCounters = emptyCounters();
  readonly config: Readonly<BfdSessionConfig>;
  private fsm: BfdFsmState;
  private readonly clock: Clock;
  private readonly random: Random;
  private readonly channel: BfdTxChannel;
  private readonly settleReceive: (fn: () => void) => void;
  private readonly peer: BfdEndpointAddress;
  /** The peer address in canonical form (what received packets must come from). */
  readonly peerAddress: string;
  private txTimer: Timer | undefined;
  private detectionTimer: { timer: Timer; at: number } | undefined;
  private running = false;
  private upSince: number | undefined;

  constructor(config: BfdSessionConfig, components: BfdSessionComponents) {
    super();
    this.config = { ...config };
    this.key = sessionKey(config);
    this.clock = components.clock;
    this.random = components.random;
    this.channel = components.channel;
    this.settleReceive = components.settleReceive ?? ((fn) => fn());
    this.peerAddress = canonicalAddress(config.peerAddress);
    this.peer = { address: this.peerAddress, port: defaultPeerPort(config) };
    this.fsm = createFsmState({
      params: resolveSessionParams(config),
      localDiscr: components.localDiscriminator,
      auth: resolveAuth(config.auth),
      xmitAuthSeq: Math.floor(this.random.next() * 0x100000000) >>> 0,
    });
  }

  get state(): BfdState {
    return this.fsm.sessionState;
  }

  get localDiscriminator(): number {
    return this.fsm.localDiscr;
  }

  get remoteDiscriminator(): number {
    return this.fsm.remoteDiscr;
  }

  get diagnostic(): BfdDiagnostic {
    return this.fsm.localDiag;
  }

  /** The pure FSM state, for tests and diagnostics. */
  get fsmState(): BfdFsmState {
    return this.fsm;
  }

  /** Starts transmitting (unless passive) and arms the timers. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.apply(startSession(this.fsm, this.clock.now(), this.random));
  }

  /**
   * Goes silent: timers cancelled, nothing sent, the channel closed. The peer sees the session
   * time out (Diag 1); call adminDown() first to tell it (Diag 7) instead.
   */
  async stop(): Promise<void> {
    this.running = false;
    this.txTimer?.cancel();
    this.txTimer = undefined;
    this.detectionTimer?.timer.cancel();
    this.detectionTimer = undefined;
    await this.channel.close();
  }

  /** Hands a decoded packet to the FSM; returns the discard reason, if any (also counted). */
  receive(packet: BfdControlPacket, raw: Buffer): BfdDiscardReason | undefined {
    if (!this.running) return undefined;
    const step = this.guard(() =>
      packetReceived(this.fsm, packet, raw, this.clock.now(), this.random),
    );
    if (!step) return undefined;
    if (step.discard) {
      this.counters.discards[step.discard]++;
      this.emit('discard', step.discard);
    } else {
      this.counters.packetsReceived++;
    }
    this.apply(step);
    return step.discard;
  }

  /** Counts a packet the session table discarded for this session before the FSM saw it. */
  reject(reason: BfdDiscardReason): void {
    this.counters.discards[reason]++;
    this.emit('discard', reason);
  }

  /** RFC 5880 6.8.16: administratively down (Diag 7), told to the peer. */
  adminDown(): void {
    this.apply(setAdminDown(this.fsm, this.clock.now(), this.random));
  }

  adminUp(): void {
    this.apply(setAdminUp(this.fsm, this.clock.now(), this.random));
  }

  /** New timers (ms) or role; runs a Poll Sequence as RFC 5880 6.8.3 requires. */
  setParameters(update: {
    desiredMinTxMs?: number;
    requiredMinRxMs?: number;
    detectMult?: number;
    passive?: boolean;
  }): void {
    const current = this.fsm.queuedParams ?? this.fsm.params;
    const merged: BfdSessionConfig = {
      ...this.config,
      desiredMinTxMs: update.desiredMinTxMs ?? current.desiredMinTxUs / 1000,
      requiredMinRxMs: update.requiredMinRxMs ?? current.requiredMinRxUs / 1000,
      detectMult: update.detectMult ?? current.detectMult,
      passive: update.passive ?? current.passive,
    };
    const params = resolveSessionParams(merged);
    this.apply(changeParameters(this.fsm, params, this.clock.now(), this.random));
  }

  snapshot(): BfdSessionSnapshot {
    const s = this.fsm;
    return {
      key: this.key,
      multihop: this.config.multihop ?? false,
      local: { address: this.channel.local.address, port: this.channel.local.port },
      peer: { ...this.peer },
      vrf: this.config.vrf,
      interface: this.config.interface,
      localDiscriminator: s.localDiscr,
      remoteDiscriminator: s.remoteDiscr,
      passive: s.params.passive,
      state: s.sessionState,
      diagnostic: s.localDiag,
      remoteState: s.remoteSessionState,
      remoteDiagnostic: s.remoteDiag,
      requiredMinRxMs: s.params.requiredMinRxUs / 1000,
      desiredMinTxMs: s.params.desiredMinTxUs / 1000,
      detectMult: s.detectMult,
      remoteRequiredMinRxMs: s.remoteMinRxUs / 1000,
      remoteDesiredMinTxMs: s.remoteDesiredMinTxUs / 1000,
      remoteDetectMult: s.remoteDetectMult,
      negotiatedTxMs: currentTxIntervalUs(s) / 1000,
      detectionTimeMs: currentDetectionTimeUs(s) / 1000,
      pollActive: s.pollActive,
      upSince: this.upSince,
    };
  }

  /**
   * Runs an FSM step at a boundary Node would turn into an uncaught exception (socket
   * callback, timer). The FSM is not expected to throw; if a bug makes it, the event is dropped
   * and counted, and the session keeps its previous state.
   */
  private guard(step: () => BfdStep): BfdStep | undefined {
    try {
      return step();
    } catch {
      this.counters.internalErrors++;
      return undefined;
    }
  }

  private apply(step: BfdStep): void {
    this.fsm = step.state;
    for (const action of step.actions) {
      switch (action.type) {
        case 'send':
          this.send(action.bytes, action.final);
          break;
        case 'armTx':
          this.armTx(action.at);
          break;
        case 'armDetection':
          this.armDetection(action.at);
          break;
        case 'cancelDetection':
          this.detectionTimer?.timer.cancel();
          this.detectionTimer = undefined;
          break;
        case 'stateChange':
          this.stateChanged(action.from, action.to, action.diagnostic);
          break;
        case 'pollStarted':
          break;
        case 'pollComplete':
          this.counters.pollsCompleted++;
          this.emit('pollComplete');
          break;
      }
    }
  }

  private send(bytes: Buffer, final: boolean): void {
    if (!this.running) return;
    try {
      this.channel.send(bytes, this.peer);
      this.counters.packetsSent++;
      if (final) this.counters.finalsSent++;
    } catch {
      this.counters.sendErrors++;
    }
  }

  private armTx(at: number): void {
    if (!this.running) return;
    this.txTimer?.cancel();
    this.txTimer = this.clock.setTimer(at - this.clock.now(), () => {
      this.txTimer = undefined;
      if (!this.running) return;
      const step = this.guard(() => transmitTimerExpired(this.fsm, this.clock.now(), this.random));
      if (step) this.apply(step);
    });
  }

  /**
   * One detection timer, moved lazily: a later deadline keeps the armed timer (which re-arms
   * when it fires early), so a steady packet stream does not churn timers.
   */
  private armDetection(at: number): void {
    if (!this.running) return;
    if (this.detectionTimer && this.detectionTimer.at <= at) return;
    this.detectionTimer?.timer.cancel();
    const timer = this.clock.setTimer(at - this.clock.now(), () => {
      // Fired early because packets moved the deadline on (the lazy case): just follow it.
      const deadline = this.fsm.detectionDeadline;
      if (this.running && deadline !== undefined && this.clock.now() < deadline) {
        this.detectionTimer = undefined;
        this.armDetection(deadline);
        return;
      }
      // Packets that arrived before the deadline but wait behind this timer (an event-loop
      // stall) are read first: RFC 5880 6.8.4 counts a packet when it is received, not when a
      // busy process gets round to it.
      this.settleReceive(() => {
        if (this.detectionTimer?.timer !== timer) return; // re-armed meanwhile
        this.detectionTimer = undefined;
        if (!this.running) return;
        const step = this.guard(() =>
          detectionTimerExpired(this.fsm, this.clock.now(), this.random),
        );
        if (step) this.apply(step);
      });
    });
    this.detectionTimer = { timer, at };
  }

  private stateChanged(from: BfdState, to: BfdState, diagnostic: BfdDiagnostic): void {
    this.counters.stateChanges++;
    const event: BfdStateChangeEvent = {
      from,
      to,
      diagnostic,
      remoteDiagnostic: this.fsm.remoteDiag,
      at: this.clock.now(),
      wallAt: this.clock.wallNow(),
    };
    if (to === BfdState.Up) {
      this.counters.upTransitions++;
      this.upSince = event.at;
    } else {
      this.upSince = undefined;
    }
    if (to === BfdState.Down && from !== BfdState.AdminDown) this.counters.downTransitions++;
    this.emit('stateChange', event);
    if (to === BfdState.Up) this.emit('up', event);
    else if (to === BfdState.Down) {
      // Leaving AdminDown lands in Down too, but that is no failure: 'down' means lost.
      if (from !== BfdState.AdminDown) this.emit('down', event);
    } else if (to === BfdState.Init) this.emit('init', event);
    else this.emit('adminDown', event);
  }
}

/** `createBfdSession(config)(components)`: config apart from dependencies. */
export function createBfdSession(
  config: BfdSessionConfig,
): (components: BfdSessionComponents) => BfdSession {
  resolveSessionParams(config);
  resolveAuth(config.auth);
  return (components) => new BfdSession(config, components);
}
