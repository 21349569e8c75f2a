/**
 * BGP-4 finite state machine (RFC 4271 section 8), pure.
 *
 * Implements: the six states and the events of RFC 4271 8.1 (by their RFC names), OPEN
 * checks (RFC 4271 6.2, RFC 5492, RFC 6286, RFC 6793, RFC 7607), negotiation of hold time,
 * keepalive and capabilities, connection collision resolution (RFC 4271 6.8, RFC 6286 2.3),
 * FSM error subcodes (RFC 6608), Cease subcodes (RFC 4486), shutdown communication (RFC 8203,
 * RFC 9003), timer jitter (RFC 4271 10) and the BFD Down Cease (RFC 9384), with DelayOpen,
 * SendNOTIFICATIONwithoutOPEN and DampPeerOscillations from RFC 4271 8.1.1.
 *
 * How data flows:
 *
 *   runtime (src/bgp/session.ts)                       this module
 *   socket bytes -> wire decode -> FsmEvent  ------->  step(state, event)
 *   timer fired (clock)         -> *_Expires ------->    |
 *   BFD session Up/Down         -> BfdUp/BfdDown ---->   v
 *   execute in order     <--------------------------  { state, actions, transition? }
 *
 * Contract with the runtime:
 * - One FSM per TCP connection. `initialState(config)` (throws FsmConfigError on a bad config),
 *   then feed events one at a time, each to the state returned by the previous step, and
 *   carry out that step's actions in order before the next event (a SendNotification is
 *   written before the DropTcp that follows it).
 * - Determinism: step never reads a clock; the only input besides (state, event) is the
 *   injected config.random, drawn once per ConnectRetryTimer/KeepaliveTimer start (RFC 4271
 *   10 jitter). Same seed and same events give the same actions.
 * - Timers: StartTimer { timer, ms } arms or re-arms the one timer of that name; StopTimer
 *   cancels it; on expiry feed `${timer}_Expires`. Expiries of timers the FSM did not arm
 *   (already stopped) are dropped, so a late callback is harmless.
 * - TCP: ConnectTcp -> report Tcp_CR_Acked (connected) or TcpConnectionFails. An accepted
 *   incoming connection is TcpConnectionConfirmed; a drop by the peer is TcpConnectionFails.
 *   Report the connection before any message read from it. Once the FSM owns a connection,
 *   a further one for the same peer belongs to a second FSM (collision tracking).
 *   DropTcp closes this FSM's connection (in Idle: refuse the one just reported).
 * - Messages: a decoded OPEN is BGPOpen (the FSM validates it and answers bad ones with the
 *   right 2/x NOTIFICATION), KEEPALIVE is KeepAliveMsg, UPDATE is UpdateMsg, NOTIFICATION is
 *   NotifMsg. Decode failures map to BGPHeaderErr / BGPOpenMsgErr / UpdateMsgErr carrying
 *   the NOTIFICATION to send (RFC 7606 treat-as-withdraw errors are not FSM events). After
 *   sending an UPDATE, feed UpdateSent (restarts the KeepaliveTimer).
 * - `state.negotiated` is set from OpenConfirm on; build the codec context with
 *   codecContextOf(). SessionUp / SessionDown bracket Established (SessionDown: delete the
 *   peer's routes). Every state change carries a typed TransitionReason.
 * - Collisions: when two connections to one peer exist, use resolveCollision and feed
 *   OpenCollisionDump to the loser (see collision.ts).
 * - BFD: feed the BFD session's changes as BfdUp / BfdDown. A BfdDown after an Up tears the
 *   session down with Cease/10 and holds every start until BfdUp; a BfdDown for a session
 *   that was never Up changes nothing (see step.ts for the FRR behaviour this follows).
 *
 * Deliberate departures from the RFC 4271 8.2.2 text (each commented where it happens):
 * OpenSent answers a NOTIFICATION by closing, not with an FSM Error; Established answers a
 * header error with Message Header Error (RFC 4271 6.1), not 5/3; a passive FSM never connects
 * out on ConnectRetryTimer expiry; timers of a dead connection are stopped rather than left
 * to expire in Idle/Active; an OPEN on this FSM's own connection after OpenSent is an FSM
 * Error (collisions between two connections are the runtime's, above); KEEPALIVE intervals
 * are jittered but never under 1 s (RFC 4271 4.4 MUST over RFC 4271 10 SHOULD).
 */
export type { FsmAction, FsmActionType, TimerName } from './actions.js';
export { TIMER_NAMES } from './actions.js';
export { CeaseSubcode, ErrorCode, FsmErrorSubcode, OpenErrorSubcode, AS_TRANS } from './codes.js';
export type { CollisionDecision, CollisionInput } from './collision.js';
export { resolveCollision } from './collision.js';
export type { FsmConfig, PeerAsnExpectation, ResolvedFsmConfig } from './config.js';
export { FsmConfigError, LARGE_HOLD_TIME_MS, resolveConfig } from './config.js';
export type { FsmEvent, FsmEventType, NotificationToSend } from './events.js';
export { FSM_EVENT_TYPES } from './events.js';
export { jitterFactor, jittered, keepaliveInterval } from './jitter.js';
export type {
  NegotiatedAddPath,
  NegotiatedGracefulRestart,
  NegotiatedParameters,
} from './negotiated.js';
export { codecContextOf } from './negotiated.js';
export type { OpenVerdict } from './open.js';
export { buildOpen, checkOpen } from './open.js';
export type { TransitionReason } from './reasons.js';
export { reasonText } from './reasons.js';
export { encodeShutdownCommunication } from './shutdown-communication.js';
export type {
  BfdGate,
  ConnectionOrigin,
  FsmState,
  SessionStateName,
  StateChange,
} from './state.js';
export { SESSION_STATE_NAMES, initialState } from './state.js';
export { step } from './step.js';
export type { StepResult } from './transition.js';
