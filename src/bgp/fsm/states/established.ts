/** RFC 4271 8.2.2 Established: UPDATEs flow, KEEPALIVEs keep the session alive. */
import { FsmErrorSubcode } from '../codes.js';
import { collisionCease, errorToIdle, fsmError, restartHoldTimer, toIdle } from '../procedures.js';
import type { StateHandler } from './common.js';
import { afterOpenConfirm, received } from './common.js';

export const established: StateHandler = (tx, event) => {
  // RFC 4271 8.2.2 events 1, 2, 10, 11, 14-18 (events 14-17: a second connection is tracked by
  // the runtime until it sends an OPEN, collision check with CollisionDetectEstablishedState).
  if (afterOpenConfirm(tx, event)) return;
  const negotiated = tx.state.negotiated;
  switch (event.type) {
    case 'OpenCollisionDump':
      toIdle(tx, 'collision', { notification: collisionCease(), counter: 'increment' });
      return;
    case 'NotifMsgVerErr':
    case 'NotifMsg':
      // RFC 4271 8.2.2 events 24/25: delete routes, Idle, ConnectRetryCounter + 1.
      toIdle(tx, received(event.notification), { counter: 'increment' });
      return;
    case 'KeepAliveMsg':
      // RFC 4271 8.2.2 event 26: restart the HoldTimer if the negotiated value is non-zero.
      if (negotiated) restartHoldTimer(tx, negotiated);
      return;
    case 'UpdateMsg':
      // RFC 4271 8.2.2 event 27: hand over the UPDATE, restart the HoldTimer.
      tx.emit({
        type: 'DeliverUpdate',
        update: event.update,
        withdrawnByError: event.withdrawnByError ?? [],
      });
      if (negotiated) restartHoldTimer(tx, negotiated);
      return;
    case 'UpdateMsgErr':
      // RFC 4271 8.2.2 event 28 / 6.3: the UPDATE error NOTIFICATION, delete routes, Idle.
      errorToIdle(tx, 'notification-sent', event.notification);
      return;
    case 'BGPHeaderErr':
      // Deliberate: RFC 4271 8.2.2 lists event 21 under Established's "any other event"
      // (FSM Error), but RFC 4271 6.1 says a header error MUST be answered with Message
      // Header Error, which tells the peer what was actually wrong.
      errorToIdle(tx, 'header-error', event.notification);
      return;
    default:
      break;
  }
  // RFC 4271 8.2.2 "any other event" (9, 12, 13, 19 without collision, 20, 22): FSM Error,
  // RFC 6608 subcode 3 (unexpected message in Established).
  fsmError(tx, FsmErrorSubcode.ESTABLISHED);
};
