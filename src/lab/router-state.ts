import { setTimeout as delay } from 'node:timers/promises';
import { LabTimeoutError } from './errors.js';
import type { RouterRef } from './faults.js';
import type { BfdPeer, BgpNeighbor, BgpRouteTable } from './frr-json.js';
import { parseBfdPeers, parseBgpNeighbors, parseBgpRoutes } from './frr-json.js';
import { requireRouter } from './lifecycle.js';
import { bgpTableCommand } from './peer-backend.js';
import { vtysh } from './vtysh.js';

/**
 * A lab router's state through vtysh, as typed values. `vtyshCommands` runs anything else,
 * including configure sequences.
 */

function target(ref: RouterRef) {
  return requireRouter(ref.lab, ref.router, ref.runRoot);
}

export async function vtyshCommands(ref: RouterRef, commands: readonly string[]): Promise<string> {
  return vtysh(target(ref), commands);
}

/** The router's sessions: those of its BGP instance (in its VRF when it is in one). */
export async function bgpNeighbors(ref: RouterRef): Promise<Record<string, BgpNeighbor>> {
  const rt = target(ref);
  const vrf = rt.vrf ? ` vrf ${rt.vrf.name}` : '';
  return parseBgpNeighbors(await vtysh(rt, [`show bgp${vrf} neighbors json`]));
}

export async function bgpRoutes(
  ref: RouterRef,
  family: 'ipv4' | 'ipv6',
  vrf?: string,
): Promise<BgpRouteTable> {
  return parseBgpRoutes(await vtysh(target(ref), [bgpTableCommand(family, vrf)]), family);
}

export async function bfdPeers(ref: RouterRef): Promise<BfdPeer[]> {
  return parseBfdPeers(await vtysh(target(ref), ['show bfd peers json']));
}

/**
 * Polls `probe` every `intervalMs` until it returns a value other than undefined; errors from
 * the probe (a daemon restarting) count as "not yet". LabTimeoutError after `timeoutMs`.
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
  intervalMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch {
      // Not ready yet.
    }
    if (Date.now() >= deadline) throw new LabTimeoutError(what, timeoutMs);
    await delay(intervalMs);
  }
}

/** Waits until the router's session with `address` satisfies `predicate`. */
export function waitForNeighbor(
  ref: RouterRef,
  address: string,
  predicate: (n: BgpNeighbor) => boolean,
  timeoutMs = 30_000,
): Promise<BgpNeighbor> {
  return waitFor(
    `${ref.router}: neighbor ${address}`,
    async () => {
      const n = (await bgpNeighbors(ref))[address];
      return n && predicate(n) ? n : undefined;
    },
    timeoutMs,
  );
}
