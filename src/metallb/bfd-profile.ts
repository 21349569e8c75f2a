/**
 * MetalLB's BFDProfile (metallb.io/v1beta1, docs/metallb-crs.md §10) as BFD
 * session parameters, and the BFD status strings BGPSessionState reports (section 3). The
 * profile arrives validated by config.ts (ranges, names); unset fields stay unset so that
 * FRR bfdd's defaults apply (src/bfd/config.ts: 300 ms, 300 ms, x3).
 */
import type { BfdSessionConfig } from '../bfd/config.js';
import { BFD_STATE_NAMES } from '../bfd/state-names.js';
import type { BfdState } from '../bfd/wire/constants.js';
import type { ParsedBfdProfile } from './config.js';
import { bfdStatusString } from './session-state.js';
import type { BFDStatusString } from './types.js';

/** FRR bfdd's `minimum-ttl` default (multihop sessions). */
export const FRR_DEFAULT_MINIMUM_TTL = 254;
/** FRR bfdd's echo interval default. */
export const FRR_DEFAULT_ECHO_INTERVAL_MS = 50;

export type BfdProfileTimers = Pick<
  BfdSessionConfig,
  'desiredMinTxMs' | 'requiredMinRxMs' | 'detectMult' | 'passive'
>;

export interface BfdProfileSession {
  timers: BfdProfileTimers;
  /**
   * FRR `minimum-ttl` for multihop: the in-memory transport reports received TTLs; over UDP the
   * kernel's socket filter compares them (src/bfd/io/ttl-filter.ts).
   */
  minimumTtl: number;
  /**
   * Set when the profile asks for echo mode. The session still runs, in asynchronous mode
   * (as FRR does where echo cannot run), and the caller reports `reason` (log and Event).
   */
  echoNotTransmitted?: { reason: string };
}

/**
 * The session parameters a BFDProfile gives. Never throws: whatever config.ts accepted runs,
 * and what speakersim cannot do (echo) is returned for the caller to report.
 */
export function bfdProfileSession(
  profile: ParsedBfdProfile | undefined,
  opts: { multihop: boolean },
): BfdProfileSession {
  const session: BfdProfileSession = {
    timers: {
      desiredMinTxMs: profile?.transmitInterval,
      requiredMinRxMs: profile?.receiveInterval,
      detectMult: profile?.detectMultiplier,
      passive: profile?.passiveMode ?? false,
    },
    minimumTtl: profile?.minimumTtl ?? FRR_DEFAULT_MINIMUM_TTL,
  };
  if (profile?.echoMode) {
    const interval = profile.echoInterval ?? FRR_DEFAULT_ECHO_INTERVAL_MS;
    session.echoNotTransmitted = {
      reason: opts.multihop
        ? `BFDProfile ${profile.name}: echoMode is ignored on this multihop session (RFC 5883 3: the Echo function MUST NOT be used over multiple hops); BFD runs in asynchronous mode`
        : `BFDProfile ${profile.name}: echo packets (every ${interval} ms) are not transmitted: speakersim does not implement the optional Echo function (RFC 5880 6.4); BFD runs in asynchronous mode with the profile's Control packet timers and advertises Required Min Echo RX Interval 0, so the peer sends no echo either`,
    };
  }
  return session;
}

/**
 * BGPSessionState.status.bfdStatus for a peer: `N/A` without a BFDProfile, `Unknown` while no
 * BFD session runs for it, otherwise FRR's peerBfdInfo text mapped as frr-status maps it.
 */
export function bfdSessionStatus(
  hasProfile: boolean,
  state: BfdState | undefined,
): BFDStatusString {
  if (!hasProfile) return 'N/A';
  if (state === undefined) return 'Unknown';
  return bfdStatusString(BFD_STATE_NAMES[state].frrNeighbor);
}
