import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * Temporary folders the API server makes (the kubeconfig's /tmp/speakersim-kube-*), removed on
 * every way out: close(), a normal exit or an uncaught error ('exit' runs synchronously, so
 * removal is synchronous too) and SIGINT/SIGTERM. On a signal the folders go first; when no
 * one else handles that signal the process then dies of it, as it would have without us;
 * otherwise the other handler (a CLI's graceful shutdown) decides when to exit.
 */

const owned = new Set<string>();
let installed = false;

function removeAll(): void {
  for (const dir of owned) removeNow(dir);
}

function removeNow(dir: string): void {
  try {
    fs.rmSync(dir, { recursive: true, force: true });
  } catch {
    // Nothing more can be done on the way out.
  }
  owned.delete(dir);
}

function onSignal(signal: NodeJS.Signals): void {
  removeAll();
  if (process.listenerCount(signal) === 1) {
    uninstall();
    process.kill(process.pid, signal);
  }
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', removeAll);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

function uninstall(): void {
  if (!installed) return;
  installed = false;
  process.off('exit', removeAll);
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
}

/** Makes a folder under the OS temp folder that is removed when the process ends, at latest. */
export function makeOwnedTempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  owned.add(dir);
  install();
  return dir;
}

/** Removes a folder made by makeOwnedTempDir now. */
export function removeOwnedTempDir(dir: string): void {
  if (!owned.has(dir)) return;
  removeNow(dir);
  if (owned.size === 0) uninstall();
}

/** Folders still to be removed (for tests). */
export function ownedTempDirs(): string[] {
  return [...owned];
}
