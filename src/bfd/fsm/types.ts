import type { BfdAuthKey } from '../wire/auth.js';
import type { BfdAuthType, BfdDiagnostic, BfdState } from '../wire/constants.js';
import type { BfdDiscardReason } from '../wire/discard.js';
import type { BfdControlPacket } from '../wire/types.js';

/** Configured timers and role of one session (RFC 5880 6.8.1), intervals in microseconds. */
export interface BfdSessionParams {
  /** bfd.DesiredMinTxInterval as configured (the wire value is raised to 1 s while not Up). */
  desiredMinTxUs: number;
  /** bfd.RequiredMinRxInterval; 0 asks the peer to send no periodic packets (RFC 5880 6.8.1). */
  requiredMinRxUs: number;
  /** bfd.DetectMult. */
  detectMult: number;
  /** RFC 5880 6.1: a passive system sends nothing until it has heard from the peer. */
  passive: boolean;
}

/** RFC 5880 6.7: the session's authentication type, its keys by Key ID, and the key to send. */
export interface BfdFsmAuth {
  type: Exclude<BfdAuthType, BfdAuthType.Reserved>;
  keys: ReadonlyMap<number, BfdAuthKey>;
  txKeyId: number;
}

/** RFC 5880 6.8.1 state variables plus the timer bookkeeping the runtime needs. */
export interface BfdFsmState {
  readonly params: BfdSessionParams;
  /** A change that must wait for the running Poll Sequence to end (RFC 5880 6.5). */
  readonly queuedParams: BfdSessionParams | undefined;
  readonly auth: BfdFsmAuth | undefined;
  readonly sessionState: BfdState;
  readonly remoteSessionState: BfdState;
  readonly localDiscr: number;
  readonly remoteDiscr: number;
  readonly localDiag: BfdDiagnostic;
  readonly remoteDiag: BfdDiagnostic;
  /** bfd.DesiredMinTxInterval as advertised now. */
  readonly desiredMinTxUs: number;
  /** bfd.RequiredMinRxInterval as advertised now. */
  readonly requiredMinRxUs: number;
  /** Desired Min TX used for our own transmit interval (lags an increase until Final). */
  readonly txInUseUs: number;
  /** Required Min RX used for our Detection Time (lags a decrease until Final). */
  readonly rxInUseUs: number;
  readonly detectMult: number;
  readonly remoteMinRxUs: number;
  readonly remoteDesiredMinTxUs: number;
  readonly remoteDetectMult: number;
  readonly remoteDemandMode: boolean;
  readonly remoteMinEchoRxUs: number;
  readonly pollActive: boolean;
  readonly authSeqKnown: boolean;
  readonly rcvAuthSeq: number;
  readonly xmitAuthSeq: number;
  /** Clock ms of the last valid packet (for Detection Time and the auth sequence reset). */
  readonly lastRxAt: number | undefined;
  /** Clock ms of the last transmit opportunity (sent, or skipped by 6.8.7's rules). */
  readonly lastTxAt: number | undefined;
  /** Clock ms at which the Detection Time expires; undefined while no detection runs. */
  readonly detectionDeadline: number | undefined;
  /** Clock ms of the next periodic transmission and the interval it was drawn for. */
  readonly nextTxAt: number | undefined;
  readonly txIntervalUs: number;
}

export type BfdAction =
  | { type: 'send'; packet: BfdControlPacket; bytes: Buffer; final: boolean }
  /** (Re)arm the single transmit timer to fire at clock time `at`. */
  | { type: 'armTx'; at: number }
  /** (Re)arm the single detection timer to fire at clock time `at`. */
  | { type: 'armDetection'; at: number }
  | { type: 'cancelDetection' }
  | { type: 'stateChange'; from: BfdState; to: BfdState; diagnostic: BfdDiagnostic }
  | { type: 'pollStarted' }
  | { type: 'pollComplete' };

export interface BfdStep {
  state: BfdFsmState;
  actions: BfdAction[];
  /** Set when the event was a received packet that RFC 5880 6.8.6 discards. */
  discard?: BfdDiscardReason;
}
