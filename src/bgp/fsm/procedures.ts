/**
 * Procedures the RFC 4271 8.2.2 state texts repeat: starting, sending our OPEN, accepting the
 * peer's OPEN, and falling back to Idle. State handlers (states/*.ts) compose these.
 */
import { CeaseSubcode, ErrorCode } from './codes.js';
import { LARGE_HOLD_TIME_MS } from './config.js';
import type { NotificationToSend } from './events.js';
import { jittered, keepaliveInterval } from './jitter.js';
import type { NegotiatedParameters } from './negotiated.js';
import { buildOpen } from './open.js';
import type { TransitionReason } from './reasons.js';
import type { ConnectionOrigin } from './state.js';
import type { OpenMessage } from '../wire/types.js';
import type { Transition } from './transition.js';

export interface StartRequest {
  passive: boolean;
  automatic: boolean;
  reason: TransitionReason;
  /** RFC 4271 8.2.2 Idle: a start event sets ConnectRetryCounter to zero; a restart does not. */
  resetCounter: boolean;
}

/**
 * RFC 4271 8.2.2 Idle, events 1/3 and 4/5: initialize resources, start the ConnectRetryTimer,
 * then either initiate the TCP connection (Connect) or only listen (Active). Waits instead
 * while BFD is down (see step.ts for why).
 */
export function start(tx: Transition, req: StartRequest): void {
  tx.update({ passive: req.passive, allowAutomaticStart: req.automatic });
  if (req.resetCounter) tx.update({ connectRetryCounter: 0 });
  if (tx.state.bfd === 'down') {
    tx.update({ pendingStart: { passive: req.passive, automatic: req.automatic } });
    return;
  }
  tx.clear('pendingStart');
  tx.stopTimer('IdleHoldTimer');
  // RFC 4271 10: ConnectRetryTimer is jittered.
  tx.startTimer('ConnectRetryTimer', jittered(tx.config.random, tx.config.connectRetryTimeMs));
  if (req.passive) {
    tx.moveTo('Active', req.reason);
  } else {
    tx.emit({ type: 'ConnectTcp' });
    tx.moveTo('Connect', req.reason);
  }
}

/**
 * RFC 4271 8.2.2 Connect/Active, events 16/17: the TCP connection is up. With DelayOpen, stop
 * the ConnectRetryTimer and start the DelayOpenTimer; otherwise send our OPEN now.
 */
export function tcpConnected(tx: Transition, origin: ConnectionOrigin): void {
  tx.update({ connectionOrigin: origin });
  if (tx.config.delayOpenTimeMs > 0) {
    tx.stopTimer('ConnectRetryTimer');
    tx.startTimer('DelayOpenTimer', tx.config.delayOpenTimeMs);
    return;
  }
  sendOpenAndWait(tx, 'tcp-connected');
}

/**
 * RFC 4271 8.2.2 Connect/Active: send OPEN, set the HoldTimer to a large value (4 minutes
 * suggested) while the peer's OPEN is awaited, and go to OpenSent.
 */
export function sendOpenAndWait(tx: Transition, reason: TransitionReason): void {
  tx.stopTimer('ConnectRetryTimer');
  tx.stopTimer('DelayOpenTimer');
  tx.emit({ type: 'SendOpen', open: buildOpen(tx.config) });
  tx.startTimer('HoldTimer', LARGE_HOLD_TIME_MS);
  tx.moveTo('OpenSent', reason);
}

/** Arms the KeepaliveTimer for the negotiated interval, jittered (RFC 4271 10). */
export function restartKeepaliveTimer(tx: Transition, negotiated: NegotiatedParameters): void {
  if (negotiated.keepaliveTimeMs === 0) return;
  tx.startTimer('KeepaliveTimer', keepaliveInterval(tx.config.random, negotiated.keepaliveTimeMs));
}

/** Re-arms the HoldTimer to the negotiated value; nothing when it is zero (RFC 4271 4.2). */
export function restartHoldTimer(tx: Transition, negotiated: NegotiatedParameters): void {
  if (negotiated.holdTimeSeconds === 0) return;
  tx.startTimer('HoldTimer', negotiated.holdTimeSeconds * 1000);
}

/**
 * RFC 4271 8.2.2 OpenSent event 19, and Connect/Active event 20 (`sendOpen`: our OPEN was
 * held back by DelayOpen): send KEEPALIVE, then with a non-zero negotiated hold time start the
 * KeepaliveTimer and set the HoldTimer to it; with zero, neither timer runs. Go to OpenConfirm.
 */
export function acceptOpen(
  tx: Transition,
  peerOpen: OpenMessage,
  negotiated: NegotiatedParameters,
  sendOpen: boolean,
): void {
  tx.stopTimer('ConnectRetryTimer');
  tx.stopTimer('DelayOpenTimer');
  if (sendOpen) tx.emit({ type: 'SendOpen', open: buildOpen(tx.config) });
  tx.emit({ type: 'SendKeepalive' });
  tx.update({ negotiated, peerOpen });
  if (negotiated.holdTimeSeconds === 0) {
    tx.stopTimer('KeepaliveTimer');
    tx.stopTimer('HoldTimer');
  } else {
    restartKeepaliveTimer(tx, negotiated);
    restartHoldTimer(tx, negotiated);
  }
  tx.moveTo('OpenConfirm', 'open-received');
}

