import type { Random } from '../../core/random.js';

/**
 * Timer arithmetic of RFC 5880 6.8.2-6.8.4 and 6.8.7. Intervals are microseconds (as on the
 * wire); results meant for a Clock are milliseconds.
 */

/** RFC 5880 6.8.3: while not Up, bfd.DesiredMinTxInterval MUST be at least one second. */
export const SLOW_TX_US = 1_000_000;

/** RFC 5880 6.8.1: bfd.RemoteMinRxInterval "MUST be initialized to 1". */
export const INITIAL_REMOTE_MIN_RX_US = 1;

/** RFC 5880 6.8.3: the advertised Desired Min TX, never below 1 s unless the session is Up. */
export function advertisedDesiredMinTxUs(configuredUs: number, up: boolean): number {
  return up ? configuredUs : Math.max(configuredUs, SLOW_TX_US);
}

/**
 * RFC 5880 6.8.2 / 6.8.7: the transmit interval is the larger of the local Desired Min TX and
 * the remote Required Min RX ("the system reporting the slower rate determines the transmission
 * rate"). Zero means the remote asked for no periodic packets (6.8.7).
 */
export function negotiatedTxIntervalUs(localDesiredMinTxUs: number, remoteMinRxUs: number): number {
  if (remoteMinRxUs === 0) return 0;
  return Math.max(localDesiredMinTxUs, remoteMinRxUs);
}

/**
 * RFC 5880 6.8.4: in Asynchronous mode the Detection Time is the remote Detect Mult times the
 * larger of the local Required Min RX and the last received Desired Min TX.
 */
export function detectionTimeUs(
  remoteDetectMult: number,
  localRequiredMinRxUs: number,
  remoteDesiredMinTxUs: number,
): number {
  return remoteDetectMult * Math.max(localRequiredMinRxUs, remoteDesiredMinTxUs);
}

/**
 * RFC 5880 6.8.7: "The periodic transmission of BFD Control packets MUST be jittered on a
 * per-packet basis by up to 25%, that is, the interval MUST be reduced by a random value of 0 to
 * 25%" and "If bfd.DetectMult is equal to 1, the interval between transmitted BFD Control
 * packets MUST be no more than 90% of the negotiated transmission interval, and MUST be no less
 * than 75%". Returns microseconds in [75%, 100%) or [75%, 90%].
 */
export function jitteredIntervalUs(intervalUs: number, detectMult: number, random: Random): number {
  const spread = detectMult === 1 ? 0.15 : 0.25;
  return intervalUs * (0.75 + spread * random.next());
}

export function usToMs(us: number): number {
  return us / 1000;
}
