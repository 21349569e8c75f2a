import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SpeakersimError } from '../core/errors.js';
import { refuseVrfs } from './peer-backend.js';
import type { FrrDaemon, RouterRuntime } from './daemons.js';
import {
  DEFAULT_FRR_BIN_DIR,
  FRR_DAEMONS,
  daemonRunning,
  prepareRunDir,
  readPid,
  settleAll,
  startRouterDaemons,
} from './daemons.js';
import { checkComposePrerequisites, composeUp, containerName, inContainer } from './compose.js';
import { LabNotFoundError, LabPrerequisiteError } from './errors.js';
import { run } from './exec.js';
import { guardLab, unguardLab } from './guard.js';
import { conflictingRoutes, guardLabRanges, readHostRoutes } from './host-routes.js';
import { isAlive, listNamespaces } from './kernel.js';
import {
  LAB_RUN_ROOT,
  labRunDir,
  nodeMac,
  nodePortName,
  plannedNames,
  routerInterfaceNamespace,
  routerNamespace,
  routerRunDir,
  routerVrfNamespace,
  stateFilePath,
} from './names.js';
import { neighborDemand, reserveNeighborTable } from './neighbor-table.js';
import { wiringPlan } from './netns.js';
import { renderRouterFiles } from './render.js';
import type { LabBackendKind, LabStateFile } from './state.js';
import { readState, writeState } from './state.js';
import type { TeardownReport } from './teardown.js';
import { labLeftovers, teardownLab } from './teardown.js';
import type { LabTopology, SimulatedNodeSpec } from './topology.js';
import { validateTopology } from './topology.js';

/**
 * Lab lifecycle: `labUp` wires namespaces and links, starts FRR in each router namespace and
 * waits until every daemon answers; `labDown` removes everything; `labStatus` reports what runs.
 * Any failure half way through `up`, and SIGINT/SIGTERM during it, removes what was made.
 */

export interface LabOptions {
  /** Where state files, sockets, pid files and logs live (default /run/speakersim). */
  runRoot?: string;
}

export interface LabUpOptions extends LabOptions {
  frrBinDir?: string;
  /**
   * Per-daemon readiness limit (default 10 s, plus 1 s per router beyond 10: every router's
   * daemons start at once, and 20 routers on 2 loaded cores missed 10 s).
   */
  daemonTimeoutMs?: number;
  /** Also tear the lab down when this process exits or is signalled (tests, scenario runs). */
  cleanupOnExit?: boolean;
  /** Replace a lab of the same name that is up or owned by a live process. */
  replace?: boolean;
  /** FRR in network namespaces (default) or in compose containers (src/lab/compose.ts). */
  backend?: LabBackendKind;
}

export interface LabRouterInfo {
  name: string;
  asn: number;
  routerId: string;
  namespace: string;
  runDir: string;
  addresses: string[];
  pids: Partial<Record<FrrDaemon, number>>;
  /** Print-friendly ways to look inside. */
  commands: { vtysh: string; shell: string };
}

export interface LabInfo {
  lab: string;
  runRoot: string;
  topology: LabTopology;
  routers: LabRouterInfo[];
  nodes: SimulatedNodeSpec[];
  timings?: { wiringMs: number; daemonsMs: number; totalMs: number };
}

/** A persistent lab of that name is up (or another live process owns it): `down` it first. */
export class LabInUseError extends SpeakersimError {
  constructor(lab: string, code: 'ERR_LAB_ALREADY_UP' | 'ERR_LAB_BUSY', detail: string) {
    super(code, `lab ${lab}: ${detail}`);
  }
}

/**
 * Refuses to tear down a lab somebody still uses: a persistent lab that is up, or one whose
 * owning process is alive. A lab whose owner died (a crashed run) is leftovers to clean.
 */
function checkNotInUse(lab: string, runRoot: string): void {
  let prior: LabStateFile | undefined;
  try {
    prior = readState(lab, runRoot);
  } catch {
    return; // An unreadable state file belongs to nobody.
  }
  if (!prior) return;
  if (prior.phase === 'up' && prior.persistent) {
    throw new LabInUseError(lab, 'ERR_LAB_ALREADY_UP', 'is up; run down first or pass replace');
  }
  if (prior.ownerPid !== process.pid && isAlive(prior.ownerPid)) {
    throw new LabInUseError(lab, 'ERR_LAB_BUSY', `is owned by live process ${prior.ownerPid}`);
  }
}

