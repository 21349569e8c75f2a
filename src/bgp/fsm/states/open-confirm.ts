/** RFC 4271 8.2.2 OpenConfirm: both OPENs exchanged, waiting for the peer's KEEPALIVE. */
import { FsmErrorSubcode } from '../codes.js';
import { collisionCease, fsmError, restartHoldTimer, toIdle } from '../procedures.js';
import type { StateHandler } from './common.js';
import { afterOpenConfirm, received } from './common.js';

export const openConfirm: StateHandler = (tx, event) => {
  // RFC 4271 8.2.2 events 1, 2, 10, 11, 14-18 (second connections are the runtime's, 6.8).
  if (afterOpenConfirm(tx, event)) return;
  const negotiated = tx.state.negotiated;
  switch (event.type) {
    case 'NotifMsg':
      toIdle(tx, received(event.notification), { counter: 'increment' });
      return;
    case 'NotifMsgVerErr':
      // RFC 4271 8.2.2 event 24 in OpenConfirm: ConnectRetryCounter unchanged.
      toIdle(tx, received(event.notification), { counter: 'keep' });
      return;
    case 'BGPHeaderErr':
    case 'BGPOpenMsgErr': {
      // RFC 4271 8.2.2 events 21/22: send the NOTIFICATION for the error.
      const n = event.notification;
      const kind = event.type === 'BGPHeaderErr' ? 'header-error' : 'open-error';
      toIdle(
        tx,
        { kind, code: n.code, subcode: n.subcode, sent: true },
        {
          notification: n,
          counter: 'increment',
        },
      );
      return;
    }
    case 'OpenCollisionDump':
      // RFC 4271 6.8 / 8.2.2 event 23: Cease (7, Connection Collision Resolution).
      toIdle(tx, 'collision', { notification: collisionCease(), counter: 'increment' });
      return;
    case 'KeepAliveMsg':
      // RFC 4271 8.2.2 event 26: restart the HoldTimer, Established.
      if (!negotiated) break; // cannot happen: OpenConfirm is entered with `negotiated` set
      restartHoldTimer(tx, negotiated);
      tx.update({ consecutiveFailures: 0 });
      tx.moveTo('Established', 'keepalive-received');
      tx.emit({ type: 'SessionUp', negotiated });
      return;
    default:
      // An OPEN on this same connection is unexpected here; an OPEN on a second connection
      // is the runtime's collision check (RFC 4271 6.8), which answers with event 23.
      break;
  }
  // RFC 4271 8.2.2 "any other event" (9, 12, 13, 20, 27, 28): FSM Error, RFC 6608 subcode 2.
  fsmError(tx, FsmErrorSubcode.OPEN_CONFIRM);
};
