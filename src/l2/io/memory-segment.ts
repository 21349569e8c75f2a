/**
 * The in-memory twin of a lab segment (a bridge): ports attach with a MAC, a frame goes to
 * every other port when its destination is a group address (broadcast, multicast) and to the
 * port of that MAC otherwise, as a learning switch forwards once it knows every station.
 * Delivery is on a microtask, never inside `send`, so handlers may answer at once.
 */
import { formatMac } from '../wire/mac.js';
import type { L2Port } from '../port.js';

interface Attached {
  mac: string;
  handlers: ((frame: Buffer) => void)[];
}

export class MemorySegment {
  private readonly ports = new Set<Attached>();
  /** Frames carried, for tests and the bench. */
  framesCarried = 0;
  /** true: the frame between these two MACs is lost (a link that is down). */
  private drop: (from: string, to: string) => boolean = () => false;

  setFilter(drop: (from: string, to: string) => boolean): void {
    this.drop = drop;
  }

  attach(mac: string): L2Port {
    const self: Attached = { mac, handlers: [] };
    this.ports.add(self);
    return {
      mac,
      send: (frame) => this.carry(self, frame),
      onFrame: (h) => void self.handlers.push(h),
      close: async () => void this.ports.delete(self),
    };
  }

  private carry(from: Attached, frame: Buffer): void {
    if (!this.ports.has(from) || frame.length < 14) return;
    this.framesCarried++;
    const destination = formatMac(frame, 0);
    const group = (frame[0]! & 1) === 1;
    const copy = Buffer.from(frame);
    for (const p of this.ports) {
      if (p === from || (!group && p.mac !== destination) || this.drop(from.mac, p.mac)) continue;
      queueMicrotask(() => {
        if (this.ports.has(p)) for (const h of p.handlers) h(copy);
      });
    }
  }
}
