import type { Random } from '../../core/random.js';
import { encodeSignedControlPacket, isMeticulous, verifyControlAuth } from '../wire/auth.js';
import { BFD_VERSION, BfdAuthType, BfdDiagnostic, BfdState } from '../wire/constants.js';
import type { BfdDiscardReason } from '../wire/discard.js';
import { encodeControlPacket } from '../wire/encode-control.js';
import type { BfdControlPacket } from '../wire/types.js';
import { sequenceInWindow } from './auth-sequence.js';
import { bfdTransition } from './state-table.js';
import {
  INITIAL_REMOTE_MIN_RX_US,
  advertisedDesiredMinTxUs,
  detectionTimeUs,
  jitteredIntervalUs,
  negotiatedTxIntervalUs,
  usToMs,
} from './timers.js';
import type { BfdAction, BfdFsmAuth, BfdFsmState, BfdSessionParams, BfdStep } from './types.js';

type Draft = { -readonly [K in keyof BfdFsmState]: BfdFsmState[K] };

export interface BfdFsmInit {
  params: BfdSessionParams;
  localDiscr: number;
  auth?: BfdFsmAuth;
  /** RFC 5880 6.8.1: bfd.XmitAuthSeq "MUST be initialized to a random 32-bit value". */
  xmitAuthSeq: number;
}

/** RFC 5880 6.8.1: the initial values of the state variables. */
export function createFsmState(init: BfdFsmInit): BfdFsmState {
  const desired = advertisedDesiredMinTxUs(init.params.desiredMinTxUs, false);
  return {
    params: init.params,
    queuedParams: undefined,
    auth: init.auth,
    sessionState: BfdState.Down,
    remoteSessionState: BfdState.Down,
    localDiscr: init.localDiscr,
    remoteDiscr: 0,
    localDiag: BfdDiagnostic.NoDiagnostic,
    remoteDiag: BfdDiagnostic.NoDiagnostic,
    desiredMinTxUs: desired,
    requiredMinRxUs: init.params.requiredMinRxUs,
    txInUseUs: desired,
    rxInUseUs: init.params.requiredMinRxUs,
    detectMult: init.params.detectMult,
    remoteMinRxUs: INITIAL_REMOTE_MIN_RX_US,
    remoteDesiredMinTxUs: 0,
    remoteDetectMult: 0,
    remoteDemandMode: false,
    remoteMinEchoRxUs: 0,
    pollActive: false,
    authSeqKnown: false,
    rcvAuthSeq: 0,
    xmitAuthSeq: init.xmitAuthSeq >>> 0,
    lastRxAt: undefined,
    lastTxAt: undefined,
    detectionDeadline: undefined,
    nextTxAt: undefined,
    txIntervalUs: 0,
  };
}

/** The transmit interval before jitter (RFC 5880 6.8.2 / 6.8.7), 0 when none is negotiated. */
export function currentTxIntervalUs(s: BfdFsmState): number {
  return negotiatedTxIntervalUs(s.txInUseUs, s.remoteMinRxUs);
}

/** RFC 5880 6.8.4 Detection Time from the current state, in microseconds. */
export function currentDetectionTimeUs(s: BfdFsmState): number {
  return detectionTimeUs(s.remoteDetectMult, s.rxInUseUs, s.remoteDesiredMinTxUs);
}

/** RFC 5880 6.8.7: may a periodic Control packet go out now? */
function mayTransmitPeriodic(s: BfdFsmState): boolean {
  // "A system MUST NOT transmit BFD Control packets if bfd.RemoteDiscr is zero and the system
  // is taking the Passive role."
  if (s.params.passive && s.remoteDiscr === 0) return false;
  // "A system MUST NOT periodically transmit BFD Control packets if bfd.RemoteMinRxInterval is
  // zero."
  if (s.remoteMinRxUs === 0) return false;
  // "... if Demand mode is active on the remote system (bfd.RemoteDemandMode is 1,
  // bfd.SessionState is Up, and bfd.RemoteSessionState is Up) and a Poll Sequence is not being
  // transmitted."
  if (
    s.remoteDemandMode &&
    s.sessionState === BfdState.Up &&
    s.remoteSessionState === BfdState.Up &&
    !s.pollActive
  ) {
    return false;
  }
  return true;
}

