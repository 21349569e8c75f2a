/**
 * Giving freed C heap back to the system in long-running processes (`speakersim run`,
 * `lab up`). After a burst, such as thousands of sessions coming up and their status writes,
 * glibc's malloc keeps the memory that was freed (V8's compiler zones, parser and serialiser
 * buffers, on several arenas) mapped: the process's RSS stays at the burst's level although
 * nothing uses it. malloc_trim(3) hands the free pages of every arena back. bench:scale measured
 * 28 MiB returned at 2,000 sessions (BENCHMARKS.md section 11).
 *
 * Where koffi or glibc's malloc_trim is missing (another libc), nothing is released and the
 * process keeps running as before: this is an optimisation, not behaviour.
 */
import { setFlagsFromString } from 'node:v8';
import type { Clock, Timer } from './clock.js';
import { loadLibc } from './libc.js';

let compacting = false;

/**
 * Has V8 compact old space on every full GC (`--compact-on-every-full-gc`), for the rest of the
 * process. By default a full GC moves at most a few MiB of live objects out of fragmented pages,
 * so after a burst the old space stays committed at its peak: at 10,000 sessions 585 MiB with
 * 381 MiB used, ~20 KiB a session of RSS that nothing used. With this flag the next full GC
 * (V8's own, e.g. its memory reducer once the process is idle) gives the free pages back: at
 * 2,000 sessions, in one process, heap committed went from 199 MiB to 167 (old space 113 MiB
 * committed, 112 used) and RSS from 331 MiB to 300. The cost is CPU in
 * full GCs, which are rare once sessions are up. Set by long-running sessions (real time).
 */
export function compactOnFullGc(): void {
  if (compacting) return;
  compacting = true;
  setFlagsFromString('--compact-on-every-full-gc');
}

let trim: ((pad: number) => number) | null | undefined;

/** malloc_trim(0): true when memory was released, false when none was or it is unavailable. */
export function releaseFreedCHeap(): boolean {
  if (trim === undefined) {
    try {
      trim = loadLibc().func('int malloc_trim(size_t)');
    } catch {
      trim = null;
    }
  }
  return trim ? trim(0) === 1 : false;
}

export interface IdleReleaseOptions {
  /** Injected for tests; default: real time, on timers that do not keep the process alive. */
  clock?: Pick<Clock, 'setTimer'>;
  /** True while work is in flight (reconciles, queued status writes): no release then. */
  busy: () => boolean;
  /** How often to look, ms (default 10,000). */
  intervalMs?: number;
  /** Release only when RSS grew by this much since the last release, bytes (default 16 MiB). */
  growthBytes?: number;
  /** Injected for tests: the process's RSS and the release itself. */
  rss?: () => number;
  release?: () => boolean;
}

/**
 * Every `intervalMs`, when the watched work is idle and RSS has grown by `growthBytes` since the
 * last release (or since the start), releases freed C heap. In steady state RSS does not grow,
 * so this does nothing; after a burst it runs once the burst is over.
 */
export class IdleMemoryRelease {
  private timer: Timer | undefined;
  private base: number;
  private readonly rss: () => number;
  private readonly release: () => boolean;
  /** Releases done so far. */
  releases = 0;

  constructor(private readonly options: IdleReleaseOptions) {
    this.rss = options.rss ?? (() => process.memoryUsage.rss());
    this.release = options.release ?? releaseFreedCHeap;
    this.base = this.rss();
    this.arm();
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }

  private arm(): void {
    const ms = this.options.intervalMs ?? 10_000;
    const fire = (): void => {
      this.tick();
      if (this.timer) this.arm();
    };
    if (this.options.clock) {
      this.timer = this.options.clock.setTimer(ms, fire);
    } else {
      const handle = setTimeout(fire, ms).unref();
      this.timer = { cancel: () => clearTimeout(handle) };
    }
  }

  private tick(): void {
    if (this.options.busy()) return;
    if (this.rss() - this.base < (this.options.growthBytes ?? 16 * 1024 * 1024)) return;
    this.release();
    this.releases++;
    this.base = this.rss();
  }
}