export class LabPrefixConflictError extends SpeakersimError {
  constructor(routes: string[]) {
    super('ERR_LAB_PREFIX_CONFLICT', `lab segments overlap host routes: ${routes.join(', ')}`);
  }
}

function runtimeOf(
  state: Pick<LabStateFile, 'lab' | 'runRoot' | 'topology'>,
  router: string,
  frrBinDir: string,
): RouterRuntime {
  const vrf = state.topology.routers.find((r) => r.name === router)?.vrf;
  return {
    router,
    namespace: routerNamespace(state.lab, router),
    runDir: routerRunDir(state.lab, router, state.runRoot),
    frrBinDir,
    ...(vrf !== undefined
      ? { vrf: { name: vrf, namespace: routerVrfNamespace(state.lab, router) } }
      : {}),
  };
}

function routerInfo(state: LabStateFile): LabRouterInfo[] {
  return state.topology.routers.map((r) => {
    const runDir = routerRunDir(state.lab, r.name, state.runRoot);
    const namespace = routerNamespace(state.lab, r.name);
    if (state.backend === 'compose') {
      const c = containerName(state.lab, r.name);
      return {
        name: r.name,
        asn: r.asn,
        routerId: r.routerId,
        namespace: c,
        runDir,
        addresses: r.interfaces.flatMap((i) => [i.ipv4, i.ipv6].filter((a): a is string => !!a)),
        pids: {},
        commands: { vtysh: `docker exec -it ${c} vtysh`, shell: `docker exec -it ${c} bash` },
      };
    }
    return {
      name: r.name,
      asn: r.asn,
      routerId: r.routerId,
      namespace,
      runDir,
      addresses: r.interfaces.flatMap((i) => [i.ipv4, i.ipv6].filter((a): a is string => !!a)),
      pids: state.pids[r.name] ?? {},
      commands: {
        vtysh: `vtysh --vty_socket ${runDir}`,
        // A router in a VRF has its interfaces in the VRF's namespace (netns.ts).
        shell: `ip netns exec ${routerInterfaceNamespace(state.lab, r)} bash`,
      },
    };
  });
}

export function checkPrerequisites(frrBinDir = DEFAULT_FRR_BIN_DIR): void {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new LabPrerequisiteError('the netns lab needs root');
  }
  for (const d of FRR_DAEMONS) {
    if (!existsSync(join(frrBinDir, d))) {
      throw new LabPrerequisiteError(`needs ${join(frrBinDir, d)} (Debian package frr)`);
    }
  }
  const path = (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(':');
  for (const [tool, pkg] of [
    ['ip', 'iproute2'],
    ['nft', 'nftables'],
    ['vtysh', 'frr'],
    ['sysctl', 'procps'],
    // A router in a VRF: its daemons' private mount namespaces (daemons.ts).
    ['unshare', 'util-linux'],
    ['mount', 'mount'],
  ] as const) {
    if (!path.some((dir) => dir !== '' && existsSync(join(dir, tool)))) {
      throw new LabPrerequisiteError(`needs ${tool} on PATH (Debian package ${pkg})`);
    }
  }
}