/** Builds, signs and records one outgoing packet (RFC 5880 6.8.7 field values). */
function transmit(d: Draft, now: number, final: boolean, actions: BfdAction[]): void {
  const packet: BfdControlPacket = {
    version: BFD_VERSION,
    diagnostic: d.localDiag,
    state: d.sessionState,
    // RFC 5880 6.5 / 4.1: P while a Poll Sequence runs, never together with F.
    poll: d.pollActive && !final,
    final,
    // C: speakersim's BFD shares fate with its control plane.
    controlPlaneIndependent: false,
    // RFC 5880 6.6: local Demand mode is never enabled (refused at configuration).
    demand: false,
    multipoint: false,
    detectMult: d.detectMult,
    myDiscriminator: d.localDiscr,
    yourDiscriminator: d.remoteDiscr,
    desiredMinTxUs: d.desiredMinTxUs,
    requiredMinRxUs: d.requiredMinRxUs,
    // RFC 5880 4.1: zero "the transmitting system does not support the receipt of BFD Echo
    // packets" (speakersim does not implement the Echo function).
    requiredMinEchoRxUs: 0,
  };
  let bytes: Buffer;
  if (d.auth) {
    const key = d.auth.keys.get(d.auth.txKeyId)!;
    bytes = encodeSignedControlPacket(packet, key, d.xmitAuthSeq);
    // `packet` carries the mandatory section; the signed section is only in `bytes`.
    actions.push({ type: 'send', packet, bytes, final });
    // RFC 5880 6.7.3 / 6.7.4: Meticulous MUST, Keyed MAY increment bfd.XmitAuthSeq per packet;
    // incrementing for both keeps the peer's window check trivially satisfied.
    if (d.auth.type !== BfdAuthType.SimplePassword) d.xmitAuthSeq = (d.xmitAuthSeq + 1) >>> 0;
  } else {
    bytes = encodeControlPacket(packet);
    actions.push({ type: 'send', packet, bytes, final });
  }
  d.lastTxAt = now;
}

/**
 * Draws the next periodic transmission when the negotiated interval changed (or none is set).
 * RFC 5880 6.8.7: intervals are measured from the previous transmission, jittered.
 */
function rescheduleTx(
  d: Draft,
  now: number,
  random: Random,
  actions: BfdAction[],
  force: boolean,
): void {
  const interval = currentTxIntervalUs(d);
  if (!force && interval === d.txIntervalUs && d.nextTxAt !== undefined) return;
  d.txIntervalUs = interval;
  // With no negotiated interval (remote Required Min RX 0) keep ticking at our own rate so a
  // later change is noticed; nothing is sent while mayTransmitPeriodic says no.
  const tick = interval === 0 ? d.txInUseUs : interval;
  const base = d.lastTxAt ?? now;
  const at = Math.max(now, base + usToMs(jitteredIntervalUs(tick, d.detectMult, random)));
  // A slower rate starts after the packet already due: that packet was drawn under the old
  // rate, and it is the one that tells the peer about a state change (e.g. our Down after a
  // detection timeout) before the peer's own Detection Time, drawn for the old rate, runs out.
  if (!force && d.nextTxAt !== undefined && d.nextTxAt >= now && d.nextTxAt < at) return;
  d.nextTxAt = at;
  actions.push({ type: 'armTx', at });
}

function rearmDetection(d: Draft, actions: BfdAction[]): void {
  if (d.lastRxAt === undefined || d.detectionDeadline === undefined) return;
  d.detectionDeadline = d.lastRxAt + usToMs(currentDetectionTimeUs(d));
  actions.push({ type: 'armDetection', at: d.detectionDeadline });
}

function setState(d: Draft, to: BfdState, diagnostic: BfdDiagnostic, actions: BfdAction[]): void {
  const from = d.sessionState;
  d.sessionState = to;
  d.localDiag = diagnostic;
  actions.push({ type: 'stateChange', from, to, diagnostic });
}

