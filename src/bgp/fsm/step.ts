/**
 * step(state, event) -> { state, actions, transition }: the RFC 4271 8.2.2 FSM as one pure
 * function. No clock, no sockets; the same input always gives the same output (jitter comes
 * from the Random in the config, which the caller seeds).
 *
 * BFD gate (RFC 9384 and FRR). FRR's bgpd, on a BFD Up -> Down change for a peer with
 * "neighbor X bfd", sends NOTIFICATION Cease/10 "BFD Down" when the state allows a
 * NOTIFICATION and stops the peer; when BFD comes Up again and the peer is not Established,
 * it starts the peer (bgp_bfd.c bfd_session_status_update). FRR 8.4 can still reconnect on its
 * own start timer while BFD is down; newer FRR's "neighbor X bfd strict" holds the peer down
 * (peer_active() returns "BFD down") until BFD is Up. We model the strict behaviour, which is
 * what a failure scenario wants to observe: after BfdDown, every start (manual, automatic, or
 * the IdleHoldTimer restart) is parked in `pendingStart` and BfdUp releases it. As in FRR,
 * only an Up -> Down change acts: a BFD session that never came Up (peer without BFD) leaves
 * BGP alone, which is how MetalLB can show a session "Established" with BFD "Down".
 * `waitForBfd` closes the gate from the start for labs that want BGP to follow BFD strictly.
 */
import { ErrorCode, OpenErrorSubcode } from './codes.js';
import type { FsmEvent, FsmEventType } from './events.js';
import { FSM_EVENT_TYPES } from './events.js';
import type { TimerName } from './actions.js';
import { cease, restartKeepaliveTimer, start, toIdle } from './procedures.js';
import { CeaseSubcode } from './codes.js';
import { hasValidPayload } from './guards.js';
import { startKind } from './start-events.js';
import type { FsmState, SessionStateName } from './state.js';
import { active, connect } from './states/connect-active.js';
import type { NormalizedEvent, StateHandler } from './states/common.js';
import { established } from './states/established.js';
import { idle, startFromIdle } from './states/idle.js';
import { openConfirm } from './states/open-confirm.js';
import { openSent } from './states/open-sent.js';
import type { StepResult } from './transition.js';
import { Transition } from './transition.js';

const HANDLERS: Record<SessionStateName, StateHandler> = {
  Idle: idle,
  Connect: connect,
  Active: active,
  OpenSent: openSent,
  OpenConfirm: openConfirm,
  Established: established,
};

const EXPIRY_TIMER: Partial<Record<FsmEventType, TimerName>> = {
  ConnectRetryTimer_Expires: 'ConnectRetryTimer',
  HoldTimer_Expires: 'HoldTimer',
  KeepaliveTimer_Expires: 'KeepaliveTimer',
  DelayOpenTimer_Expires: 'DelayOpenTimer',
  IdleHoldTimer_Expires: 'IdleHoldTimer',
};

const KNOWN_EVENTS: ReadonlySet<string> = new Set(FSM_EVENT_TYPES);

/**
 * Event 20 is event 19 with the DelayOpenTimer running, which the FSM knows itself; a
 * NOTIFICATION carrying 2/1 Unsupported Version Number is event 24 (RFC 4271 8.1.5).
 */
function normalize(event: FsmEvent): NormalizedEvent {
  if (event.type === 'BGPOpen_with_DelayOpenTimer_running')
    return { type: 'BGPOpen', open: event.open };
  if (
    event.type === 'NotifMsg' &&
    event.notification.code === ErrorCode.OPEN_MESSAGE &&
    event.notification.subcode === OpenErrorSubcode.UNSUPPORTED_VERSION_NUMBER
  )
    return { type: 'NotifMsgVerErr', notification: event.notification };
  return event;
}

/**
 * RFC 9384 ("BFD Cease NOTIFICATION Subcode"): BFD went Down; close the gate and bring the session down. Like FRR, only a
 * change from Up counts: a BFD session that never came Up does not touch BGP.
 */
function bfdDown(tx: Transition): void {
  if (tx.state.bfd !== 'up') return;
  tx.update({ bfd: 'down' });
  switch (tx.state.name) {
    case 'Idle':
      // A scheduled automatic restart now waits for BFD instead of the IdleHoldTimer.
      if (tx.isRunning('IdleHoldTimer')) {
        tx.stopTimer('IdleHoldTimer');
        tx.update({ pendingStart: { passive: tx.state.passive, automatic: true } });
      }
      return;
    case 'Connect':
    case 'Active':
      // No OPEN has been sent, so there is no BGP session to send a NOTIFICATION on.
      toIdle(tx, 'bfd-down', { counter: 'increment' });
      return;
    case 'OpenSent':
    case 'OpenConfirm':
    case 'Established':
      // RFC 9384: a session closed because BFD went down gets Cease, subcode 10 "BFD Down".
      toIdle(tx, 'bfd-down', { notification: cease(CeaseSubcode.BFD_DOWN), counter: 'increment' });
      return;
  }
}

/** BFD is Up: open the gate; a start that was waiting for it proceeds now. */
function bfdUp(tx: Transition): void {
  tx.update({ bfd: 'up' });
  const pending = tx.state.pendingStart;
  if (tx.state.name !== 'Idle' || !pending) return;
  start(tx, { ...pending, reason: 'bfd-up', resetCounter: false });
}

function isEvent(event: unknown): event is FsmEvent {
  if (typeof event !== 'object' || event === null) return false;
  const type = (event as { type?: unknown }).type;
  return typeof type === 'string' && KNOWN_EVENTS.has(type) && hasValidPayload(event as FsmEvent);
}

/**
 * Applies one event. Never throws for any event: unknown events, events with a malformed
 * payload (guards.ts) and expiries of timers the FSM has not armed (a race with StopTimer in
 * the runtime) change nothing and produce no actions.
 */
export function step(state: FsmState, event: FsmEvent): StepResult {
  const tx = new Transition(state);
  if (!isEvent(event)) return tx.result();

  const timer = EXPIRY_TIMER[event.type];
  if (timer) {
    if (!tx.isRunning(timer)) return tx.result();
    tx.expired(timer);
  }

  switch (event.type) {
    case 'BfdDown':
      bfdDown(tx);
      return tx.result();
    case 'BfdUp':
      bfdUp(tx);
      return tx.result();
    case 'UpdateSent':
      // RFC 4271 8.2.2 Established: each time we send an UPDATE the KeepaliveTimer restarts,
      // unless the negotiated hold time is zero.
      if (state.name === 'Established' && state.negotiated)
        restartKeepaliveTimer(tx, state.negotiated);
      return tx.result();
    default:
      break;
  }

  const kind = startKind(event.type);
  if (kind) {
    // RFC 4271 8.2.2: start events are ignored in every state but Idle.
    if (state.name === 'Idle') startFromIdle(tx, kind);
    return tx.result();
  }

  HANDLERS[state.name](tx, normalize(event));
  return tx.result();
}
