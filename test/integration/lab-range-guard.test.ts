import { connect } from 'node:net';
import { afterAll, expect, it } from 'vitest';
import { run } from '../../src/lab/exec.js';
import { LAB_RANGES, readUnreachable } from '../../src/lab/host-routes.js';
import { labDown, labUp } from '../../src/lab/lifecycle.js';
import { LAB_LINK_STEM } from '../../src/lab/names.js';
import { testLabTopology } from '../lab/fixtures.js';
import { integration, serialLabFile } from './require.js';

// The network rule: lab traffic goes to the lab's namespaces only. A node that tries a lab
// address no segment covers (a node VRF's peer from the default namespace, a retry after the
// lab went down) must fail on the host, not leave through its default route.
const LAB = 'igrd';
const topology = testLabTopology(LAB, { subnet: 15 });

/** How the kernel would route `dst`: the first word of `ip route get` (e.g. "unreachable"). */
async function routeGet(dst: string): Promise<string> {
  const r = await run(['ip', 'route', 'get', dst], { allowFailure: true });
  return `${r.stdout}${r.stderr}`.trim();
}

/** A TCP connect's outcome within 5 s: the error code, or "connected". */
function tryConnect(host: string): Promise<string> {
  return new Promise((resolve) => {
    const s = connect({ host, port: 179, timeout: 5_000 });
    s.once('connect', () => {
      s.destroy();
      resolve('connected');
    });
    s.once('timeout', () => {
      s.destroy();
      resolve('timeout');
    });
    s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
  });
}

integration(['root', 'frr', 'vtysh', 'ip', 'nft'])(
  'netns lab: the host never routes a lab address out',
  () => {
    serialLabFile();

    afterAll(async () => {
      await labDown(LAB, { force: true });
    });

    it('while a lab is up, lab addresses outside its segments are unreachable; after the last lab, the guard is gone', async () => {
      await labUp(topology);
      expect(readUnreachable()).toEqual(expect.arrayContaining([...LAB_RANGES]));
      // Inside the lab's own segment: the lab's bridge, not the guard.
      expect(await routeGet('198.18.15.1')).toMatch(/dev ssim-/);
      // Elsewhere in the ranges: refused at once by the host.
      expect(await routeGet('198.19.77.1')).toMatch(/unreachable|No route to host/i);
      expect(await tryConnect('198.19.77.1')).toBe('EHOSTUNREACH');
      expect(await tryConnect('2001:db8:77::1')).toMatch(/EHOSTUNREACH|ENETUNREACH/);

      const report = await labDown(LAB);
      expect(report.leftovers).toEqual([]);
      const { stdout } = await run(['ip', '-o', 'link', 'show'], { allowFailure: true });
      const otherLabs = stdout.split('\n').some((l) => l.includes(`: ${LAB_LINK_STEM}`));
      // With another lab still up (a developer's machine) its guard must stay; otherwise it goes.
      if (otherLabs) expect(readUnreachable()).toEqual(expect.arrayContaining([...LAB_RANGES]));
      else expect(readUnreachable().filter((d) => LAB_RANGES.includes(d as never))).toEqual([]);
    }, 120_000);
  },
);