/**
 * Applies configured parameters (RFC 5880 6.8.3). A change of the advertised intervals starts
 * a Poll Sequence (6.5). While Up, a larger Desired Min TX is used for our own transmissions
 * only after the Final, and a smaller Required Min RX is used for Detection Time only after the
 * Final; the other directions take effect at once. A change that has to wait for a Final while
 * another Poll Sequence runs is queued: one Poll Sequence at a time (6.5).
 */
function applyParams(d: Draft, params: BfdSessionParams, actions: BfdAction[]): void {
  const up = d.sessionState === BfdState.Up;
  const advTx = advertisedDesiredMinTxUs(params.desiredMinTxUs, up);
  const rx = params.requiredMinRxUs;
  const waitsForFinal = up && (advTx > d.txInUseUs || rx < d.rxInUseUs);
  if (waitsForFinal && d.pollActive) {
    d.queuedParams = params;
    return;
  }
  d.params = params;
  d.queuedParams = undefined;
  d.detectMult = params.detectMult;
  const changed = advTx !== d.desiredMinTxUs || rx !== d.requiredMinRxUs;
  d.desiredMinTxUs = advTx;
  d.requiredMinRxUs = rx;
  // RFC 5880 6.8.3: "If bfd.DesiredMinTxInterval is increased and bfd.SessionState is Up, the
  // actual transmission interval used MUST NOT change until the Poll Sequence ... has
  // terminated."
  if (!(up && advTx > d.txInUseUs)) d.txInUseUs = advTx;
  // RFC 5880 6.8.3: "If bfd.RequiredMinRxInterval is reduced and bfd.SessionState is Up, the
  // previous value of bfd.RequiredMinRxInterval MUST be used when calculating the Detection
  // Time for the remote system until the Poll Sequence ... has terminated."
  if (!(up && rx < d.rxInUseUs)) d.rxInUseUs = rx;
  // RFC 5880 6.8.3: "If either bfd.DesiredMinTxInterval is changed or
  // bfd.RequiredMinRxInterval is changed, a Poll Sequence MUST be initiated".
  if (changed && !d.pollActive) {
    d.pollActive = true;
    actions.push({ type: 'pollStarted' });
  }
}

/** RFC 5880 6.5: a Final ends the Poll Sequence; deferred timer values now take effect. */
function completePoll(d: Draft, actions: BfdAction[]): void {
  d.pollActive = false;
  d.txInUseUs = d.desiredMinTxUs;
  d.rxInUseUs = d.requiredMinRxUs;
  actions.push({ type: 'pollComplete' });
  if (d.queuedParams) applyParams(d, d.queuedParams, actions);
}

/** The session state changed between Up and not Up: the 1 s floor of 6.8.3 moves. */
function refreshAdvertised(d: Draft, actions: BfdAction[]): void {
  applyParams(d, d.queuedParams ?? d.params, actions);
}

/** Starts the session: the first packet goes out at once unless the session is passive. */
export function startSession(s: BfdFsmState, now: number, random: Random): BfdStep {
  const d: Draft = { ...s };
  const actions: BfdAction[] = [];
  if (mayTransmitPeriodic(d)) transmit(d, now, false, actions);
  rescheduleTx(d, now, random, actions, true);
  return { state: d, actions };
}

/** The transmit timer fired (RFC 5880 6.8.7). */
export function transmitTimerExpired(s: BfdFsmState, now: number, random: Random): BfdStep {
  const d: Draft = { ...s };
  const actions: BfdAction[] = [];
  if (mayTransmitPeriodic(d)) transmit(d, now, false, actions);
  // A skipped opportunity counts as one, so the next is a full interval later (no busy loop).
  else d.lastTxAt = now;
  rescheduleTx(d, now, random, actions, true);
  return { state: d, actions };
}

/**
 * The detection timer fired. A stale timer (the deadline moved on) re-arms; otherwise RFC 5880
 * 6.8.4: "If the Detection Time passes without receipt of a valid, authenticated BFD packet from
 * the remote system: If bfd.SessionState is Init or Up, the session has gone down -- the local
 * system MUST set bfd.SessionState to Down and bfd.LocalDiag to 1 (Control Detection Time
 * Expired), and MUST set bfd.RemoteDiscr to zero."
 */
