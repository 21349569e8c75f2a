/** RFC 4271 10 timer jitter, with randomness injected so tests are deterministic. */
import type { Random } from '../../core/random.js';

/**
 * RFC 4271 10: jitter SHOULD be applied to ConnectRetryTimer and KeepaliveTimer (and the
 * MinASOrigination/MinRouteAdvertisement timers) by a factor uniformly distributed in
 * [0.75, 1.0], drawn anew each time the timer is set.
 */
export function jitterFactor(random: Random): number {
  const r = random.next();
  // Guard against a Random that strays outside [0, 1): the factor must stay in range.
  const unit = Number.isFinite(r) ? Math.min(Math.max(r, 0), 1) : 0;
  return 0.75 + 0.25 * unit;
}

/** Jittered duration in whole ms; never above `baseMs` and never below 0.75 * `baseMs`. */
export function jittered(random: Random, baseMs: number): number {
  return Math.min(baseMs, Math.ceil(baseMs * jitterFactor(random)));
}

/** RFC 4271 4.4: KEEPALIVEs MUST NOT be sent more often than once per second. */
export const MIN_KEEPALIVE_INTERVAL_MS = 1000;

/** The next KeepaliveTimer duration: jittered, but never under one second. */
export function keepaliveInterval(random: Random, keepaliveMs: number): number {
  return Math.max(MIN_KEEPALIVE_INTERVAL_MS, jittered(random, keepaliveMs));
}
