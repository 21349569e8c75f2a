import { afterAll, expect, it } from 'vitest';
import { inNamespace, run } from '../../src/lab/exec.js';
import { labDown, labUp } from '../../src/lab/lifecycle.js';
import { routerNamespace } from '../../src/lab/names.js';
import { HOST, readThresholds } from '../../src/lab/neighbor-table.js';
import type { LabTopology } from '../../src/lab/topology.js';
import { integration, serialLabFile } from './require.js';

// The kernel's ARP table is one for the whole host (gc_thresh3 1,024 by default). A lab whose
// routers learn more node addresses than that used to lose entries: routers stopped reaching
// nodes, and BGP sessions ended on hold timer expiry 180 s later (bench:scale, 100 x 20). Here
// 3 routers each reach 400 nodes (1,200 entries): every one must answer.
const LAB = 'intab';
const ROUTERS = 3;
const NODES = 400;
const host = (n: number): string => `198.18.${72 + (n >> 8)}.${n & 255}`;

const topology: LabTopology = {
  name: LAB,
  segments: [{ name: 'lan', ipv4Prefix: '198.18.72.0/22' }],
  routers: Array.from({ length: ROUTERS }, (_, i) => ({
    name: `r${i + 1}`,
    asn: 64500,
    routerId: host(1 + i),
    interfaces: [{ segment: 'lan', ipv4: host(1 + i) }],
    neighbors: [],
  })),
  nodes: Array.from({ length: NODES }, (_, i) => ({
    name: `n${i}`,
    asn: 64501,
    segment: 'lan',
    ipv4: host(100 + i),
  })),
};

/**
 * From the router's namespace, a TCP connect to port 9 of every node: the host answers each
 * with a reset once the router has resolved the node's address, so "refused" means reached.
 */
const PROBE = `
const net = require('node:net');
const targets = JSON.parse(process.argv[1]);
const out = {};
let left = targets.length;
for (const t of targets) {
  const s = net.connect({ host: t, port: 9, timeout: 15000 });
  const done = (r) => { out[r] = (out[r] || 0) + 1; s.destroy(); if (--left === 0) console.log(JSON.stringify(out)); };
  s.once('connect', () => done('connected'));
  s.once('timeout', () => done('timeout'));
  s.once('error', (e) => done(e.code || 'error'));
}
`;

integration(['root', 'frr', 'vtysh', 'ip', 'nft'])(
  'netns lab: the host ARP table holds every entry of a large lab',
  () => {
    serialLabFile();

    afterAll(async () => {
      await labDown(LAB, { force: true });
    });

    it('3 routers reach all 400 nodes; the thresholds go back after lab down', async () => {
      const before = readThresholds(HOST, 'ipv4');
      await labUp(topology);
      const during = readThresholds(HOST, 'ipv4');
      // 3 x (3 + 400 + 16) + 3 + 16 entries reserved above what the host had.
      expect(during[2]).toBeGreaterThanOrEqual(1_276 + 1_024);
      const nodes = topology.nodes.map((n) => n.ipv4!);
      for (const r of topology.routers) {
        const argv = inNamespace(routerNamespace(LAB, r.name), [
          process.execPath,
          '-e',
          PROBE,
          JSON.stringify(nodes),
        ]);
        const res = await run(argv, { timeoutMs: 60_000 });
        expect({ router: r.name, ...JSON.parse(res.stdout) }).toEqual({
          router: r.name,
          ECONNREFUSED: NODES,
        });
      }
      const neigh = await run(inNamespace(routerNamespace(LAB, 'r3'), ['ip', '-4', 'neigh']));
      expect(neigh.stdout.split('\n').filter((l) => / lladdr /.test(l)).length).toBe(NODES);

      const report = await labDown(LAB);
      expect(report.leftovers).toEqual([]);
      // Unless another lab is still up (a developer's machine), the host has its values back.
      const { stdout } = await run(['ip', '-o', 'link', 'show'], { allowFailure: true });
      if (!/: ssim-/.test(stdout)) expect(readThresholds(HOST, 'ipv4')).toEqual(before);
    }, 240_000);
  },
);
