/**
 * Sees every BFD control packet a node speaker sends and receives, for the run's pcap file,
 * by wrapping its transport; packets pass through unchanged.
 */
import {
  interceptBfdTransport,
  type BfdEndpointAddress,
  type BfdTransport,
} from '../../bfd/io/transport.js';

export type BfdTapHandler = (
  from: BfdEndpointAddress,
  to: BfdEndpointAddress,
  payload: Buffer,
) => void;

export function tapBfdTransport(t: BfdTransport, tap: BfdTapHandler): BfdTransport {
  return interceptBfdTransport(t, {
    received: (d) => tap(d.from, d.to, d.payload),
    send(channel, payload, to) {
      channel.send(payload, to);
      tap(channel.local, to, payload);
    },
  });
}
