/**
 * RFC 4271 8.2.2 Connect (our TCP connection attempt is in progress) and Active (listening
 * for the peer's). The two texts differ only where marked; no OPEN has been sent in either,
 * so a NOTIFICATION goes out only with SendNOTIFICATIONwithoutOPEN.
 */
import { CeaseSubcode } from '../codes.js';
import type { NotificationToSend } from '../events.js';
import { jittered } from '../jitter.js';
import { checkOpen } from '../open.js';
import {
  acceptOpen,
  cease,
  errorToIdle,
  sendOpenAndWait,
  tcpConnected,
  toIdle,
} from '../procedures.js';
import { encodeShutdownCommunication } from '../shutdown-communication.js';
import type { Transition } from '../transition.js';
import type { NormalizedEvent, StateHandler } from './common.js';
import { received } from './common.js';

function restartConnectRetryTimer(tx: Transition): void {
  // RFC 4271 10: jitter on every (re)start of the ConnectRetryTimer.
  tx.startTimer('ConnectRetryTimer', jittered(tx.config.random, tx.config.connectRetryTimeMs));
}

/** Events 21/22 and a refused OPEN: NOTIFICATION only with SendNOTIFICATIONwithoutOPEN. */
function messageError(tx: Transition, kind: 'open-error' | 'header-error', n: NotificationToSend) {
  errorToIdle(tx, kind, n, tx.config.sendNotificationWithoutOpen);
}

function preOpen(tx: Transition, event: NormalizedEvent, connect: boolean): void {
  const delayOpenRunning = tx.isRunning('DelayOpenTimer');
  switch (event.type) {
    case 'ManualStop': {
      tx.update({ allowAutomaticStart: false });
      tx.clear('pendingStart');
      // RFC 4271 8.2.2 Active: with the DelayOpenTimer running (TCP is up) and
      // SendNOTIFICATIONwithoutOPEN set, send Cease first. Connect sends nothing.
      const notify = !connect && delayOpenRunning && tx.config.sendNotificationWithoutOpen;
      const data = encodeShutdownCommunication(event.shutdownCommunication);
      const notification = cease(CeaseSubcode.ADMINISTRATIVE_SHUTDOWN, data);
      toIdle(tx, 'admin', { ...(notify ? { notification } : {}), counter: 'reset' });
      return;
    }
    case 'ConnectRetryTimer_Expires':
      if (connect) {
        // RFC 4271 8.2.2 Connect event 9: drop the attempt, restart the timer, stop the
        // DelayOpenTimer, connect again, stay in Connect.
        tx.emit({ type: 'DropTcp' });
        tx.clear('connectionOrigin');
        restartConnectRetryTimer(tx);
        tx.stopTimer('DelayOpenTimer');
        tx.emit({ type: 'ConnectTcp' });
      } else if (tx.state.passive) {
        // Deliberate: RFC 4271 8.2.2 Active event 9 connects out, but a passive peer never
        // initiates (RFC 4271 8.1.1 PassiveTcpEstablishment; FRR "neighbor X passive"), so
        // it keeps listening.
        restartConnectRetryTimer(tx);
      } else {
        // RFC 4271 8.2.2 Active event 9: restart the timer, connect, go to Connect.
        restartConnectRetryTimer(tx);
        tx.emit({ type: 'ConnectTcp' });
        tx.moveTo('Connect', 'connect-retry-expired');
      }
      return;
    case 'DelayOpenTimer_Expires':
      // RFC 4271 8.2.2 event 12: send OPEN, HoldTimer to the large value, OpenSent.
      sendOpenAndWait(tx, 'delay-open-expired');
      return;
    case 'TcpConnection_Valid':
    case 'Tcp_CR_Invalid':
      // RFC 4271 8.2.2 events 14/15: TCP bookkeeping only; the runtime refuses invalid ones.
      return;
    case 'Tcp_CR_Acked':
    case 'TcpConnectionConfirmed':
      // A second connection while the first waits for DelayOpen is for the runtime's
      // collision tracking (RFC 4271 6.8), not this FSM.
      if (tx.state.connectionOrigin) return;
      tcpConnected(tx, event.type === 'Tcp_CR_Acked' ? 'local' : 'remote');
      return;
    case 'TcpConnectionFails':
      if (connect && delayOpenRunning) {
        // RFC 4271 8.2.2 Connect event 18 with DelayOpenTimer running: back to Active.
        restartConnectRetryTimer(tx);
        tx.stopTimer('DelayOpenTimer');
        tx.clear('connectionOrigin');
        tx.moveTo('Active', 'tcp-failed');
      } else if (tx.config.connectFailure === 'active') {
        // FRR/BIRD: wait in Active for the ConnectRetryTimer, then Connect again (config.ts).
        restartConnectRetryTimer(tx);
        tx.clear('connectionOrigin');
        tx.update({ connectRetryCounter: tx.state.connectRetryCounter + 1 });
        if (connect) tx.moveTo('Active', 'tcp-failed');
      } else if (connect) {
        // RFC 4271 8.2.2 Connect event 18 otherwise: Idle, ConnectRetryCounter unchanged.
        toIdle(tx, 'tcp-failed', { counter: 'keep' });
      } else {
        // RFC 4271 8.2.2 Active event 18: Idle with ConnectRetryCounter + 1. (The RFC also
        // restarts the ConnectRetryTimer, whose expiry Idle ignores; we leave it stopped.)
        toIdle(tx, 'tcp-failed', { counter: 'increment' });
      }
      return;
    case 'BGPOpen': {
      if (!delayOpenRunning) break; // event 19 here is "any other event"
      // RFC 4271 8.2.2 event 20: the peer spoke first while our OPEN was held back.
      const verdict = checkOpen(tx.config, event.open);
      if (verdict.ok) acceptOpen(tx, event.open, verdict.negotiated, true);
      else messageError(tx, 'open-error', verdict.notification);
      return;
    }
    case 'BGPHeaderErr':
      messageError(tx, 'header-error', event.notification);
      return;
    case 'BGPOpenMsgErr':
      messageError(tx, 'open-error', event.notification);
      return;
    case 'NotifMsgVerErr':
      // RFC 4271 8.2.2 event 24: the counter only moves when no DelayOpenTimer was running.
      toIdle(tx, received(event.notification), {
        counter: delayOpenRunning ? 'keep' : 'increment',
      });
      return;
    case 'AutomaticStop':
      tx.update({ allowAutomaticStart: false });
      tx.clear('pendingStart');
      toIdle(tx, 'automatic-stop', { counter: 'increment' });
      return;
    case 'NotifMsg':
      toIdle(tx, received(event.notification), { counter: 'increment' });
      return;
    default:
      break;
  }
  // RFC 4271 8.2.2 Connect/Active "any other event" (8, 10, 11, 13, 19, 23, 25-28): Idle,
  // ConnectRetryCounter + 1, no NOTIFICATION (no OPEN was sent).
  toIdle(tx, { kind: 'unexpected-event', event: event.type }, { counter: 'increment' });
}

export const connect: StateHandler = (tx, event) => preOpen(tx, event, true);
export const active: StateHandler = (tx, event) => preOpen(tx, event, false);
