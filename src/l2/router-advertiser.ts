/**
 * A node's Router Advertisements on an unnumbered BGP link. FRR (and any speaker that
 * implements `neighbor IFACE interface`) learns its peer's link-local address from the RAs it
 * hears on the interface; frr-k8s's FRR sends them from the node for that reason. One goes out
 * at once, then one every `intervalMs` (FRR's own interval for unnumbered links is 10 s,
 * BGP_UNNUM_DEFAULT_RA_INTERVAL; 3 s here so a restarted router finds the node sooner), with
 * router lifetime 0: the node is no default router for anyone (RFC 4861 4.2, 6.3.4), so the
 * lab keeps its no-default-route rule.
 */
import type { Clock, Timer } from '../core/clock.js';
import { routerAdvertisementFrame } from './wire/frames.js';
import type { L2Port } from './port.js';

export const RA_INTERVAL_MS = 3_000;

export class RouterAdvertiser {
  private timer: Timer | undefined;
  private stopped = false;
  /** RAs sent so far. */
  sent = 0;

  constructor(
    private readonly port: L2Port,
    private readonly clock: Clock,
    private readonly intervalMs = RA_INTERVAL_MS,
  ) {}

  start(): void {
    if (this.timer || this.stopped) return;
    this.send();
  }

  private send(): void {
    this.port.send(routerAdvertisementFrame(this.port.mac));
    this.sent += 1;
    this.timer = this.clock.setTimer(this.intervalMs, () => this.send());
  }

  /** Stops sending (the port is the caller's to close). */
  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = undefined;
  }
}
