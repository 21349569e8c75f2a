/**
 * FSM output: what the runtime must do, in order. The runtime executes the actions of one
 * step in the order given before feeding the next event (a SendNotification is written out
 * before the DropTcp that follows it).
 */
import type { OpenMessage, UpdateMessage } from '../wire/types.js';
import type { FamilyNlri } from '../wire/update.js';
import type { NegotiatedParameters } from './negotiated.js';
import type { TransitionReason } from './reasons.js';

/** The five RFC 4271 8 timers. Each has at most one instance; StartTimer replaces it. */
export type TimerName =
  'ConnectRetryTimer' | 'HoldTimer' | 'KeepaliveTimer' | 'DelayOpenTimer' | 'IdleHoldTimer';

export const TIMER_NAMES: readonly TimerName[] = [
  'ConnectRetryTimer',
  'HoldTimer',
  'KeepaliveTimer',
  'DelayOpenTimer',
  'IdleHoldTimer',
];

export type FsmAction =
  /** (Re)arm `timer` to fire once after `ms`; on expiry feed `${timer}_Expires`. */
  | { type: 'StartTimer'; timer: TimerName; ms: number }
  /** Cancel `timer`; an expiry already queued is harmless (the FSM drops stale expiries). */
  | { type: 'StopTimer'; timer: TimerName }
  /** Open an outgoing TCP connection to the peer; report Tcp_CR_Acked or TcpConnectionFails. */
  | { type: 'ConnectTcp' }
  /**
   * Close this FSM's TCP connection (or abandon the attempt in progress). In Idle it means
   * refuse the connection just reported: RFC 4271 8.2.2 Idle refuses all connections.
   */
  | { type: 'DropTcp' }
  | { type: 'SendOpen'; open: OpenMessage }
  | { type: 'SendKeepalive' }
  | { type: 'SendNotification'; code: number; subcode: number; data: Buffer }
  /** Free per-connection resources (buffers, codec context). */
  | { type: 'ReleaseResources' }
  /**
   * Hand a received UPDATE to the Adj-RIB-In (Established only): the one delivery path. The
   * routes in `withdrawnByError` are withdrawn instead of announced (RFC 7606 2).
   */
  | { type: 'DeliverUpdate'; update: UpdateMessage; withdrawnByError: FamilyNlri[] }
  /** Entered Established: start advertising; switch the codec to `negotiated`. */
  | { type: 'SessionUp'; negotiated: NegotiatedParameters }
  /** Left Established: delete all routes learned from this peer (RFC 4271 8.2.2). */
  | { type: 'SessionDown'; reason: TransitionReason };

export type FsmActionType = FsmAction['type'];
