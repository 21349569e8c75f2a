/**
 * Sees every BFD control packet a node speaker sends and receives, for the run's pcap file,
 * by wrapping its transport; packets pass through unchanged.
 */
import type { BfdEndpointAddress, BfdTransport, BfdTxChannel } from '../../bfd/io/transport.js';

export type BfdTapHandler = (
  from: BfdEndpointAddress,
  to: BfdEndpointAddress,
  payload: Buffer,
) => void;

export function tapBfdTransport(t: BfdTransport, tap: BfdTapHandler): BfdTransport {
  return {
    get local() {
      return t.local;
    },
    onDatagram(handler) {
      t.onDatagram((d) => {
        tap(d.from, d.to, d.payload);
        handler(d);
      });
    },
    async openTxChannel(): Promise<BfdTxChannel> {
      const c = await t.openTxChannel();
      return {
        get local() {
          return c.local;
        },
        get sendErrors() {
          return c.sendErrors;
        },
        send(payload, to) {
          c.send(payload, to);
          tap(c.local, to, payload);
        },
        close: () => c.close(),
      };
    },
    settleReceive: (fn) => t.settleReceive(fn),
    close: () => t.close(),
  };
}
