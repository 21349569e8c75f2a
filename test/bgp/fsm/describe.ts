/** Compact text for actions so that table rows stay readable. */
import type { FsmAction } from '../../../src/bgp/fsm/index.js';

/**
 * 'SendNotification:6/2', 'StartTimer:HoldTimer:90000', 'StopTimer:KeepaliveTimer', 'ConnectTcp'.
 * Jittered timers (ConnectRetryTimer, KeepaliveTimer) are shown without a duration; their
 * durations are checked against the jitter bounds in jitter.test.ts and scenarios.test.ts.
 */
export function describeAction(a: FsmAction): string {
  switch (a.type) {
    case 'StartTimer':
      return a.timer === 'ConnectRetryTimer' || a.timer === 'KeepaliveTimer'
        ? `StartTimer:${a.timer}`
        : `StartTimer:${a.timer}:${a.ms}`;
    case 'StopTimer':
      return `StopTimer:${a.timer}`;
    case 'SendNotification':
      return `SendNotification:${a.code}/${a.subcode}`;
    default:
      return a.type;
  }
}
