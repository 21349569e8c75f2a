import type { FrrDaemon } from './daemons.js';
import {
  applyConfig,
  FRR_DAEMONS,
  readPid,
  startDaemon,
  startRouterDaemons,
  stopDaemon,
} from './daemons.js';
import { LabNotFoundError } from './errors.js';
import { inNamespace, run } from './exec.js';
import { requireLabState, requireRouter } from './lifecycle.js';
import { hostVethName, LAB_RUN_ROOT, nftTableName } from './names.js';
import type { DropDirection, PacketFault } from './nft.js';
import { faultTag, nftFaultRules, nftTableRuleset, rulesWithTag } from './nft.js';
import { readState, writeState } from './state.js';

/**
 * Fault injection on a running lab: a router's link down/up, BGP or BFD packets dropped with
 * nftables inside the router's namespace (optionally for one peer), a daemon killed and
 * restarted, a whole router restarted. Everything here is undone by `labDown` as well.
 */

export interface RouterRef {
  lab: string;
  router: string;
  runRoot?: string;
}

export interface PacketFaultHandle {
  ref: RouterRef;
  fault: PacketFault;
  tag: string;
}

/** Wraps an argv so that it runs in a router's network namespace (netns or container). */
export type NetExec = (argv: readonly string[]) => string[];

/** Adds a fault's nft rules in the namespace `exec` reaches; returns the fault's tag. */
export async function addPacketFault(
  exec: NetExec,
  lab: string,
  fault: PacketFault,
): Promise<string> {
  const table = nftTableName(lab);
  const text = `${nftTableRuleset(table)}\n${nftFaultRules(table, fault)}\n`;
  await run(exec(['nft', '-f', '-']), { input: text });
  return faultTag(fault);
}

/** Removes the rules tagged `tag` from the lab's table there; returns how many it removed. */
export async function removePacketFault(exec: NetExec, lab: string, tag: string): Promise<number> {
  const table = nftTableName(lab);
  const listed = await run(exec(['nft', '-j', '-a', 'list', 'table', 'inet', table]), {
    allowFailure: true,
  });
  const rules = rulesWithTag(listed.code === 0 ? listed.stdout : '{"nftables":[]}', tag);
  for (const rule of rules) {
    await run(
      exec(['nft', 'delete', 'rule', 'inet', table, rule.chain, 'handle', String(rule.handle)]),
    );
  }
  return rules.length;
}

function vethOf(ref: RouterRef, segment?: string): string {
  const state = requireLabState(ref.lab, ref.runRoot ?? LAB_RUN_ROOT);
  const ri = state.topology.routers.findIndex((r) => r.name === ref.router);
  const router = state.topology.routers[ri];
  if (!router) throw new LabNotFoundError(`router ${ref.router} in lab ${ref.lab}`);
  const seg = segment ?? router.interfaces[0]?.segment;
  const si = state.topology.segments.findIndex((s) => s.name === seg);
  if (si < 0 || !router.interfaces.some((i) => i.segment === seg)) {
    throw new LabNotFoundError(`link of ${ref.router} to segment ${String(seg)}`);
  }
  return hostVethName(ref.lab, ri, si);
}

/** Takes the router's link to `segment` (default: its first) down, as a cable pull would. */
export async function linkDown(ref: RouterRef, segment?: string): Promise<void> {
  await run(['ip', 'link', 'set', vethOf(ref, segment), 'down']);
}

export async function linkUp(ref: RouterRef, segment?: string): Promise<void> {
  await run(['ip', 'link', 'set', vethOf(ref, segment), 'up']);
}

/** Where the router's interfaces are (a router in a VRF: the VRF's namespace), for nft. */
function namespaceOf(ref: RouterRef): string {
  const rt = requireRouter(ref.lab, ref.router, ref.runRoot);
  return rt.vrf?.namespace ?? rt.namespace;
}

