import { killInFlight } from './exec.js';
import { teardownLab } from './teardown.js';

/**
 * Tears labs down when the process ends: on SIGINT/SIGTERM and on 'exit'. A lab is guarded
 * while `up` runs (so an interrupted `up` leaves nothing) and, when asked, for the whole life of
 * the process (tests, scenario runs). A trainer's `lab up` from the CLI is not guarded after
 * `up` returns: the lab stays up until `lab down`.
 */

const guarded = new Map<string, string>(); // lab -> runRoot
let installed = false;

function teardownAll(): void {
  if (guarded.size === 0) return;
  // An `ip` or daemon start still running could create something after the sweep.
  killInFlight();
  for (const [lab, runRoot] of guarded) {
    try {
      teardownLab(lab, runRoot);
    } catch {
      // Keep going: one lab's failure must not leave the others behind.
    }
  }
  guarded.clear();
}

function onSignal(signal: NodeJS.Signals): void {
  teardownAll();
  uninstall();
  // Die of the same signal, as the default handler would have.
  process.kill(process.pid, signal);
}

const onExit = (): void => teardownAll();

function install(): void {
  if (installed) return;
  installed = true;
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('exit', onExit);
}

function uninstall(): void {
  if (!installed) return;
  installed = false;
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  process.off('exit', onExit);
}

export function guardLab(lab: string, runRoot: string): void {
  guarded.set(lab, runRoot);
  install();
}

export function unguardLab(lab: string): void {
  guarded.delete(lab);
  if (guarded.size === 0) uninstall();
}

export function isGuarded(lab: string): boolean {
  return guarded.has(lab);
}