export type CounterRule = 'increment' | 'reset' | 'keep';

export interface IdleOptions {
  /** Sent first, before anything is torn down. */
  notification?: NotificationToSend;
  /** What happens to ConnectRetryCounter; the RFC says it per state and event. */
  counter: CounterRule;
}

/** Idle hold time before an automatic restart; doubled per failure with damping. */
function idleHoldMs(tx: Transition): number {
  const { idleHoldTimeMs, idleHoldMaxMs, dampPeerOscillations } = tx.config;
  if (!dampPeerOscillations) return idleHoldTimeMs;
  const doublings = Math.min(Math.max(tx.state.consecutiveFailures - 1, 0), 30);
  return Math.min(idleHoldMaxMs, idleHoldTimeMs * 2 ** doublings);
}

/**
 * The common way down (RFC 4271 8.2.2, every state): send the NOTIFICATION if any, stop the
 * timers (ConnectRetryTimer "set to zero"), delete the peer's routes if Established, release
 * resources, drop TCP, adjust ConnectRetryCounter, go to Idle.
 *
 * Then, if AllowAutomaticStart is set (and the stop was not administrative), the automatic
 * restart is scheduled with the IdleHoldTimer, or parked until BFD is Up again.
 */
export function toIdle(tx: Transition, reason: TransitionReason, opts: IdleOptions): void {
  const wasEstablished = tx.state.name === 'Established';
  if (opts.notification) tx.sendNotification(opts.notification);
  tx.stopAllTimers();
  if (wasEstablished) tx.emit({ type: 'SessionDown', reason });
  tx.emit({ type: 'ReleaseResources' });
  tx.emit({ type: 'DropTcp' });
  const counter = tx.state.connectRetryCounter;
  if (opts.counter === 'increment') tx.update({ connectRetryCounter: counter + 1 });
  if (opts.counter === 'reset') tx.update({ connectRetryCounter: 0 });
  const administrative = reason === 'admin' || reason === 'automatic-stop';
  tx.update({ consecutiveFailures: administrative ? 0 : tx.state.consecutiveFailures + 1 });
  tx.clear('connectionOrigin', 'peerOpen', 'negotiated');
  tx.moveTo('Idle', reason);
  if (!tx.state.allowAutomaticStart) return;
  if (tx.state.bfd === 'down') {
    tx.update({ pendingStart: { passive: tx.state.passive, automatic: true } });
    return;
  }
  tx.startTimer('IdleHoldTimer', idleHoldMs(tx));
}

/** RFC 6608 3 / RFC 4271 6.6: an unexpected event answered with an FSM Error NOTIFICATION. */
export function fsmError(tx: Transition, subcode: number): void {
  const code = ErrorCode.FSM;
  toIdle(
    tx,
    { kind: 'notification-sent', code, subcode },
    {
      notification: { code, subcode, data: Buffer.alloc(0) },
      counter: 'increment',
    },
  );
}

/** Cease NOTIFICATION with the given subcode and data (RFC 4486). */
export function cease(subcode: number, data: Buffer = Buffer.alloc(0)): NotificationToSend {
  return { code: ErrorCode.CEASE, subcode, data };
}

/** RFC 4271 6.8: the connection that loses collision resolution is closed with Cease/7. */
export function collisionCease(): NotificationToSend {
  return cease(CeaseSubcode.CONNECTION_COLLISION_RESOLUTION);
}

/**
 * RFC 4271 8.2.2 event 10 in OpenSent, OpenConfirm and Established (and 6.5): send
 * NOTIFICATION Hold Timer Expired (4/0), drop the connection, Idle, ConnectRetryCounter + 1.
 */
export function holdTimerExpired(tx: Transition): void {
  const notification = { code: ErrorCode.HOLD_TIMER_EXPIRED, subcode: 0, data: Buffer.alloc(0) };
  toIdle(tx, 'hold-timer-expired', { notification, counter: 'increment' });
}

/**
 * A message error answered with its NOTIFICATION (RFC 4271 6.1-6.3, 8.2.2 events 21, 22, 28):
 * Idle, ConnectRetryCounter + 1. `send` false (before our OPEN, without
 * SendNOTIFICATIONwithoutOPEN, 8.2.2 Connect/Active) drops the connection silently.
 */
export function errorToIdle(
  tx: Transition,
  kind: 'open-error' | 'header-error' | 'notification-sent',
  n: NotificationToSend,
  send = true,
): void {
  const reason: TransitionReason =
    kind === 'notification-sent'
      ? { kind, code: n.code, subcode: n.subcode }
      : { kind, code: n.code, subcode: n.subcode, sent: send };
  toIdle(tx, reason, { ...(send ? { notification: n } : {}), counter: 'increment' });
}
