/**
 * Time limits for benchmark steps: a bench that waits on a daemon (gobgpd, bird, FRR) must end
 * with a message naming the step that hung instead of hanging (bench:frr-push once sat in its
 * GoBGP part for 15 minutes). Every wait goes through `step`; a daemon is stopped with
 * `stopChild`, SIGTERM then SIGKILL, so cleanup itself cannot hang either.
 */
import type { ChildProcess } from 'node:child_process';
import { type Clock, SystemClock } from '../src/core/clock.js';
import { SpeakersimError } from '../src/core/errors.js';

export class BenchStepTimeoutError extends SpeakersimError {
  constructor(
    readonly step: string,
    readonly limitMs: number,
  ) {
    super(
      'ERR_BENCH_STEP_TIMEOUT',
      `bench step "${step}" did not finish within ${(limitMs / 1000).toFixed(1)} s`,
    );
  }
}

/**
 * Runs `work`, or rejects with BenchStepTimeoutError once `limitMs` of `clock` time pass. The
 * signal given to `work` is aborted on timeout, so it can stop what it started (kill a child,
 * stop polling). A synchronous block inside `work` cannot be interrupted: use async children.
 */
export async function step<T>(
  name: string,
  limitMs: number,
  work: (signal: AbortSignal) => Promise<T>,
  clock: Clock = new SystemClock(),
): Promise<T> {
  const abort = new AbortController();
  let timer: { cancel(): void } | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = clock.setTimer(limitMs, () => {
      const err = new BenchStepTimeoutError(name, limitMs);
      abort.abort(err);
      reject(err);
    });
  });
  try {
    return await Promise.race([work(abort.signal), timeout]);
  } finally {
    timer?.cancel();
  }
}

/** Polls `cond` every `everyMs` until it holds; stops when `signal` aborts. */
export async function until(
  cond: () => Promise<boolean>,
  signal: AbortSignal,
  everyMs = 20,
): Promise<void> {
  while (!signal.aborted && !(await cond())) {
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Stops a child: SIGTERM, then SIGKILL if it is still running after `graceMs`. */
export async function stopChild(child: ChildProcess, graceMs = 5_000): Promise<void> {
  // Never started (spawn failed), or already ended.
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  try {
    await step(`stop ${child.spawnfile}`, graceMs, () => exited);
  } catch {
    child.kill('SIGKILL');
    await exited;
  }
}
