/**
 * BFD transports: RFC 5881 (single hop, UDP 3784) and RFC 5883 (multihop, UDP 4784).
 * Received datagram -> BfdTransport.onDatagram handler (the session table decodes and routes);
 * a session's packets -> its BfdTxChannel, bound to a source port in 49152-65535 unique per
 * session (RFC 5881 4), sent with TTL 255 (RFC 5881 5).
 *
 * node:dgram cannot read a received packet's TTL, so the GTSM check of RFC 5881 5 (discard
 * unless TTL 255) and RFC 5883's minimum TTL run in the kernel: ttl-filter.ts.
 * Echo packets (UDP 3785) are not implemented: sessions asking for echo are refused with
 * BfdEchoNotSupportedError.
 */
export * from './transport.js';
export * from './source-port.js';
export * from './udp-transport.js';
export * from './memory-transport.js';
