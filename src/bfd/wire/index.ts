/**
 * BFD wire codec (pure): RFC 5880 4.1 Control packets and the 4.2-4.4 authentication sections
 * (simple password, keyed and meticulous keyed MD5 / SHA1).
 *
 * Data flow: UDP payload -> decodeControlPacket -> { ok, packet } or a typed discard carrying
 * one BfdDiscardReason (the packet-only checks of RFC 5880 6.8.6) -> the session table and FSM
 * apply the session checks (discriminator lookup, A bit, verifyControlAuth, sequence window).
 * Transmit: BfdControlPacket -> encodeControlPacket / encodeSignedControlPacket -> Buffer.
 * No sockets, timers or clocks here (node:crypto only, for the digests).
 */
export * from './constants.js';
export * from './types.js';
export * from './discard.js';
export * from './decode-control.js';
export * from './encode-control.js';
export * from './auth.js';
