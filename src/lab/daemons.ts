import { chownSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import {
  LabCommandError,
  LabDaemonStartError,
  LabPrerequisiteError,
  VtyshCommandError,
} from './errors.js';
import { inNamespace, run } from './exec.js';
import { isAlive, killAndWait } from './kernel.js';
import type { RenderedRouterFiles } from './render.js';
import { vtysh } from './vtysh.js';

/**
 * FRR daemons of one lab router, started inside its namespace as user frr with lab-private
 * paths: pid file, zserv socket (-z), vty sockets (--vty_socket), bfdd control socket and log
 * files all live in the router's run directory. Daemons start with an empty per-daemon config;
 * then `vtysh -b --config_dir <run dir>` applies the integrated frr.conf to all of them, which is
 * how FRR 8.4 applies an integrated config (a daemon reading frr.conf itself via -f rejects the
 * other daemons' lines, and staticd then misses its `ip route` lines).
 */

export const FRR_DAEMONS = ['zebra', 'bgpd', 'bfdd', 'staticd'] as const;
export type FrrDaemon = (typeof FRR_DAEMONS)[number];
export const DEFAULT_FRR_BIN_DIR = '/usr/lib/frr';

export interface RouterRuntime {
  router: string;
  namespace: string;
  runDir: string;
  frrBinDir: string;
  /** The router's VRF: its name in FRR and the network namespace that holds its interfaces. */
  vrf?: { name: string; namespace: string };
}

/** Where FRR's netns VRF backend looks for VRFs (lib/ns.h NS_RUN_DIR in FRR 8.4). */
export const FRR_NETNS_DIR = '/var/run/netns';

/** The directory a VRF router's daemons mount their private netns directory on first. */
export function vrfNetnsDir(rt: RouterRuntime): string {
  return join(rt.runDir, 'netns');
}

/**
 * This kernel has no VRF devices, so a router in a VRF uses FRR's other VRF backend: zebra -n
 * (--vrfwnetns) makes each network namespace named in /var/run/netns a VRF of that name, and
 * bgpd and bfdd make that VRF's sockets there (lib/vrf.c vrf_socket: setns to
 * /var/run/netns/NAME, which zebra names to them over zapi). Seen as is, /var/run/netns holds
 * every namespace on the machine (other labs, other routers), and zebra would take each one as
 * a VRF. So each daemon runs in a mount namespace of its own (private, nothing propagates
 * either way) whose /var/run/netns is a small tmpfs holding one entry: the VRF's name, bound to
 * the router's VRF namespace. The mounts exist only while the daemon does; the host's mount
 * table never sees them.
 */
const VRF_MOUNT_SCRIPT = [
  'set -e',
  'mount -t tmpfs -o size=64k,mode=0755 speakersim-vrf "$1"',
  ': > "$1/$2"',
  'mount --bind "$3" "$1/$2"',
  // rbind: the tmpfs with the bind mount on its file.
  'mount --rbind "$1" "$4"',
  'shift 4',
  'exec "$@"',
].join('\n');

function withVrfMounts(rt: RouterRuntime, argv: string[]): string[] {
  if (!rt.vrf) return argv;
  return [
    ...['unshare', '--mount', '--propagation', 'private'],
    ...['sh', '-c', VRF_MOUNT_SCRIPT, 'speakersim-vrf'],
    vrfNetnsDir(rt),
    rt.vrf.name,
    `/run/netns/${rt.vrf.namespace}`,
    FRR_NETNS_DIR,
    ...argv,
  ];
}

export function isFrrDaemon(name: string): name is FrrDaemon {
  return (FRR_DAEMONS as readonly string[]).includes(name);
}

export function daemonLogPath(rt: RouterRuntime, daemon: FrrDaemon): string {
  return join(rt.runDir, `${daemon}.log`);
}

export function daemonPidPath(rt: RouterRuntime, daemon: FrrDaemon): string {
  return join(rt.runDir, `${daemon}.pid`);
}

/**
 * The argv that starts `daemon` in the router's namespace (the netns form of `daemons`); for a
 * router in a VRF, inside its private mount namespace, and zebra with the netns VRF backend.
 */
export function daemonArgv(rt: RouterRuntime, daemon: FrrDaemon): string[] {
  return inNamespace(
    rt.namespace,
    withVrfMounts(rt, [
      join(rt.frrBinDir, daemon),
      '-d',
      ...['-u', 'frr', '-g', 'frr'],
      ...['-f', join(rt.runDir, `${daemon}.conf`)],
      ...['-i', daemonPidPath(rt, daemon)],
      ...['-z', join(rt.runDir, 'zserv.api')],
      ...['--vty_socket', rt.runDir],
      // No TCP vty: the unix sockets above are the only way in.
      ...['-P', '0'],
      ...['--log', `file:${daemonLogPath(rt, daemon)}`],
      ...(daemon === 'bfdd' ? ['--bfdctl', join(rt.runDir, 'bfdd.sock')] : []),
      ...(daemon === 'zebra' && rt.vrf ? ['--vrfwnetns'] : []),
    ]),
  );
}

function lookupId(file: string, name: string): number {
  const line = readFileSync(file, 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${name}:`));
  const id = Number(line?.split(':')[2]);
  if (!Number.isInteger(id)) throw new LabPrerequisiteError(`no ${name} entry in ${file}`);
  return id;
}

/** The frr user and group, which own the run directory so the daemons can write into it. */
export function frrOwner(): { uid: number; gid: number } {
  return { uid: lookupId('/etc/passwd', 'frr'), gid: lookupId('/etc/group', 'frr') };
}

/** Creates the router's run directory with its rendered files and empty per-daemon configs. */
export function prepareRunDir(rt: RouterRuntime, files: RenderedRouterFiles): void {
  const { uid, gid } = frrOwner();
  mkdirSync(rt.runDir, { recursive: true, mode: 0o750 });
  chownSync(rt.runDir, uid, gid);
  const write = (name: string, text: string): void => {
    const p = join(rt.runDir, name);
    writeFileSync(p, text, { mode: 0o640 });
    chownSync(p, uid, gid);
  };
  write('frr.conf', files['frr.conf']);
  write('daemons', files.daemons);
  write('vtysh.conf', files['vtysh.conf']);
  for (const d of FRR_DAEMONS) write(`${d}.conf`, '');
  // Where a VRF router's daemons mount their own /var/run/netns (empty in the host's view).
  if (rt.vrf) mkdirSync(vrfNetnsDir(rt), { mode: 0o755 });
}

export function logTail(rt: RouterRuntime, daemon: FrrDaemon, lines = 20): string {
  try {
    return readFileSync(daemonLogPath(rt, daemon), 'utf8')
      .trimEnd()
      .split('\n')
      .slice(-lines)
      .join('\n');
  } catch {
    return '(no log file)';
  }
}

export function readPid(rt: RouterRuntime, daemon: FrrDaemon): number | undefined {
  try {
    const pid = Number(readFileSync(daemonPidPath(rt, daemon), 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

export function daemonRunning(rt: RouterRuntime, daemon: FrrDaemon): boolean {
  const pid = readPid(rt, daemon);
  return pid !== undefined && isAlive(pid);
}

/**
 * Starts one daemon and waits, polling vtysh, until it answers; returns its pid.
 * LabDaemonStartError (with the log tail) when it exits or does not answer in `timeoutMs`.
 */
export async function startDaemon(
  rt: RouterRuntime,
  daemon: FrrDaemon,
  timeoutMs = 10_000,
): Promise<number> {
  const binary = join(rt.frrBinDir, daemon);
  if (!existsSync(binary)) {
    throw new LabDaemonStartError(rt.router, daemon, `${binary} does not exist`, '');
  }
  const started = await run(daemonArgv(rt, daemon), { allowFailure: true, timeoutMs });
  if (started.code !== 0) {
    const why = `exit code ${started.code}: ${started.stderr.trim()}`;
    throw new LabDaemonStartError(rt.router, daemon, why, logTail(rt, daemon));
  }
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pid = readPid(rt, daemon);
    if (pid !== undefined && isAlive(pid)) {
      try {
        await vtysh(rt, ['show version'], { daemon, timeoutMs: 2000 });
        return pid;
      } catch (e) {
        // Not answering yet, or a poll that a loaded machine did not finish in its 2 s (20
        // routers starting at once under load): both are "not yet"; the deadline bounds it.
        if (!(e instanceof VtyshCommandError || e instanceof LabCommandError)) throw e;
      }
    } else if (pid !== undefined) {
      throw new LabDaemonStartError(rt.router, daemon, 'exited', logTail(rt, daemon));
    }
    if (Date.now() > deadline) {
      throw new LabDaemonStartError(
        rt.router,
        daemon,
        `no vtysh answer within ${timeoutMs} ms`,
        logTail(rt, daemon),
      );
    }
    await delay(25);
  }
}

/**
 * Applies the integrated frr.conf (`vtysh -b`), to all daemons or to one that was restarted.
 */
export async function applyConfig(rt: RouterRuntime, daemon?: FrrDaemon): Promise<void> {
  const argv = [
    'vtysh',
    '--vty_socket',
    rt.runDir,
    '--config_dir',
    rt.runDir,
    '-b',
    ...(daemon ? ['-d', daemon] : []),
  ];
  const r = await run(argv, { allowFailure: true, timeoutMs: 20_000 });
  if (r.code !== 0) {
    const d = daemon ?? 'bgpd';
    const why = `frr.conf rejected: ${(r.stdout + r.stderr).trim()}`;
    throw new LabDaemonStartError(rt.router, d, why, logTail(rt, d));
  }
}

/** Like Promise.all, but rejects (with the first error) only after every promise settled. */
export async function settleAll<T>(promises: Promise<T>[]): Promise<T[]> {
  const results = await Promise.allSettled(promises);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<T>).value);
}

/** Starts zebra first (the others connect to its zserv socket), then the rest, then config. */
export async function startRouterDaemons(
  rt: RouterRuntime,
  timeoutMs = 10_000,
): Promise<Record<FrrDaemon, number>> {
  const zebra = await startDaemon(rt, 'zebra', timeoutMs);
  // allSettled, not all: when one daemon fails, the others' starts must have finished before
  // the caller tears down, or a daemon could appear after the sweep.
  const [bgpd, bfdd, staticd] = await settleAll(
    (['bgpd', 'bfdd', 'staticd'] as const).map((d) => startDaemon(rt, d, timeoutMs)),
  );
  await applyConfig(rt);
  return { zebra, bgpd: bgpd!, bfdd: bfdd!, staticd: staticd! };
}

/** Stops one daemon: SIGTERM (clean stop) or SIGKILL (a crash, as fault injection wants). */
export function stopDaemon(
  rt: RouterRuntime,
  daemon: FrrDaemon,
  signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM',
): boolean {
  const pid = readPid(rt, daemon);
  if (pid === undefined || !isAlive(pid)) return false;
  if (signal === 'SIGKILL') {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      return false;
    }
  }
  killAndWait([pid]);
  return true;
}
