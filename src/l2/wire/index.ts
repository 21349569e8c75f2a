/**
 * The pure codec of MetalLB's layer 2 mode on the wire: Ethernet II frames, ARP (RFC 826) and
 * IPv6 neighbor solicitation / advertisement (RFC 4861) with the ICMPv6 checksum (RFC 4443).
 * Buffer in, typed value out; no sockets, timers or clock (test/purity.test.ts).
 */
export * from './arp.js';
export * from './errors.js';
export * from './ethernet.js';
export * from './frames.js';
export * from './mac.js';
export * from './ndp.js';
export * from './ra.js';
