/** RFC 4271 8.2.2 OpenSent: our OPEN is out, waiting for the peer's. */
import { FsmErrorSubcode } from '../codes.js';
import { jittered } from '../jitter.js';
import { checkOpen } from '../open.js';
import { acceptOpen, collisionCease, errorToIdle, fsmError, toIdle } from '../procedures.js';
import type { StateHandler } from './common.js';
import { afterOpenSent, received } from './common.js';

export const openSent: StateHandler = (tx, event) => {
  // RFC 4271 8.2.2 events 1, 2, 10 and 14-17 (a second connection is tracked by the runtime for
  // collision detection, RFC 4271 6.8, until its OPEN arrives).
  if (afterOpenSent(tx, event)) return;
  switch (event.type) {
    case 'TcpConnectionFails':
      // RFC 4271 8.2.2 event 18: close the connection, restart the ConnectRetryTimer, keep
      // listening, Active. The 4-minute HoldTimer belonged to the dead connection.
      tx.emit({ type: 'DropTcp' });
      tx.stopTimer('HoldTimer');
      tx.clear('connectionOrigin');
      tx.startTimer('ConnectRetryTimer', jittered(tx.config.random, tx.config.connectRetryTimeMs));
      tx.moveTo('Active', 'tcp-failed');
      return;
    case 'BGPOpen': {
      // RFC 4271 8.2.2 event 19: check the OPEN (RFC 4271 6.2); the runtime then applies
      // collision detection (RFC 4271 6.8) using the negotiated peer identifier.
      const verdict = checkOpen(tx.config, event.open);
      if (verdict.ok) {
        acceptOpen(tx, event.open, verdict.negotiated, false);
        return;
      }
      const n = verdict.notification;
      toIdle(
        tx,
        { kind: 'open-error', code: n.code, subcode: n.subcode, sent: true },
        {
          notification: n,
          counter: 'increment',
        },
      );
      return;
    }
    case 'BGPHeaderErr':
      errorToIdle(tx, 'header-error', event.notification);
      return;
    case 'BGPOpenMsgErr':
      errorToIdle(tx, 'open-error', event.notification);
      return;
    case 'OpenCollisionDump':
      // RFC 4271 6.8 / 8.2.2 event 23: Cease (7, Connection Collision Resolution).
      toIdle(tx, 'collision', { notification: collisionCease(), counter: 'increment' });
      return;
    case 'NotifMsgVerErr':
      // RFC 4271 8.2.2 event 24: Idle without touching ConnectRetryCounter.
      toIdle(tx, received(event.notification), { counter: 'keep' });
      return;
    case 'NotifMsg':
      // Deliberate: RFC 4271 8.2.2 lists event 25 under OpenSent's "any other event", which
      // would answer a NOTIFICATION with an FSM Error. The peer closes right after sending
      // it (RFC 4271 4.5), and OpenConfirm and Established just close, so we do the same.
      toIdle(tx, received(event.notification), { counter: 'increment' });
      return;
    default:
      // RFC 4271 8.2.2 "any other event" (9, 11, 12, 15, 20, 25-28): FSM Error, RFC 6608
      // subcode 1 (unexpected message in OpenSent).
      fsmError(tx, FsmErrorSubcode.OPEN_SENT);
  }
};
