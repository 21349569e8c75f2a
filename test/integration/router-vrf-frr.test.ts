import { readdirSync, readFileSync, realpathSync, rmSync, statSync } from 'node:fs';
import { FRR_NETNS_DIR } from '../../src/lab/daemons.js';
import { afterAll, expect, it } from 'vitest';
import {
  dropBgp,
  linkDown,
  linkUp,
  restartDaemon,
  restartRouter,
  restorePackets,
} from '../../src/lab/faults.js';
import { run } from '../../src/lab/exec.js';
import { labDown, labStatus, labUp } from '../../src/lab/lifecycle.js';
import { routerRunDir, stateFilePath } from '../../src/lab/names.js';
import { bgpNeighbors, vtyshCommands, waitForNeighbor } from '../../src/lab/router-state.js';
import { labLeftovers } from '../../src/lab/teardown.js';
import type { LabTopology } from '../../src/lab/topology.js';
import { integration, serialLabFile } from './require.js';

// A router in a VRF on the netns lab (no VRF devices on this kernel): FRR's netns VRF backend
// with each daemon in a private mount namespace that shows it only its own VRF. r1 (default
// VRF) and r2 (VRF red) share the VRF's segment and peer with each other, so the session is
// FRR's own on both ends. Faults reach r2's interface in the VRF's namespace; teardown leaves
// no namespace, process or mount behind, with or without the state file.
const LAB = 'rvrf';
const RUN_ROOT = '/run/speakersim';
const R1 = '198.18.17.1';
const R2 = '198.18.17.2';
const R1V6 = '2001:db8:17::1';
const R2V6 = '2001:db8:17::2';

const timers = { keepaliveS: 1, holdS: 3 };
const topology: LabTopology = {
  name: LAB,
  segments: [{ name: 'vred', ipv4Prefix: '198.18.17.0/24', ipv6Prefix: '2001:db8:17::/64' }],
  routers: [
    {
      name: 'r1',
      asn: 64500,
      routerId: R1,
      interfaces: [{ segment: 'vred', ipv4: R1, ipv6: R1V6 }],
      neighbors: [
        { address: R2, remoteAsn: 64510, timers, connectRetryS: 1 },
        { address: R2V6, remoteAsn: 64510, timers, connectRetryS: 1 },
      ],
      originate: { ipv4: ['198.18.117.0/24'], ipv6: ['2001:db8:117::/48'] },
    },
    {
      name: 'r2',
      asn: 64510,
      routerId: R2,
      vrf: 'red',
      interfaces: [{ segment: 'vred', ipv4: R2, ipv6: R2V6 }],
      neighbors: [
        { address: R1, remoteAsn: 64500, timers, connectRetryS: 1 },
        { address: R1V6, remoteAsn: 64500, timers, connectRetryS: 1 },
      ],
      originate: { ipv4: ['198.18.118.0/24'], ipv6: ['2001:db8:118::/48'] },
    },
  ],
  nodes: [],
};

const ref = { lab: LAB, router: 'r2' };
const established = (address: string, router = 'r2') =>
  waitForNeighbor({ lab: LAB, router }, address, (n) => n.state === 'Established', 30_000);

/**
 * Mounts (in every process's mountinfo) that a VRF router's daemons make, or that hold the
 * VRF's namespace (inode `ns`) alive.
 */
function vrfMounts(ns: number): string[] {
  const found = new Set<string>();
  const runDir = routerRunDir(LAB, 'r2', RUN_ROOT);
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    let text = '';
    try {
      text = readFileSync(`/proc/${pid}/mountinfo`, 'utf8');
    } catch {
      continue; // Gone meanwhile.
    }
    for (const line of text.split('\n')) {
      if (
        line.includes(' - tmpfs speakersim-vrf ') ||
        line.includes(runDir) ||
        line.includes(`net:[${ns}]`)
      )
        found.add(line);
    }
  }
  return [...found];
}

/**
 * What a daemon sees in FRR's netns directory. Through /proc/PID/root, but with the directory
 * resolved here first: /var/run is an absolute symlink, which would lead back to our own /run.
 */
function daemonNetnsDir(pid: number): string[] {
  return readdirSync(`/proc/${pid}/root${realpathSync(FRR_NETNS_DIR)}`);
}

/** Processes whose network namespace is the one with inode `inode`. */
function processesIn(inode: number): number[] {
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        return statSync(`/proc/${p}/ns/net`).ino === inode;
      } catch {
        return false;
      }
    })
    .map(Number);
}