const netnsExec =
  (ref: RouterRef): NetExec =>
  (argv) =>
    inNamespace(namespaceOf(ref), argv);

async function applyFault(ref: RouterRef, fault: PacketFault): Promise<PacketFaultHandle> {
  return { ref, fault, tag: await addPacketFault(netnsExec(ref), ref.lab, fault) };
}

/** Drops BGP (TCP to/from the neighbor's port, 179 by default) in the router's namespace. */
export function dropBgp(
  ref: RouterRef,
  options: { peer?: string; port?: number; direction?: DropDirection } = {},
) {
  return applyFault(ref, { kind: 'drop-bgp', ...options });
}

/** Drops BFD control and echo packets (UDP 3784, 3785, 4784) in the router's namespace. */
export function dropBfd(
  ref: RouterRef,
  options: { peer?: string; direction?: DropDirection } = {},
) {
  return applyFault(ref, { kind: 'drop-bfd', ...options });
}

/** Removes the rules of one fault; returns how many rules were removed. */
export function restorePackets(handle: PacketFaultHandle): Promise<number> {
  return removePacketFault(netnsExec(handle.ref), handle.ref.lab, handle.tag);
}

/** Drops every packet between the router and `peer` (a link down towards one node). */
export function dropAll(ref: RouterRef, peer: string) {
  return applyFault(ref, { kind: 'drop-all', peer });
}

/** Removes every packet fault of the router (deletes the lab's nft table in its namespace). */
export async function clearPacketFaults(ref: RouterRef): Promise<void> {
  await run(
    inNamespace(namespaceOf(ref), ['nft', 'delete', 'table', 'inet', nftTableName(ref.lab)]),
    {
      allowFailure: true,
    },
  );
}

function recordPids(ref: RouterRef, pids: Partial<Record<FrrDaemon, number>>): void {
  const state = readState(ref.lab, ref.runRoot ?? LAB_RUN_ROOT);
  if (!state) return;
  state.pids[ref.router] = { ...(state.pids[ref.router] ?? {}), ...pids };
  writeState(state);
}

/** Kills one daemon: SIGKILL (default) is a crash; SIGTERM is a clean stop. */
export async function killDaemon(
  ref: RouterRef,
  daemon: FrrDaemon,
  signal: 'SIGKILL' | 'SIGTERM' = 'SIGKILL',
): Promise<boolean> {
  return stopDaemon(requireRouter(ref.lab, ref.router, ref.runRoot), daemon, signal);
}

/** Starts a daemon that was killed and gives it its part of frr.conf again. */
export async function startDaemonAgain(ref: RouterRef, daemon: FrrDaemon): Promise<number> {
  const rt = requireRouter(ref.lab, ref.router, ref.runRoot);
  const pid = await startDaemon(rt, daemon);
  await applyConfig(rt, daemon);
  recordPids(ref, { [daemon]: pid });
  return pid;
}

/** Kill (SIGKILL by default) then start again. */
export async function restartDaemon(
  ref: RouterRef,
  daemon: FrrDaemon,
  signal: 'SIGKILL' | 'SIGTERM' = 'SIGKILL',
): Promise<number> {
  await killDaemon(ref, daemon, signal);
  return startDaemonAgain(ref, daemon);
}

/** Stops every daemon of the router and starts them all again with frr.conf. */
export async function restartRouter(ref: RouterRef): Promise<Record<FrrDaemon, number>> {
  const rt = requireRouter(ref.lab, ref.router, ref.runRoot);
  for (const d of [...FRR_DAEMONS].reverse()) stopDaemon(rt, d, 'SIGTERM');
  const pids = await startRouterDaemons(rt);
  recordPids(ref, pids);
  return pids;
}

/** Current pid of a daemon, undefined when it is not running. */
export function daemonPid(ref: RouterRef, daemon: FrrDaemon): number | undefined {
  return readPid(requireRouter(ref.lab, ref.router, ref.runRoot), daemon);
}