export async function labUp(topology: LabTopology, options: LabUpOptions = {}): Promise<LabInfo> {
  const t0 = Date.now();
  validateTopology(topology);
  const runRoot = options.runRoot ?? LAB_RUN_ROOT;
  const frrBinDir = options.frrBinDir ?? DEFAULT_FRR_BIN_DIR;
  const backend = options.backend ?? 'netns';
  refuseVrfs(topology, backend);
  if (backend === 'compose') checkComposePrerequisites();
  else checkPrerequisites(frrBinDir);
  const lab = topology.name;

  if (!options.replace) checkNotInUse(lab, runRoot);
  // Leftovers of a crashed run of the same lab go first.
  teardownLab(lab, runRoot);
  const conflicts = conflictingRoutes(topology, readHostRoutes());
  if (conflicts.length > 0) {
    throw new LabPrefixConflictError(conflicts.map((r) => `${r.dst} dev ${r.dev ?? '?'}`));
  }

  // Before anything of the lab exists: no packet to a lab address may take the default route.
  guardLabRanges();
  const planned = plannedNames(topology);

  const state: LabStateFile = {
    version: 1,
    lab,
    phase: 'starting',
    ownerPid: process.pid,
    persistent: !options.cleanupOnExit,
    createdAtWallMs: Date.now(),
    runRoot,
    topology,
    namespaces: backend === 'compose' ? [] : planned.namespaces,
    // compose: Docker makes the routers' veths; the lab makes the bridges' names and node ports.
    links: backend === 'compose' ? [...planned.bridges, ...planned.nodePorts] : planned.links,
    pids: {},
    backend,
  };
  guardLab(lab, runRoot);
  try {
    // Recorded before anything exists, so a crash at any step leaves a complete record.
    writeState(state);
    // Room in the host's ARP/NDP tables for every entry the lab's routers and nodes may hold.
    reserveNeighborTable(
      labRunDir(lab, runRoot),
      neighborDemand(topology),
      stateFilePath(lab, runRoot),
    );
    let t1 = Date.now();
    if (backend === 'compose') {
      state.containerPids = await composeUp(topology, runRoot, options.daemonTimeoutMs);
      t1 = Date.now();
    } else {
      for (const step of wiringPlan(topology)) await run(step.argv);
      t1 = Date.now();
      await settleAll(
        topology.routers.map(async (r) => {
          const rt = runtimeOf(state, r.name, frrBinDir);
          prepareRunDir(rt, renderRouterFiles(topology, r));
          state.pids[r.name] = await startRouterDaemons(
            rt,
            options.daemonTimeoutMs ?? 10_000 + 1_000 * Math.max(0, topology.routers.length - 10),
          );
          writeState(state);
        }),
      );
    }
    const t2 = Date.now();
    state.phase = 'up';
    writeState(state);
    if (!options.cleanupOnExit) unguardLab(lab);
    return {
      lab,
      runRoot,
      topology,
      routers: routerInfo(state),
      nodes: topology.nodes,
      timings: { wiringMs: t1 - t0, daemonsMs: t2 - t1, totalMs: t2 - t0 },
    };
  } catch (e) {
    teardownLab(lab, runRoot);
    unguardLab(lab);
    throw e;
  }
}

export interface LabDownReport extends TeardownReport {
  lab: string;
  durationMs: number;
}

/**
 * Removes the lab. Without `force`, a lab with neither a state file nor leftovers is
 * LabNotFoundError; with `force`, everything with the lab prefix is swept regardless.
 */
export async function labDown(
  lab: string,
  options: LabOptions & { force?: boolean } = {},
): Promise<LabDownReport> {
  const t0 = Date.now();
  const runRoot = options.runRoot ?? LAB_RUN_ROOT;
  let known = false;
  try {
    known = readState(lab, runRoot) !== undefined;
  } catch {
    known = true; // A corrupt state file is still a lab to remove.
  }
  if (!known && !options.force && labLeftovers(lab, runRoot).length === 0) {
    throw new LabNotFoundError(`lab ${lab}`);
  }
  const report = teardownLab(lab, runRoot);
  unguardLab(lab);
  return { lab, ...report, durationMs: Date.now() - t0 };
}

export interface LabStatus {
  lab: string;
  /** up: every namespace and daemon is there; degraded: some are missing; down: nothing. */
  state: 'up' | 'starting' | 'degraded' | 'down';
  routers: (LabRouterInfo & { namespaceExists: boolean; daemons: Record<FrrDaemon, boolean> })[];
  nodes: SimulatedNodeSpec[];
  leftovers: string[];
}

