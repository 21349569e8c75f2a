import { readFileSync, readdirSync } from 'node:fs';
import { runSync } from './exec.js';
import { isAlive, sleepSync } from './proc.js';

export { isAlive, sleepSync };

/**
 * Looks at and removes kernel objects (namespaces, links, nft tables, processes) by name.
 * Synchronous on purpose: teardown must also run from the process 'exit' hook, where nothing
 * asynchronous runs, and one code path for every exit path is easier to trust.
 */

/** Names from `ip netns list` output ("name (id: 3)" or "name"). */
export function parseNetnsList(output: string): string[] {
  return output
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0] ?? '')
    .filter((n) => n !== '');
}

export function listNamespaces(): string[] {
  return parseNetnsList(runSync(['ip', 'netns', 'list']).stdout);
}

/** Interface names from `ip -j link show` output. */
export function parseLinkJson(output: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(output || '[]');
  } catch {
    return [];
  }
  if (!Array.isArray(parsed)) return [];
  return parsed
    .map((l: unknown) =>
      typeof l === 'object' && l !== null && 'ifname' in l ? String(l.ifname) : '',
    )
    .filter((n) => n !== '');
}

export function listLinks(): string[] {
  return parseLinkJson(runSync(['ip', '-j', 'link', 'show']).stdout);
}

/** `nft list tables` lines: "table inet ssim_x" -> [{family, name}]. */
export function parseNftTables(output: string): { family: string; name: string }[] {
  return output
    .split('\n')
    .map((l) => /^table\s+(\S+)\s+(\S+)/.exec(l.trim()))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ family: m[1] ?? '', name: m[2] ?? '' }));
}

export function namespacePids(namespace: string): number[] {
  const r = runSync(['ip', 'netns', 'pids', namespace], { allowFailure: true });
  return r.stdout
    .split('\n')
    .map((l) => Number(l.trim()))
    .filter((n) => Number.isInteger(n) && n > 0);
}

/** PIDs whose command line mentions `needle` (e.g. a lab's run directory). */
export function pidsWithArgument(needle: string): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (cmdline.includes(needle) && Number(entry) !== process.pid) out.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return out;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // Already gone.
  }
}

/** SIGTERM, then SIGKILL after `graceMs`; returns the pids that are still alive (normally none). */
export function killAndWait(pids: number[], graceMs = 3000): number[] {
  const mine = pids.filter((p) => p !== process.pid && p > 1);
  for (const p of mine) signal(p, 'SIGTERM');
  const waitUntilGone = (ms: number): number[] => {
    let alive = mine.filter(isAlive);
    for (let waited = 0; alive.length > 0 && waited < ms; waited += 20) {
      sleepSync(20);
      alive = alive.filter(isAlive);
    }
    return alive;
  };
  const stubborn = waitUntilGone(graceMs);
  for (const p of stubborn) signal(p, 'SIGKILL');
  return waitUntilGone(2000);
}
