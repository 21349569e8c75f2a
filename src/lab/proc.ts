import { readFileSync } from 'node:fs';

/**
 * Process liveness and a synchronous sleep, for the code paths (teardown from a signal or the
 * 'exit' hook) that cannot wait asynchronously.
 */

/** True while the process exists and is not a zombie (zombies are only waiting to be reaped). */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

const sleepCell = new Int32Array(new SharedArrayBuffer(4));
export function sleepSync(ms: number): void {
  Atomics.wait(sleepCell, 0, 0, ms);
}
