/**
 * FSM configuration: what the operator sets (FsmConfig) and the checked, defaulted form the
 * state machine runs on (ResolvedFsmConfig). All times the FSM hands to the runtime are ms;
 * protocol-facing values that travel in seconds on the wire are configured in seconds.
 */
import type { Random } from '../../core/random.js';
import { SpeakersimError } from '../../core/errors.js';
import type { Capability } from '../wire/types.js';
import { AFI_IPV4, SAFI_UNICAST } from '../wire/types.js';
import { parseBgpIdentifier } from './identifier.js';

/** Expected peer AS: a number, or any AS equal to ours ("internal") or different ("external"). */
export type PeerAsnExpectation = number | 'internal' | 'external';

export interface FsmConfig {
  /** Local AS, 1..4294967295. Above 65535 the OPEN carries AS_TRANS (RFC 6793 3). */
  localAsn: number;
  /** Local BGP Identifier, dotted quad, non-zero (RFC 6286 2.1). */
  bgpId: string;
  peerAsn: PeerAsnExpectation;
  /** Hold time offered in our OPEN: 0 or >= 3 (RFC 4271 4.2). Default 90 (RFC 4271 10). */
  holdTimeSeconds?: number;
  /** Keepalive interval; default one third of the hold time (RFC 4271 10, 4.4). */
  keepaliveTimeSeconds?: number;
  /** ConnectRetryTime; default 120 s (RFC 4271 10). */
  connectRetryTimeSeconds?: number;
  /** DelayOpen (RFC 4271 8.1.1): when > 0, wait this long after TCP comes up before OPEN. */
  delayOpenTimeSeconds?: number;
  /** PassiveTcpEstablishment default for ManualStart/AutomaticStart (RFC 4271 8.1.1). */
  passive?: boolean;
  /**
   * Capabilities to advertise. The 4-octet AS capability is always added with localAsn
   * (RFC 6793 3), replacing any given here. Default: IPv4 unicast and route refresh.
   */
  capabilities?: Capability[];
  /**
   * Capability codes (RFC 5492) the peer must advertise; when one is missing the OPEN is
   * refused with 2/7 Unsupported Capability. Codes we do not advertise cannot be required.
   */
  requiredCapabilities?: number[];
  /** SendNOTIFICATIONwithoutOPEN (RFC 4271 8.1.1). Default false. */
  sendNotificationWithoutOpen?: boolean;
  /** CollisionDetectEstablishedState (RFC 4271 8.1.1). Default false. */
  collisionDetectEstablishedState?: boolean;
  /**
   * IdleHoldTime for automatic restarts: after a fault drops a session that was started with
   * an AutomaticStart event, the FSM waits this long in Idle and starts again. Default 1 s.
   */
  idleHoldTimeSeconds?: number;
  /**
   * DampPeerOscillations (RFC 4271 8.1.1): double the idle hold time after each consecutive
   * failure (session dropped before reaching Established again), up to idleHoldMaxSeconds.
   */
  dampPeerOscillations?: boolean;
  /** Cap for the damped idle hold time; default 120 s. */
  idleHoldMaxSeconds?: number;
  /**
   * Make starts wait for the first BfdUp (default false). Without it a BFD session that never
   * came Up neither blocks nor resets BGP, as in FRR, where only an Up -> Down change acts
   * (the seed document shows a session "Established" with BFD "Down").
   */
  waitForBfd?: boolean;
  /**
   * What a failed TCP connection attempt leads to. 'idle' (default) is RFC 4271 8.2.2 to the
   * letter: Idle, then an automatic restart after the IdleHoldTimer. 'active' is what FRR and
   * BIRD do, and so what MetalLB's BGPSessionState shows for an unreachable peer: stay in
   * Active with the ConnectRetryTimer running, and try again (Connect) when it expires.
   */
  connectFailure?: 'idle' | 'active';
  /** Jitter source for ConnectRetryTimer and KeepaliveTimer (RFC 4271 10). */
  random: Random;
}

export interface ResolvedFsmConfig {
  readonly localAsn: number;
  readonly bgpId: string;
  readonly peerAsn: PeerAsnExpectation;
  readonly holdTimeSeconds: number;
  readonly keepaliveTimeMs: number;
  readonly connectRetryTimeMs: number;
  readonly delayOpenTimeMs: number;
  readonly passive: boolean;
  readonly capabilities: readonly Capability[];
  readonly requiredCapabilities: readonly number[];
  readonly sendNotificationWithoutOpen: boolean;
  readonly collisionDetectEstablishedState: boolean;
  readonly idleHoldTimeMs: number;
  readonly dampPeerOscillations: boolean;
  readonly idleHoldMaxMs: number;
  readonly waitForBfd: boolean;
  readonly connectFailure: 'idle' | 'active';
  readonly random: Random;
}

/** A configuration the FSM cannot run with. `field` names the offending setting. */
export class FsmConfigError extends SpeakersimError {
  readonly field: string;

