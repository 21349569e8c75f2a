import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { BenchStepTimeoutError, step, stopChild, until } from '../../bench/step.js';

/**
 * The time limits of benchmark steps (issue 15: bench:frr-push hung 15 minutes in its GoBGP
 * part): a step that does not finish fails with its name, tells its work to stop, and a
 * daemon that ignores SIGTERM is killed.
 */

const never = (): Promise<never> => new Promise<never>(() => undefined);

describe('bench step', () => {
  it('returns what the work returns when it finishes in time', async () => {
    const clock = new ManualClock();
    await expect(step('quick', 1_000, async () => 42, clock)).resolves.toBe(42);
    expect(clock.pending()).toBe(0);
  });

  it('fails with ERR_BENCH_STEP_TIMEOUT naming the step, and aborts the work, at the limit', async () => {
    const clock = new ManualClock();
    let aborted: unknown;
    const running = step(
      'gobgp mrt inject of 100000 routes',
      5_000,
      (signal) => {
        signal.addEventListener('abort', () => (aborted = signal.reason));
        return never();
      },
      clock,
    );
    clock.advance(4_999);
    expect(aborted).toBeUndefined();
    clock.advance(1);
    const err = await running.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BenchStepTimeoutError);
    expect(err).toMatchObject({
      code: 'ERR_BENCH_STEP_TIMEOUT',
      step: 'gobgp mrt inject of 100000 routes',
      limitMs: 5_000,
    });
    expect(aborted).toBe(err);
  });

  it('a failing step keeps its own error', async () => {
    const clock = new ManualClock();
    await expect(
      step('fails', 1_000, async () => Promise.reject(new Error('gobgp exited 1')), clock),
    ).rejects.toThrow('gobgp exited 1');
  });

  it('until polls until the condition holds, and stops polling when aborted', async () => {
    let calls = 0;
    await until(async () => ++calls === 3, new AbortController().signal, 1);
    expect(calls).toBe(3);
    const abort = new AbortController();
    let polled = 0;
    const polling = until(
      async () => {
        if (++polled === 2) abort.abort();
        return false;
      },
      abort.signal,
      1,
    );
    await polling;
    expect(polled).toBe(2);
  });

  it('stopChild kills a daemon that ignores SIGTERM after the grace period', async () => {
    const child = spawn('sh', ['-c', 'trap "" TERM; while :; do sleep 1; done'], {
      stdio: 'ignore',
    });
    await new Promise((r) => setTimeout(r, 100));
    const started = performance.now();
    await stopChild(child, 300);
    expect(child.signalCode).toBe('SIGKILL');
    expect(performance.now() - started).toBeLessThan(10_000);
  });

  it('stopChild ends a well-behaved daemon with SIGTERM', async () => {
    const child = spawn('sleep', ['60'], { stdio: 'ignore' });
    await stopChild(child, 5_000);
    expect(child.signalCode).toBe('SIGTERM');
    await stopChild(child); // already stopped: returns at once
  });
});
