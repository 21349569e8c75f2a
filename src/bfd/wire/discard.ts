import { SpeakersimError } from '../../core/errors.js';

/**
 * Every reason RFC 5880 6.8.6 (and the authentication rules of 6.7) gives for discarding a
 * received Control packet, plus the ones the runtime adds (no session, local AdminDown). A bad
 * packet is counted under exactly one reason and dropped; it never throws past the receive path.
 */
export const BFD_DISCARD_REASONS = [
  /** Shorter than the mandatory section: no field can be read safely. */
  'truncated',
  /** RFC 5880 6.8.6: "If the version number is not correct (1), the packet MUST be discarded." */
  'bad-version',
  /** RFC 5880 6.8.6: Length < 24, or < 26 with the A bit set. */
  'length-too-short',
  /** RFC 5880 6.8.6: Length greater than the payload of the encapsulating protocol. */
  'length-exceeds-payload',
  /** RFC 5880 6.8.6: Detect Mult is zero. */
  'detect-mult-zero',
  /** RFC 5880 6.8.6: the Multipoint (M) bit is nonzero. */
  'multipoint-set',
  /** RFC 5880 6.8.6: My Discriminator is zero. */
  'my-discriminator-zero',
  /** RFC 5880 6.8.6: Your Discriminator is zero and State is neither Down nor AdminDown. */
  'your-discriminator-zero-not-down',
  /** RFC 5880 6.8.6: no session matches Your Discriminator (or the addresses when it is 0). */
  'no-session',
  /** RFC 5880 6.8.6: A bit set but the session uses no authentication. */
  'auth-unexpected',
  /** RFC 5880 6.8.6: A bit clear but the session uses authentication. */
  'auth-missing',
  /** RFC 5880 4.2-4.4: Auth Len or Auth Type not valid for the section's layout. */
  'auth-malformed',
  /** RFC 5880 6.7: Auth Type differs from the one the session is configured for. */
  'auth-type-mismatch',
  /** RFC 5880 6.7.2-6.7.4: Auth Key ID matches no configured key. */
  'auth-key-unknown',
  /** RFC 5880 6.7.3 / 6.7.4: Sequence Number outside the accepted window. */
  'auth-sequence-out-of-window',
  /** RFC 5880 6.7.2-6.7.4: password, digest or hash does not match. */
  'auth-digest-mismatch',
  /** RFC 5880 6.8.6: "If bfd.SessionState is AdminDown: Discard the packet." */
  'local-admin-down',
  /**
   * The packet names a session (Your Discriminator) but comes from an address other than the
   * session's peer: RFC 5881 3 / RFC 5883 4 bind a session to its (local, peer) address pair,
   * and RFC 5880 9 asks for protection against spoofed packets. Without this check one forged
   * Down from any host that learned a discriminator tears the BGP session beside it down.
   */
  'source-address-mismatch',
  /** A single-hop packet on the multihop port or the reverse (RFC 5881 4 / RFC 5883 5). */
  'hop-mode-mismatch',
  /**
   * My Discriminator differs from bfd.RemoteDiscr while Up: RFC 5880 6.8.1 lets bfd.RemoteDiscr
   * change only after a Detection Time without valid packets, so a different value while Up is
   * not the peer of this session (RFC 5880 9: spoofing).
   */
  'remote-discriminator-changed',
  /**
   * RFC 5881 5: without authentication, "All received BFD Control packets that are
   * demultiplexed to the session MUST be discarded if the received TTL or Hop Limit is not
   * equal to 255" (checked where the transport reports the TTL).
   */
  'ttl-not-255',
  /**
   * RFC 5883 5: a multihop session cannot require 255, but "an implementation MAY ... check
   * the TTL ... against a configured minimum" (FRR `minimum-ttl`, BFDProfile minimumTtl).
   */
  'ttl-below-minimum',
] as const;

export type BfdDiscardReason = (typeof BFD_DISCARD_REASONS)[number];

/** Stable error code per reason, e.g. `ERR_BFD_DISCARD_BAD_VERSION`. */
export function discardCode(reason: BfdDiscardReason): string {
  return `ERR_BFD_DISCARD_${reason.toUpperCase().replace(/-/g, '_')}`;
}

/** A received packet that was discarded: typed, carried as a value, never thrown by decode. */
export class BfdPacketDiscarded extends SpeakersimError {
  readonly reason: BfdDiscardReason;

  constructor(reason: BfdDiscardReason, message: string) {
    super(discardCode(reason), message);
    this.reason = reason;
  }
}

export function emptyDiscardCounters(): Record<BfdDiscardReason, number> {
  return Object.fromEntries(BFD_DISCARD_REASONS.map((r) => [r, 0])) as Record<
    BfdDiscardReason,
    number
  >;
}
