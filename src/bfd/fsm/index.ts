/**
 * BFD session state machine (pure), RFC 5880 sections 6.1-6.8.
 *
 * - state-table.ts: the 6.8.6 (local state, remote state) -> (next state, diagnostic) table.
 * - timers.ts: 6.8.2-6.8.4 negotiation (TX interval, Detection Time), 6.8.3 1 s floor while not
 *   Up, 6.8.7 jitter.
 * - session-fsm.ts: event functions (startSession, packetReceived, transmitTimerExpired,
 *   detectionTimerExpired, changeParameters, setAdminDown/Up) taking (state, input, clock ms,
 *   Random) and returning (state, actions): send bytes, arm the TX or detection timer, state
 *   changed with diagnostic, Poll started/complete. Poll/Final (6.5), passive role (6.1) and
 *   the remote's Demand mode (6.6) are handled here; local Demand and Echo are not offered.
 * - auth-sequence.ts: the 6.7.3/6.7.4 sequence number window.
 *
 * No clocks, timers or sockets: session.ts feeds time in and carries the actions out.
 */
export * from './types.js';
export * from './state-table.js';
export * from './timers.js';
export * from './auth-sequence.js';
export * from './session-fsm.js';
