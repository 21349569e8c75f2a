/**
 * speakersim L2: MetalLB's layer 2 mode on the wire. RFC 826 (ARP), RFC 4861 (neighbor
 * discovery: 7.2.4 solicited and 7.2.6 unsolicited advertisements, 7.2.5 how a cache takes
 * them), RFC 4443 (ICMPv6 checksum), RFC 2464 (IPv6 multicast over Ethernet).
 *
 * Data flow: the node speaker's L2 election (src/metallb/l2.ts) -> L2Responder.announce(ips)
 * -> gratuitous ARP / unsolicited NA bursts on the node's L2Port; frames in -> decodeFrame
 * (wire/, pure) -> ARP request or NS for an announced IP -> reply with the port's MAC. Ports:
 * io/packet-socket.ts (AF_PACKET on the node's own veth: netns, compose), io/memory-segment.ts
 * (builtin, where NeighborCache models each router's table).
 */
export { L2Responder, GRATUITOUS_DURATION_MS, GRATUITOUS_INTERVAL_MS } from './responder.js';
export type { L2ResponderCounters, L2ResponderStats } from './responder.js';
export { NeighborCache, type NeighborEntry, type NeighborState } from './neighbor-cache.js';
export { MemorySegment } from './io/memory-segment.js';
export { openPacketPort, L2SocketError } from './io/packet-socket.js';
export type { L2Port } from './port.js';
export * from './wire/index.js';
