/** The FSM's state value: the RFC 4271 8 session state plus the attributes of 8.1.1. */
import type { OpenMessage } from '../wire/types.js';
import type { TimerName } from './actions.js';
import type { FsmConfig, ResolvedFsmConfig } from './config.js';
import { resolveConfig } from './config.js';
import type { NegotiatedParameters } from './negotiated.js';
import type { TransitionReason } from './reasons.js';

/** RFC 4271 8.2.2: the six session states. */
export type SessionStateName =
  'Idle' | 'Connect' | 'Active' | 'OpenSent' | 'OpenConfirm' | 'Established';

export const SESSION_STATE_NAMES: readonly SessionStateName[] = [
  'Idle',
  'Connect',
  'Active',
  'OpenSent',
  'OpenConfirm',
  'Established',
];

/** Who opened this FSM's TCP connection; RFC 4271 6.8 collision resolution needs it. */
export type ConnectionOrigin = 'local' | 'remote';

export type BfdGate = 'unknown' | 'up' | 'down';

export interface StateChange {
  from: SessionStateName;
  to: SessionStateName;
  reason: TransitionReason;
}

export interface FsmState {
  readonly config: ResolvedFsmConfig;
  readonly name: SessionStateName;
  /** RFC 4271 8: ConnectRetryCounter. */
  readonly connectRetryCounter: number;
  /** Which timers the FSM has armed (a StartTimer without a later StopTimer or expiry). */
  readonly timers: Readonly<Record<TimerName, boolean>>;
  /** RFC 4271 8.1.1 AllowAutomaticStart: restart on its own after a fault. */
  readonly allowAutomaticStart: boolean;
  /** RFC 4271 8.1.1 PassiveTcpEstablishment, as set by the last start event. */
  readonly passive: boolean;
  /**
   * What the FSM knows of the peer's BFD session. 'down' closes the gate: starts wait for
   * BfdUp (RFC 9384, FRR "neighbor X bfd strict"). 'unknown' until BFD has been Up once.
   */
  readonly bfd: BfdGate;
  /** A start that arrived (or an automatic restart that fell due) while BFD was down. */
  readonly pendingStart?: { readonly passive: boolean; readonly automatic: boolean };
  /** Failures since the session was last Established; drives DampPeerOscillations. */
  readonly consecutiveFailures: number;
  readonly connectionOrigin?: ConnectionOrigin;
  /** The peer's OPEN, once accepted (OpenConfirm and Established). */
  readonly peerOpen?: OpenMessage;
  /** Set once the peer's OPEN is accepted; the runtime switches its codec context then. */
  readonly negotiated?: NegotiatedParameters;
  /** The last state change, kept for status reports. */
  readonly lastChange?: StateChange;
}

export function noTimers(): Record<TimerName, boolean> {
  return {
    ConnectRetryTimer: false,
    HoldTimer: false,
    KeepaliveTimer: false,
    DelayOpenTimer: false,
    IdleHoldTimer: false,
  };
}

/** Idle, nothing armed. Throws FsmConfigError when `config` cannot work. */
export function initialState(config: FsmConfig): FsmState {
  const resolved = resolveConfig(config);
  return {
    config: resolved,
    name: 'Idle',
    connectRetryCounter: 0,
    timers: noTimers(),
    allowAutomaticStart: false,
    passive: resolved.passive,
    bfd: resolved.waitForBfd ? 'down' : 'unknown',
    consecutiveFailures: 0,
  };
}
