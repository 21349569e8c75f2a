/** RFC 4271 8.2.2 Idle: refuse connections, wait for a start. */
import type { StartKind } from '../start-events.js';
import { start } from '../procedures.js';
import type { Transition } from '../transition.js';
import type { StateHandler } from './common.js';

/** RFC 4271 8.2.2 Idle, events 1 and 3-7. */
export function startFromIdle(tx: Transition, kind: StartKind): void {
  // RFC 4271 8.2.2: the damping method for events 6, 7 and 13 is the implementation's; here
  // an automatic start waits for a running IdleHoldTimer, a manual one overrides it.
  if (kind.automatic && tx.isRunning('IdleHoldTimer')) {
    tx.update({ allowAutomaticStart: true });
    return;
  }
  start(tx, {
    passive: kind.passive ?? tx.config.passive,
    automatic: kind.automatic,
    reason: kind.automatic ? 'automatic-start' : 'manual-start',
    resetCounter: true,
  });
}

export const idle: StateHandler = (tx, event) => {
  switch (event.type) {
    case 'ManualStop':
    case 'AutomaticStop':
      // RFC 4271 8.2.2: ignored in Idle. A pending automatic restart (IdleHoldTimer, or a
      // start waiting for BFD) is ours, not the RFC's, so a stop cancels it.
      tx.update({ allowAutomaticStart: false });
      tx.clear('pendingStart');
      tx.stopTimer('IdleHoldTimer');
      return;
    case 'IdleHoldTimer_Expires':
      if (tx.state.allowAutomaticStart)
        start(tx, {
          passive: tx.state.passive,
          automatic: true,
          reason: 'idle-hold-expired',
          resetCounter: false,
        });
      return;
    case 'Tcp_CR_Acked':
    case 'TcpConnectionConfirmed':
      // RFC 4271 8.2.2: "In this state, BGP FSM refuses all incoming BGP connections".
      tx.emit({ type: 'DropTcp' });
      return;
    default:
      // RFC 4271 8.2.2: any other event (9-12, 15-28) does not change the Idle state.
      return;
  }
};