export async function labStatus(lab: string, options: LabOptions = {}): Promise<LabStatus> {
  const runRoot = options.runRoot ?? LAB_RUN_ROOT;
  const state = readState(lab, runRoot);
  if (!state)
    return { lab, state: 'down', routers: [], nodes: [], leftovers: labLeftovers(lab, runRoot) };
  if (state.backend === 'compose') return composeStatus(state);
  const namespaces = new Set(listNamespaces());
  const routers = routerInfo(state).map((r) => {
    const rt = runtimeOf(state, r.name, DEFAULT_FRR_BIN_DIR);
    const daemons = Object.fromEntries(FRR_DAEMONS.map((d) => [d, daemonRunning(rt, d)])) as Record<
      FrrDaemon,
      boolean
    >;
    const pids = Object.fromEntries(
      FRR_DAEMONS.map((d) => [d, readPid(rt, d)]).filter(([, p]) => p !== undefined),
    ) as Partial<Record<FrrDaemon, number>>;
    // A router in a VRF needs its VRF's namespace too (its interfaces are there).
    const exists = [r.namespace, ...(rt.vrf ? [rt.vrf.namespace] : [])].every((n) =>
      namespaces.has(n),
    );
    return { ...r, pids, namespaceExists: exists, daemons };
  });
  const healthy = routers.every(
    (r) => r.namespaceExists && Object.values(r.daemons).every(Boolean),
  );
  return {
    lab,
    state: state.phase === 'starting' ? 'starting' : healthy ? 'up' : 'degraded',
    routers,
    nodes: state.topology.nodes,
    leftovers: [],
  };
}

/** labStatus of a compose lab: each router's container running, each daemon's pid inside it. */
async function composeStatus(state: LabStateFile): Promise<LabStatus> {
  const routers = await Promise.all(
    routerInfo(state).map(async (r) => {
      const c = await run(['docker', 'inspect', '--format', '{{.State.Running}}', r.namespace], {
        allowFailure: true,
      });
      const running = c.code === 0 && c.stdout.trim() === 'true';
      const pids: Partial<Record<FrrDaemon, number>> = {};
      for (const d of FRR_DAEMONS) {
        if (!running) break;
        const p = await run(inContainer(state.lab, r.name, ['speakersim-frr', 'pid', d]), {
          allowFailure: true,
        });
        if (p.code === 0) pids[d] = Number(p.stdout.trim());
      }
      const daemons = Object.fromEntries(
        FRR_DAEMONS.map((d) => [d, pids[d] !== undefined]),
      ) as Record<FrrDaemon, boolean>;
      return { ...r, pids, namespaceExists: running, daemons };
    }),
  );
  const healthy = routers.every(
    (r) => r.namespaceExists && Object.values(r.daemons).every(Boolean),
  );
  return {
    lab: state.lab,
    state: state.phase === 'starting' ? 'starting' : healthy ? 'up' : 'degraded',
    routers,
    nodes: state.topology.nodes,
    leftovers: [],
  };
}

/** The lab's recorded state, or LabNotFoundError; used by fault injection and readers. */
export function requireLabState(lab: string, runRoot = LAB_RUN_ROOT): LabStateFile {
  const state = readState(lab, runRoot);
  if (!state) throw new LabNotFoundError(`lab ${lab}`);
  return state;
}

export function requireRouter(
  lab: string,
  router: string,
  runRoot = LAB_RUN_ROOT,
  frrBinDir = DEFAULT_FRR_BIN_DIR,
): RouterRuntime {
  const state = requireLabState(lab, runRoot);
  if (!state.topology.routers.some((r) => r.name === router)) {
    throw new LabNotFoundError(`router ${router} in lab ${lab}`);
  }
  return runtimeOf(state, router, frrBinDir);
}

/** Human-readable summary: routers, their addresses, and how to look inside each. */
export function describeLab(info: Pick<LabInfo, 'lab' | 'routers' | 'nodes'>): string {
  const lines = [`lab ${info.lab}`];
  for (const r of info.routers) {
    lines.push(`  router ${r.name}  AS ${r.asn}  id ${r.routerId}  ${r.addresses.join(' ')}`);
    lines.push(`    ${r.commands.vtysh}`, `    ${r.commands.shell}`);
  }
  info.nodes.forEach((n, i) => {
    const addrs = [n.ipv4, n.ipv6].filter(Boolean).join(' ');
    lines.push(`  node ${n.name}  AS ${n.asn}  ${addrs}  (host namespace, segment ${n.segment})`);
    // The node's own port, where its L2 announcements go (netns.ts nodePortSteps).
    lines.push(`    L2 port ${nodePortName(info.lab, i)}  MAC ${nodeMac(info.lab, n.name)}`);
  });
  return lines.join('\n');
}