export function detectionTimerExpired(s: BfdFsmState, now: number, random: Random): BfdStep {
  if (s.detectionDeadline === undefined) return { state: s, actions: [] };
  if (now < s.detectionDeadline) {
    return { state: s, actions: [{ type: 'armDetection', at: s.detectionDeadline }] };
  }
  const d: Draft = { ...s };
  const actions: BfdAction[] = [];
  d.detectionDeadline = undefined;
  // RFC 5880 6.8.1: bfd.RemoteDiscr "MUST be reset to zero if Detection Time passes".
  d.remoteDiscr = 0;
  d.remoteSessionState = BfdState.Down;
  d.remoteDemandMode = false;
  if (d.sessionState === BfdState.Init || d.sessionState === BfdState.Up) {
    setState(d, BfdState.Down, BfdDiagnostic.ControlDetectionTimeExpired, actions);
    refreshAdvertised(d, actions);
  }
  rescheduleTx(d, now, random, actions, false);
  return { state: d, actions };
}

function discarded(s: BfdFsmState, reason: BfdDiscardReason): BfdStep {
  return { state: s, actions: [], discard: reason };
}

/** Authentication checks of RFC 5880 6.8.6 and 6.7; returns a reason or updates `d`. */
function checkAuth(
  d: Draft,
  packet: BfdControlPacket,
  raw: Buffer,
  now: number,
): BfdDiscardReason | undefined {
  // RFC 5880 6.8.6: "If the A bit is set and no authentication is in use (bfd.AuthType is
  // zero), the packet MUST be discarded."
  if (packet.auth && !d.auth) return 'auth-unexpected';
  // RFC 5880 6.8.6: "If the A bit is clear and authentication is in use (bfd.AuthType is
  // nonzero), the packet MUST be discarded."
  if (!packet.auth && d.auth) return 'auth-missing';
  if (!packet.auth || !d.auth) return undefined;
  const reason = verifyControlAuth(raw, packet, d.auth.type, d.auth.keys);
  if (reason) return reason;
  if (packet.auth.type === BfdAuthType.SimplePassword) return undefined;
  // RFC 5880 6.8.1: bfd.AuthSeqKnown "MUST be set to zero after no packets have been received
  // on this session for at least twice the Detection Time".
  let known = d.authSeqKnown;
  if (known && d.lastRxAt !== undefined) {
    if (now - d.lastRxAt >= 2 * usToMs(currentDetectionTimeUs(d))) known = false;
  }
  if (
    known &&
    !sequenceInWindow(
      packet.auth.sequence,
      d.rcvAuthSeq,
      packet.detectMult,
      isMeticulous(packet.auth.type),
    )
  ) {
    return 'auth-sequence-out-of-window';
  }
  // RFC 5880 6.7.3: on success "bfd.RcvAuthSeq MUST be set to the value of the received
  // Sequence Number field, and bfd.AuthSeqKnown MUST be set to 1".
  d.rcvAuthSeq = packet.auth.sequence;
  d.authSeqKnown = true;
  return undefined;
}

/**
 * A decoded packet for this session (the packet-only checks of RFC 5880 6.8.6 are done by the
 * decoder, the discriminator lookup by the session table). `raw` is the received payload, for
 * digest checks.
 */
