/**
 * A node's or router's attachment to a segment: raw Ethernet frames out and in. The netns and
 * compose labs give each simulated node an AF_PACKET socket on a veth of its own
 * (io/packet-socket.ts); builtin labs an in-memory segment (io/memory-segment.ts).
 */
export interface L2Port {
  /** The port's own MAC: the source of what it sends. */
  readonly mac: string;
  send(frame: Buffer): void;
  /** Every frame that arrives (broadcast, multicast, or to this MAC). */
  onFrame(handler: (frame: Buffer) => void): void;
  close(): Promise<void>;
}
