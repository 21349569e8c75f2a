/** Event handling several states share. */
import type { NotificationMessage } from '../../wire/types.js';
import { CeaseSubcode } from '../codes.js';
import type { FsmEvent } from '../events.js';
import type { TransitionReason } from '../reasons.js';
import { cease, toIdle } from '../procedures.js';
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
