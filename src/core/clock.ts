/**
 * Time is injected everywhere: protocol code asks a Clock, never `Date` or
 * the global timers. SystemClock runs on real time; ManualClock is virtual time for exact unit
 * tests and deterministic scenarios against builtin peers.
 */

export interface Timer {
  cancel(): void;
}

export interface Clock {
  /** Monotonic milliseconds (fractional allowed). Only differences are meaningful. */
  now(): number;
  /** Wall-clock milliseconds since the Unix epoch, for timestamps that users see. */
  wallNow(): number;
  /** Runs `fn` once after `ms` milliseconds of this clock's time. */
  setTimer(ms: number, fn: () => void): Timer;
}

export class SystemClock implements Clock {
  now(): number {
    return performance.now();
  }

  wallNow(): number {
    return Date.now();
  }

  setTimer(ms: number, fn: () => void): Timer {
    return new SystemTimer(setTimeout(fn, Math.max(0, ms)));
  }
}

/** A Node timer as a Timer: one small object, no closure per timer. */
class SystemTimer implements Timer {
  constructor(private readonly handle: NodeJS.Timeout) {}

  cancel(): void {
    clearTimeout(this.handle);
  }
}

interface PendingTimer {
  at: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

/**
 * Virtual time. Timers fire only inside `advance`/`runUntilIdle`, in deadline order, ties in
 * the order they were set, each seeing `now()` equal to its own deadline.
 */
export class ManualClock implements Clock {
  private current: number;
  private readonly wallOffset: number;
  private seq = 0;
  private timers: PendingTimer[] = [];

  /** @param wallStart wall-clock ms that virtual time 0 corresponds to. */
  constructor(wallStart = Date.UTC(2026, 0, 1, 0, 0, 0), start = 0) {
    this.current = start;
    this.wallOffset = wallStart - start;
  }

  now(): number {
    return this.current;
  }

  wallNow(): number {
    return this.current + this.wallOffset;
  }

  setTimer(ms: number, fn: () => void): Timer {
    const t: PendingTimer = {
      at: this.current + Math.max(0, ms),
      seq: this.seq++,
      fn,
      cancelled: false,
    };
    this.timers.push(t);
    return {
      cancel: () => {
        t.cancelled = true;
      },
    };
  }

  /** Number of timers still waiting to fire. */
  pending(): number {
    return this.timers.filter((t) => !t.cancelled).length;
  }

  /** Deadline of the next timer, or undefined when none is set. */
  nextDeadline(): number | undefined {
    const next = this.popOrder()[0];
    return next?.at;
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way. */
  advance(ms: number): void {
    this.advanceTo(this.current + ms);
  }

  advanceTo(target: number): void {
    for (;;) {
      const next = this.popOrder()[0];
      if (!next || next.at > target) break;
      this.timers = this.timers.filter((t) => t !== next);
      this.current = Math.max(this.current, next.at);
      next.fn();
    }
    this.current = Math.max(this.current, target);
  }

  /**
   * Fires timers until none is left or `limit` ms of virtual time have passed; returns the
   * virtual time spent. Guards against timers that re-arm forever.
   */
  runUntilIdle(limit = 3_600_000): number {
    const start = this.current;
    for (;;) {
      const next = this.popOrder()[0];
      if (!next || next.at - start > limit) break;
      this.advanceTo(next.at);
    }
    return this.current - start;
  }

  private popOrder(): PendingTimer[] {
    this.timers = this.timers.filter((t) => !t.cancelled);
    return [...this.timers].sort((a, b) => a.at - b.at || a.seq - b.seq);
  }
}
