import type { Random } from '../core/random.js';

/**
 * The local discriminators in use on one system. RFC 5880 6.8.1: bfd.LocalDiscr "MUST be unique
 * across all BFD sessions on this system, and nonzero". A node's routing instances (its default
 * VRF and each VRF it runs) have a session table each, so they share one pool: two tables that
 * drew discriminators on their own could hand the same one to sessions of different VRFs.
 */
export class BfdDiscriminatorPool {
  private readonly used = new Set<number>();

  constructor(private readonly random: Random) {}

  /** A nonzero 32-bit discriminator no session of this system holds; held until release(). */
  allocate(): number {
    // Random values make stale packets from an earlier session unlikely to match; a bounded
    // number of draws, then a scan, so a poor Random cannot loop forever.
    for (let i = 0; i < 64; i++) {
      const d = Math.floor(this.random.next() * 0xffffffff) + 1;
      if (d <= 0xffffffff && !this.used.has(d)) return this.take(d);
    }
    let d = 1;
    while (this.used.has(d)) d++;
    return this.take(d);
  }

  release(discriminator: number): void {
    this.used.delete(discriminator);
  }

  private take(d: number): number {
    this.used.add(d);
    return d;
  }
}