integration(['root', 'frr', 'vtysh', 'ip', 'nft'])('a router in a VRF on the netns lab', () => {
  serialLabFile();
  afterAll(async () => {
    await labDown(LAB, { force: true });
  });

  it('FRR sees exactly its VRF, peers inside it, and keeps routes in the VRF table', async () => {
    const t0 = Date.now();
    const info = await labUp(topology, { cleanupOnExit: true });
    console.log(`[router-vrf] lab up in ${Date.now() - t0} ms (${JSON.stringify(info.timings)})`);
    const status = await labStatus(LAB);
    expect(status.state).toBe('up');
    expect(status.routers.find((r) => r.name === 'r2')?.commands.shell).toBe(
      'ip netns exec ssim-rvrf-r2.vrf bash',
    );
    const vrfs = await vtyshCommands(ref, ['show vrf']);
    // `(configured)`: r2's static routes sit in a `vrf red` block of frr.conf.
    expect(vrfs).toMatch(/^vrf red id \d+ netns \/run\/netns\/red( \(configured\))?$/m);
    // One VRF: no other namespace of the machine (r1's, other labs') became one.
    expect(vrfs.match(/^vrf /gm)).toHaveLength(1);
    // Each daemon's /var/run/netns holds `red` only; the host's has no `red`.
    for (const pid of Object.values(info.routers.find((r) => r.name === 'r2')!.pids)) {
      expect(daemonNetnsDir(pid)).toEqual(['red']);
    }
    expect(readdirSync('/run/netns')).not.toContain('red');
    expect(readdirSync('/run/netns')).toContain('ssim-rvrf-r2.vrf');

    const t1 = Date.now();
    await established(R1);
    console.log(`[router-vrf] r2 (VRF red) Established with r1 ${Date.now() - t1} ms after up`);
    // r2's session is in its VRF red instance; `show bgp neighbors json` reads that instance.
    expect((await bgpNeighbors(ref))[R1]?.state).toBe('Established');
    const table = async (cmd: string) =>
      JSON.parse(await vtyshCommands(ref, [cmd])) as { routes?: object };
    await expect
      .poll(
        async () => Object.keys((await table('show bgp vrf red ipv4 unicast json')).routes ?? {}),
        {
          timeout: 10_000,
        },
      )
      .toEqual(expect.arrayContaining(['198.18.117.0/24', '198.18.118.0/24']));
    // IPv6 the same way, over its own session in the VRF.
    await established(R1V6);
    await expect
      .poll(
        async () => Object.keys((await table('show bgp vrf red ipv6 unicast json')).routes ?? {}),
        { timeout: 10_000 },
      )
      .toEqual(expect.arrayContaining(['2001:db8:117::/48', '2001:db8:118::/48']));
    // Its default VRF's instance is empty; the kernel route is in the VRF's namespace.
    expect((await table('show bgp ipv4 unicast json')).routes ?? {}).toEqual({});
    // zebra installed it in the VRF's namespace's kernel table, and not in r2's own.
    const kernel = async (ns: string) =>
      (await run(['ip', '-n', ns, 'route', 'show', '198.18.117.0/24'])).stdout.trim();
    await expect
      .poll(() => kernel('ssim-rvrf-r2.vrf'))
      .toMatch(/^198\.18\.117\.0\/24 via 198\.18\.17\.1 dev eth0 proto bgp/);
    expect(await kernel('ssim-rvrf-r2')).toBe('');
    // The lab-range rule: no default route in either of r2's namespaces.
    for (const ns of ['ssim-rvrf-r2', 'ssim-rvrf-r2.vrf']) {
      for (const family of ['-4', '-6']) {
        const routes = await run(['ip', family, '-n', ns, 'route', 'show', 'default']);
        expect(routes.stdout.trim()).toBe('');
      }
    }
  }, 90_000);

  it('faults reach the interface in the VRF: link down, BGP drop, daemon and router restart', async () => {
    // Hold time 3 s: a pulled cable ends the session within it.
    await linkDown(ref);
    await waitForNeighbor(ref, R1, (n) => n.state !== 'Established', 15_000);
    await linkUp(ref);
    await established(R1);

    // nft rules in the VRF's namespace, where r2's BGP packets are.
    const drop = await dropBgp(ref, { peer: R1 });
    await waitForNeighbor(ref, R1, (n) => n.state !== 'Established', 15_000);
    expect(await restorePackets(drop)).toBeGreaterThan(0);
    await established(R1);

    // A restarted bgpd and a restarted router still see VRF red through their own mounts.
    await restartDaemon(ref, 'bgpd');
    await established(R1);
    const pids = await restartRouter(ref);
    for (const pid of Object.values(pids)) {
      expect(daemonNetnsDir(pid)).toEqual(['red']);
    }
    expect(await vtyshCommands(ref, ['show vrf'])).toMatch(/^vrf red id \d+ netns/m);
    await established(R1);
  }, 120_000);

  it('down leaves no namespace, process or mount; so does a sweep without the state file', async () => {
    for (const withState of [true, false]) {
      if (!withState) await labUp(topology, { cleanupOnExit: true });
      const vrfNs = statSync('/run/netns/ssim-rvrf-r2.vrf').ino;
      expect(vrfMounts(vrfNs).length).toBeGreaterThan(0);
      if (!withState) rmSync(stateFilePath(LAB, RUN_ROOT)); // a crashed run's leftovers
      const report = await labDown(LAB, { force: true });
      expect(report.namespaces.sort()).toEqual([
        'ssim-rvrf-r1',
        'ssim-rvrf-r2',
        'ssim-rvrf-r2.vrf',
      ]);
      expect(report.leftovers).toEqual([]);
      expect(labLeftovers(LAB, RUN_ROOT)).toEqual([]);
      expect(vrfMounts(vrfNs)).toEqual([]);
      // Nothing holds the VRF's namespace: no process in it, no bind mount of it anywhere.
      expect(processesIn(vrfNs)).toEqual([]);
    }
  }, 120_000);
});
