import { connect } from 'node:net';
import { beforeAll, expect, it } from 'vitest';
import { run } from '../../src/lab/exec.js';
import { isAlive } from '../../src/lab/kernel.js';
import type { LabInfo } from '../../src/lab/lifecycle.js';
import { describeLab, labDown, labStatus } from '../../src/lab/lifecycle.js';
import { bgpNeighbors, vtyshCommands } from '../../src/lab/router-state.js';
import { labLeftovers } from '../../src/lab/teardown.js';
import { testLabTopology } from '../lab/fixtures.js';
import { integration, labForFile } from './require.js';

const LAB = 'iup';
const RUN_ROOT = '/run/speakersim';
const topology = testLabTopology(LAB, { subnet: 10 });
const ref = { lab: LAB, router: 'r1' };

/** TCP connect from a chosen local (node) address: proves the lab path from host to router. */
function tcpReach(host: string, localAddress: string, port = 179): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port, localAddress, timeout: 3000 });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('timeout', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', () => resolve(false));
  });
}

async function json(argv: string[]): Promise<Record<string, unknown>[]> {
  return JSON.parse((await run(argv)).stdout || '[]') as Record<string, unknown>[];
}

integration(['root', 'frr', 'vtysh', 'ip', 'nft'])(
  'netns lab: up, reach, status, vtysh, down',
  () => {
    const lab = labForFile(topology);
    let info: LabInfo;

    beforeAll(() => {
      info = lab();
      console.log(`[lab-up] up timings (ms): ${JSON.stringify(info.timings)}`);
    });

    it('starts zebra, bgpd, bfdd and staticd inside the router namespace', async () => {
      const r1 = info.routers[0]!;
      expect(Object.keys(r1.pids).sort()).toEqual(['bfdd', 'bgpd', 'staticd', 'zebra']);
      for (const pid of Object.values(r1.pids)) {
        expect(isAlive(pid)).toBe(true);
        const ns = await run(['ip', 'netns', 'identify', String(pid)]);
        expect(ns.stdout.trim()).toBe('ssim-iup-r1');
      }
    });

    it('reaches the router from every node address, IPv4 and IPv6', async () => {
      for (const node of topology.nodes) {
        expect(await tcpReach('198.18.10.1', node.ipv4!)).toBe(true);
        expect(await tcpReach('2001:db8:10::1', node.ipv6!)).toBe(true);
      }
    });

    it('gives the router only its lab interface, connected routes and no default route', async () => {
      const ns = 'ssim-iup-r1';
      const links = await json(['ip', '-n', ns, '-j', 'link', 'show']);
      expect(links.map((l) => l.ifname).sort()).toEqual(['eth0', 'lo']);
      expect(links.find((l) => l.ifname === 'lo')!.operstate).toBe('UNKNOWN'); // lo is up
      const v4 = await json(['ip', '-n', ns, '-j', '-4', 'route', 'show', 'table', 'main']);
      expect(v4.map((r) => r.dst)).toEqual(['198.18.10.0/24']);
      const v6 = await json(['ip', '-n', ns, '-j', '-6', 'route', 'show', 'table', 'main']);
      expect(v6.some((r) => r.dst === 'default')).toBe(false);
      // IPv6 is usable at once: no address is tentative (DAD off).
      const addrs = await json(['ip', '-n', ns, '-j', '-6', 'addr', 'show', 'dev', 'eth0']);
      const flags = JSON.stringify(addrs);
      expect(flags).toContain('2001:db8:10::1');
      expect(flags).not.toContain('tentative');
    });

    it('gives the host only connected routes to the lab segment through the lab bridge', async () => {
      const routes = await json(['ip', '-j', '-4', 'route', 'show', 'dev', 'ssim-iup-b0']);
      expect(routes.map((r) => [r.dst, r.protocol])).toEqual([['198.18.10.0/24', 'kernel']]);
      const all = await json(['ip', '-j', 'route', 'show']);
      const lab = all.filter((r) => String(r.dev).startsWith('ssim-iup-'));
      expect(lab.every((r) => r.dst !== 'default' && r.gateway === undefined)).toBe(true);
    });

    it('reports status up with the commands to look inside', async () => {
      const status = await labStatus(LAB);
      expect(status.state).toBe('up');
      expect(status.routers[0]!.daemons).toEqual({
        zebra: true,
        bgpd: true,
        bfdd: true,
        staticd: true,
      });
      expect(describeLab(info)).toContain('vtysh --vty_socket /run/speakersim/iup/r1');
      expect(describeLab(info)).toContain('ip netns exec ssim-iup-r1');
    });

    it('reads neighbors through vtysh JSON and runs configure sequences', async () => {
      const before = await bgpNeighbors(ref);
      expect(before['198.18.10.10']!.remoteAs).toBe(64501);
      expect(before['198.18.10.10']!.state).not.toBe('Established');
      await vtyshCommands(ref, [
        'configure terminal',
        'router bgp 64500',
        'neighbor 198.18.10.10 shutdown',
      ]);
      expect((await bgpNeighbors(ref))['198.18.10.10']!.state).toBe('Idle');
      const config = await vtyshCommands(ref, ['show running-config']);
      expect(config).toContain('neighbor 198.18.10.10 shutdown');
      await expect(vtyshCommands(ref, ['show bgp no-such-thing json'])).rejects.toMatchObject({
        code: 'ERR_LAB_VTYSH_FAILED',
      });
    });

    it('down removes namespaces, links and daemons; a second down finds nothing', async () => {
      const pids = Object.values(info.routers[0]!.pids);
      const report = await labDown(LAB);
      console.log(`[lab-up] down took ${report.durationMs} ms`);
      expect(report.leftovers).toEqual([]);
      expect(labLeftovers(LAB, RUN_ROOT)).toEqual([]);
      expect(pids.filter(isAlive)).toEqual([]);
      expect((await labStatus(LAB)).state).toBe('down');
      await expect(labDown(LAB)).rejects.toMatchObject({ code: 'ERR_LAB_NOT_FOUND' });
    });
  },
);
