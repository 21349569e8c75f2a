/** Why the FSM changed state: carried on every transition and kept on the state for reports. */

export type TransitionReason =
  // going up
  | 'manual-start'
  | 'automatic-start'
  /** The IdleHoldTimer ran out and the automatic restart began (RFC 4271 8.1.3 event 13). */
  | 'idle-hold-expired'
  /** BFD came Up and released a start that was waiting for it. */
  | 'bfd-up'
  | 'tcp-connected'
  | 'connect-retry-expired'
  | 'delay-open-expired'
  | 'open-received'
  | 'keepalive-received'
  // going down
  /** ManualStop. */
  | 'admin'
  | 'automatic-stop'
  | 'tcp-failed'
  | 'hold-timer-expired'
  | 'bfd-down'
  /** This connection lost collision resolution (RFC 4271 6.8) and sent Cease/7. */
  | 'collision'
  | { kind: 'notification-received'; code: number; subcode: number }
  /** Header errors, UPDATE errors and FSM errors (code 5, RFC 6608). */
  | { kind: 'notification-sent'; code: number; subcode: number }
  /**
   * The peer's OPEN was refused. `sent` is false before our OPEN went out and
   * SendNOTIFICATIONwithoutOPEN is off (RFC 4271 8.2.2 Connect/Active).
   */
  | { kind: 'open-error'; code: number; subcode: number; sent: boolean }
  /** A message header error (RFC 4271 6.1), with `sent` as for open-error. */
  | { kind: 'header-error'; code: number; subcode: number; sent: boolean }
  /** An event the RFC handles as "any other event" where no NOTIFICATION is sent. */
  | { kind: 'unexpected-event'; event: string };

/** Short stable text for a reason, for logs and CR status fields. */
export function reasonText(reason: TransitionReason): string {
  if (typeof reason === 'string') return reason;
  switch (reason.kind) {
    case 'notification-received':
      return `notification-received ${reason.code}/${reason.subcode}`;
    case 'notification-sent':
      return `notification-sent ${reason.code}/${reason.subcode}`;
    case 'open-error':
      return `open-error ${reason.code}/${reason.subcode}`;
    case 'header-error':
      return `header-error ${reason.code}/${reason.subcode}`;
    case 'unexpected-event':
      return `unexpected-event ${reason.event}`;
  }
}
