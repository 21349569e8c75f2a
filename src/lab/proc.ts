import { readFileSync, rmSync, writeFileSync } from 'node:fs';

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

/**
 * One attempt at a lock file (created with O_EXCL, holding our pid). True when taken; false when
 * another live process holds it, or when a dead holder's file was just removed (try again).
 */
export function tryLock(path: string): boolean {
  try {
    writeFileSync(path, String(process.pid), { mode: 0o600, flag: 'wx' });
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  let holder = 0;
  try {
    holder = Number(readFileSync(path, 'utf8'));
  } catch {
    return false; // Released between our attempt and the read.
  }
  // An empty file is a holder between its create and its write: alive.
  if (holder > 0 && !isAlive(holder)) rmSync(path, { force: true });
  return false;
}
