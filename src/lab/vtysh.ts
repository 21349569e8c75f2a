import { VtyshCommandError } from './errors.js';
import { run } from './exec.js';

/**
 * vtysh against one lab router: `vtysh --vty_socket <router run dir>`. vtysh connects to the
 * daemons' unix sockets directly, so it needs no `ip netns exec`. Several commands run in one
 * vtysh process keep their context, so configure sequences work:
 * `['configure terminal', 'router bgp 64500', 'neighbor 198.18.0.10 shutdown']`.
 */

export interface VtyshTarget {
  /** The router's run directory (vty sockets, pid files, logs). */
  runDir: string;
}

export function vtyshArgv(target: VtyshTarget, commands: readonly string[], daemon?: string) {
  return [
    'vtysh',
    '--vty_socket',
    target.runDir,
    ...(daemon ? ['-d', daemon] : []),
    ...commands.flatMap((c) => ['-c', c]),
  ];
}

/** Runs commands; VtyshCommandError (ERR_LAB_VTYSH_FAILED) when vtysh or FRR rejects one. */
export async function vtysh(
  target: VtyshTarget,
  commands: readonly string[],
  options: { daemon?: string; timeoutMs?: number } = {},
): Promise<string> {
  return runVtysh(vtyshArgv(target, commands, options.daemon), commands, options.timeoutMs);
}

/**
 * Runs a complete vtysh argv (also one wrapped in `docker exec`); VtyshCommandError when vtysh
 * or FRR rejects a command.
 */
export async function runVtysh(
  argv: readonly string[],
  commands: readonly string[],
  timeoutMs = 10_000,
): Promise<string> {
  const r = await run(argv, { allowFailure: true, timeoutMs });
  // vtysh exits non-zero on "% Unknown command", "% Invalid input" and "<daemon> is not running".
  if (r.code !== 0) throw new VtyshCommandError(commands, r.stdout + r.stderr);
  return r.stdout;
}
