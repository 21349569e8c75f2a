/** Event handling several states share. */
import type { NotificationMessage } from '../../wire/types.js';
import { CeaseSubcode } from '../codes.js';
import type { FsmEvent } from '../events.js';
import type { TransitionReason } from '../reasons.js';
import { cease, holdTimerExpired, restartKeepaliveTimer, toIdle } from '../procedures.js';
import { encodeShutdownCommunication } from '../shutdown-communication.js';
import type { Transition } from '../transition.js';

/** Events after normalization: event 20 folded into 19, 2/1 NOTIFICATIONs into event 24. */
export type NormalizedEvent = Exclude<FsmEvent, { type: 'BGPOpen_with_DelayOpenTimer_running' }>;

export type StateHandler = (tx: Transition, event: NormalizedEvent) => void;

export function received(n: NotificationMessage): TransitionReason {
  return { kind: 'notification-received', code: n.code, subcode: n.subcode };
}

/**
 * ManualStop after our OPEN went out (OpenSent, OpenConfirm, Established): RFC 4271 8.2.2
 * sends Cease, which RFC 4486 names Administrative Shutdown (2), with the RFC 8203 shutdown
 * communication; ConnectRetryCounter goes back to zero.
 */
export function manualStopWithCease(
  tx: Transition,
  event: Extract<NormalizedEvent, { type: 'ManualStop' }>,
): void {
  tx.update({ allowAutomaticStart: false });
  tx.clear('pendingStart');
  toIdle(tx, 'admin', {
    notification: cease(
      CeaseSubcode.ADMINISTRATIVE_SHUTDOWN,
      encodeShutdownCommunication(event.shutdownCommunication),
    ),
    counter: 'reset',
  });
}

/** AutomaticStop after our OPEN went out: Cease (RFC 4271 8.2.2), counter + 1. */
export function automaticStopWithCease(
  tx: Transition,
  event: Extract<NormalizedEvent, { type: 'AutomaticStop' }>,
): void {
  tx.update({ allowAutomaticStart: false });
  tx.clear('pendingStart');
  const s = event.subcode;
  const valid = typeof s === 'number' && Number.isInteger(s) && s >= 0 && s <= 255;
  const subcode = valid ? s : CeaseSubcode.UNSPECIFIED;
  toIdle(tx, 'automatic-stop', { notification: cease(subcode), counter: 'increment' });
}

/**
 * Events that OpenSent, OpenConfirm and Established handle alike (RFC 4271 8.2.2): ManualStop
 * (1) and AutomaticStop (2) with Cease, HoldTimer_Expires (10), and a second connection
 * (14-17), which the runtime tracks until its OPEN for the collision check (RFC 4271 6.8).
 * Returns true when `event` was one of them.
 */
export function afterOpenSent(tx: Transition, event: NormalizedEvent): boolean {
  switch (event.type) {
    case 'ManualStop':
      manualStopWithCease(tx, event);
      return true;
    case 'AutomaticStop':
      automaticStopWithCease(tx, event);
      return true;
    case 'HoldTimer_Expires':
      holdTimerExpired(tx);
      return true;
    case 'TcpConnection_Valid':
    case 'Tcp_CR_Invalid':
    case 'Tcp_CR_Acked':
    case 'TcpConnectionConfirmed':
      return true;
    default:
      return false;
  }
}

/**
 * What OpenConfirm and Established also share, besides afterOpenSent: KeepaliveTimer_Expires
 * (11) sends a KEEPALIVE and restarts the timer (it never ran when the negotiated hold time is
 * zero); TcpConnectionFails (18) goes to Idle with ConnectRetryCounter + 1.
 */
export function afterOpenConfirm(tx: Transition, event: NormalizedEvent): boolean {
  if (afterOpenSent(tx, event)) return true;
  const negotiated = tx.state.negotiated;
  switch (event.type) {
    case 'KeepaliveTimer_Expires':
      tx.emit({ type: 'SendKeepalive' });
      if (negotiated) restartKeepaliveTimer(tx, negotiated);
      return true;
    case 'TcpConnectionFails':
      toIdle(tx, 'tcp-failed', { counter: 'increment' });
      return true;
    default:
      return false;
  }
}