  constructor(field: string, message: string) {
    super('ERR_BGP_FSM_CONFIG_INVALID', `${field}: ${message}`);
    this.field = field;
  }
}

/** RFC 8.2.2 suggests 4 minutes for the HoldTimer while waiting for the peer's OPEN. */
export const LARGE_HOLD_TIME_MS = 240_000;

const MAX_ASN = 0xffffffff;
const MAX_HOLD_SECONDS = 0xffff;

function seconds(field: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (!Number.isFinite(v) || v < 0) throw new FsmConfigError(field, 'must be a finite number >= 0');
  return v;
}

/** Checks a configuration and fills in the defaults; throws FsmConfigError. */
export function resolveConfig(config: FsmConfig): ResolvedFsmConfig {
  const { localAsn, peerAsn } = config;
  // RFC 7607 2: AS 0 is reserved and never a valid local or peer AS.
  if (!Number.isInteger(localAsn) || localAsn < 1 || localAsn > MAX_ASN)
    throw new FsmConfigError('localAsn', 'must be an integer in 1..4294967295');
  if (
    typeof peerAsn === 'number' &&
    (!Number.isInteger(peerAsn) || peerAsn < 1 || peerAsn > MAX_ASN)
  )
    throw new FsmConfigError('peerAsn', 'must be an integer in 1..4294967295');
  if (typeof peerAsn !== 'number' && peerAsn !== 'internal' && peerAsn !== 'external')
    throw new FsmConfigError('peerAsn', "must be a number, 'internal' or 'external'");
  const id = parseBgpIdentifier(config.bgpId);
  // RFC 6286 2.1: the BGP Identifier is a non-zero 4-octet unsigned integer.
  if (id === undefined || id === 0)
    throw new FsmConfigError('bgpId', 'must be a non-zero dotted-quad identifier');

  const hold = seconds('holdTimeSeconds', config.holdTimeSeconds, 90);
  // RFC 4271 4.2: the Hold Time MUST be either zero or at least three seconds.
  if (!Number.isInteger(hold) || hold > MAX_HOLD_SECONDS || hold === 1 || hold === 2)
    throw new FsmConfigError('holdTimeSeconds', 'must be 0 or an integer in 3..65535');
  const keepalive = seconds('keepaliveTimeSeconds', config.keepaliveTimeSeconds, hold / 3);
  if (hold > 0 && keepalive <= 0)
    throw new FsmConfigError('keepaliveTimeSeconds', 'must be > 0 when the hold time is not 0');
  const connectRetry = seconds('connectRetryTimeSeconds', config.connectRetryTimeSeconds, 120);
  if (connectRetry <= 0) throw new FsmConfigError('connectRetryTimeSeconds', 'must be > 0');
  const delayOpen = seconds('delayOpenTimeSeconds', config.delayOpenTimeSeconds, 0);
  const idleHold = seconds('idleHoldTimeSeconds', config.idleHoldTimeSeconds, 1);
  const idleHoldMax = seconds('idleHoldMaxSeconds', config.idleHoldMaxSeconds, 120);
  if (idleHoldMax < idleHold)
    throw new FsmConfigError('idleHoldMaxSeconds', 'must be >= idleHoldTimeSeconds');

  const given = config.capabilities ?? [
    { kind: 'multiprotocol', afi: AFI_IPV4, safi: SAFI_UNICAST },
    { kind: 'route-refresh' },
  ];
  // RFC 6793 3: a 4-octet-capable speaker advertises the capability carrying its real AS.
  const capabilities: Capability[] = [
    ...given.filter((c) => c.kind !== 'four-octet-as'),
    { kind: 'four-octet-as', asn: localAsn },
  ];
  const required = config.requiredCapabilities ?? [];
  for (const code of required) {
    if (!Number.isInteger(code) || code < 0 || code > 255)
      throw new FsmConfigError('requiredCapabilities', 'codes are integers in 0..255');
  }

  return {
    localAsn,
    bgpId: config.bgpId,
    peerAsn,
    holdTimeSeconds: hold,
    keepaliveTimeMs: Math.round(keepalive * 1000),
    connectRetryTimeMs: Math.round(connectRetry * 1000),
    delayOpenTimeMs: Math.round(delayOpen * 1000),
    passive: config.passive ?? false,
    capabilities,
    requiredCapabilities: [...required],
    sendNotificationWithoutOpen: config.sendNotificationWithoutOpen ?? false,
    collisionDetectEstablishedState: config.collisionDetectEstablishedState ?? false,
    idleHoldTimeMs: Math.round(idleHold * 1000),
    dampPeerOscillations: config.dampPeerOscillations ?? false,
    idleHoldMaxMs: Math.round(idleHoldMax * 1000),
    waitForBfd: config.waitForBfd ?? false,
    connectFailure: config.connectFailure ?? 'idle',
    random: config.random,
  };
}
