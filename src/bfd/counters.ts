import { emptyDiscardCounters, type BfdDiscardReason } from './wire/discard.js';

/** Per-session (and per-table) packet counters, one per discard reason. */
export interface BfdCounters {
  packetsSent: number;
  finalsSent: number;
  packetsReceived: number;
  sendErrors: number;
  /** Bugs caught at the boundary (timer callback, receive path) instead of crashing. */
  internalErrors: number;
  stateChanges: number;
  upTransitions: number;
  downTransitions: number;
  pollsCompleted: number;
  discards: Record<BfdDiscardReason, number>;
}

export function emptyCounters(): BfdCounters {
  return {
    packetsSent: 0,
    finalsSent: 0,
    packetsReceived: 0,
    sendErrors: 0,
    internalErrors: 0,
    stateChanges: 0,
    upTransitions: 0,
    downTransitions: 0,
    pollsCompleted: 0,
    discards: emptyDiscardCounters(),
  };
}

export function totalDiscards(c: BfdCounters): number {
  return Object.values(c.discards).reduce((a, b) => a + b, 0);
}