export function packetReceived(
  s: BfdFsmState,
  packet: BfdControlPacket,
  raw: Buffer,
  now: number,
  random: Random,
): BfdStep {
  // RFC 5880 6.8.1: bfd.RemoteDiscr is reset to zero only after a Detection Time with no valid
  // packet, so while Up a packet with another My Discriminator is not from this session's peer
  // (a stale or spoofed one, RFC 5880 9): it must not move the state.
  if (s.sessionState === BfdState.Up && packet.myDiscriminator !== s.remoteDiscr) {
    return discarded(s, 'remote-discriminator-changed');
  }
  const d: Draft = { ...s };
  const authFailure = checkAuth(d, packet, raw, now);
  if (authFailure) return discarded(s, authFailure);
  const actions: BfdAction[] = [];
  // RFC 5880 6.8.6: record the remote system's variables.
  d.remoteDiscr = packet.myDiscriminator;
  d.remoteSessionState = packet.state;
  d.remoteDemandMode = packet.demand;
  d.remoteMinRxUs = packet.requiredMinRxUs;
  d.remoteDesiredMinTxUs = packet.desiredMinTxUs;
  d.remoteDetectMult = packet.detectMult;
  d.remoteDiag = packet.diagnostic;
  // RFC 5880 6.8.6: "If the Required Min Echo RX Interval field is zero, the local system MUST
  // NOT send Echo packets" (speakersim never sends them).
  d.remoteMinEchoRxUs = packet.requiredMinEchoRxUs;
  // RFC 5880 6.8.6: "If a BFD Control packet is received with the Final (F) bit set and the
  // local system sent a Poll, terminate the Poll Sequence."
  if (packet.final && d.pollActive) completePoll(d, actions);
  // RFC 5880 6.8.6: "If bfd.SessionState is AdminDown: Discard the packet."
  if (d.sessionState === BfdState.AdminDown) {
    rescheduleTx(d, now, random, actions, false);
    return { state: d, actions, discard: 'local-admin-down' };
  }
  const transition = bfdTransition(d.sessionState, packet.state);
  if (transition.kind === 'move') {
    const diag = transition.diagnostic === 'keep' ? d.localDiag : transition.diagnostic;
    const wasUp = d.sessionState === BfdState.Up;
    setState(d, transition.next, diag, actions);
    if (wasUp !== (transition.next === BfdState.Up)) refreshAdvertised(d, actions);
  }
  // RFC 5880 6.8.6 / 6.8.7: a Poll is answered at once with F set (and P clear), "without
  // respect to the transmission timer or any other transmission limitations".
  if (packet.poll) transmit(d, now, true, actions);
  // RFC 5880 6.8.6: "If the packet was not discarded, it has been received for purposes of the
  // Detection Time expiration rules in section 6.8.4."
  d.lastRxAt = now;
  d.detectionDeadline = now + usToMs(currentDetectionTimeUs(d));
  actions.push({ type: 'armDetection', at: d.detectionDeadline });
  rescheduleTx(d, now, random, actions, false);
  return { state: d, actions };
}

/** New configured parameters (RFC 5880 6.8.3); intervals in microseconds. */
export function changeParameters(
  s: BfdFsmState,
  params: BfdSessionParams,
  now: number,
  random: Random,
): BfdStep {
  const d: Draft = { ...s };
  const actions: BfdAction[] = [];
  applyParams(d, params, actions);
  rearmDetection(d, actions);
  rescheduleTx(d, now, random, actions, false);
  return { state: d, actions };
}

/**
 * RFC 5880 6.8.16: "the local system MUST set bfd.SessionState to AdminDown, bfd.LocalDiag to
 * an appropriate value, and stop the Detection Timer". Packets keep going out (at the slow
 * rate) so the peer learns of it; "the system MAY cease transmission" after a Detection Time,
 * which speakersim does not, so the peer always sees AdminDown.
 */
export function setAdminDown(s: BfdFsmState, now: number, random: Random): BfdStep {
  if (s.sessionState === BfdState.AdminDown) return { state: s, actions: [] };
  const d: Draft = { ...s };
  const actions: BfdAction[] = [];
  const wasUp = d.sessionState === BfdState.Up;
  setState(d, BfdState.AdminDown, BfdDiagnostic.AdministrativelyDown, actions);
  d.detectionDeadline = undefined;
  actions.push({ type: 'cancelDetection' });
  if (wasUp) refreshAdvertised(d, actions);
  rescheduleTx(d, now, random, actions, false);
  return { state: d, actions };
}

/** RFC 5880 6.8.16: leaving AdminDown, "the local system MUST set bfd.SessionState to Down". */
export function setAdminUp(s: BfdFsmState, now: number, random: Random): BfdStep {
  if (s.sessionState !== BfdState.AdminDown) return { state: s, actions: [] };
  const d: Draft = { ...s };
  const actions: BfdAction[] = [];
  setState(d, BfdState.Down, BfdDiagnostic.NoDiagnostic, actions);
  rescheduleTx(d, now, random, actions, false);
  return { state: d, actions };
}
