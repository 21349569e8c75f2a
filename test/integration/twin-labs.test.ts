import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { composeLeftovers } from '../../src/lab/compose.js';
import { isAlive } from '../../src/lab/kernel.js';
import { labStatus } from '../../src/lab/lifecycle.js';
import { LAB_RUN_ROOT } from '../../src/lab/names.js';
import type { LabRecord } from '../../src/lab/registry.js';
import { overlappingBlocks, relocateText } from '../../src/lab/relocate.js';
import { parseBgpRoutes } from '../../src/lab/frr-json.js';
import { waitFor } from '../../src/lab/router-state.js';
import { labLeftovers } from '../../src/lab/teardown.js';
import type { Backend } from '../../src/scenario/types.js';
import { integration, type Need, serialLabFile } from './require.js';

// Labs that never collide, with one scenario: `lab up --name` twice on the same file gives two
// labs on address blocks of their own (the second is relocated), both Established, each router
// learning its own lab's service route; a refused `lab up` and a fault in one lab leave the
// other alone; `lab down` of both leaves no namespace, daemon, container or registry file.
const repo = resolve(import.meta.dirname, '../..');
const tsx = join(repo, 'node_modules/.bin/tsx');
const scenario = join(repo, 'test/lab/contract/two-nodes.yaml');
const SERVICE_ROUTE = '198.18.100.10/32';

function twins(backend: Exclude<Backend, 'builtin'>, needs: readonly Need[]): void {
  integration(needs)(`two labs of one scenario side by side (${backend})`, () => {
    serialLabFile();
    let work = '';
    let labsDir = '';
    beforeAll(() => {
      work = mkdtempSync(join(tmpdir(), `ssim-twins-${backend}-`));
      labsDir = join(work, 'labs');
    });
    const cli = (...args: string[]) =>
      spawnSync(tsx, [join(repo, 'src/cli/main.ts'), ...args], {
        cwd: repo,
        env: { ...process.env, SPEAKERSIM_LAB_DIR: labsDir },
        encoding: 'utf8',
        timeout: 240_000,
      });
    const names = [`twin-${backend}-a`, `twin-${backend}-b`] as const;
    const record = (name: string) =>
      JSON.parse(readFileSync(join(labsDir, `${name}.json`), 'utf8')) as LabRecord;
    const row = (name: string, node: string) =>
      new RegExp(`^${node}\\s+r1\\s+\\S+\\s+(\\S+)\\s+(\\S+)`, 'm').exec(
        cli('lab', 'status', name).stdout,
      );
    const established = (name: string) =>
      ['worker0', 'worker1'].every((n) => row(name, n)?.[1] === 'Established');
    const until = async (what: string, ok: () => boolean, ms: number) =>
      waitFor(what, () => Promise.resolve(ok() ? true : undefined), ms);
    /** The lab's service route on its router, at the lab's (relocated) address. */
    const routeOf = (name: string) => {
      const prefix = relocateText(SERVICE_ROUTE, record(name).relocation ?? []);
      // Through the lab's own vtysh (`inject vtysh`), which reaches netns and compose routers.
      const show = cli(
        'inject',
        'vtysh',
        '--lab',
        name,
        '--router',
        'r1',
        '--command',
        'show bgp ipv4 unicast json',
      );
      if (show.status !== 0) throw new Error(show.stderr);
      const table = parseBgpRoutes(show.stdout, 'ipv4');
      return { prefix, paths: table.routes[prefix] ?? [] };
    };
    const pids: number[] = [];

    afterAll(() => {
      for (const name of [...names, `twin-${backend}-c`]) cli('lab', 'down', name, '--force');
      rmSync(work, { recursive: true, force: true });
    });

    it('lab up --name twice: the second lab is relocated to blocks of its own', () => {
      for (const name of names) {
        const t0 = Date.now();
        const up = cli('lab', 'up', scenario, '--backend', backend, '--name', name, '--detach');
        console.log(`[twin-labs] ${backend} lab up --detach ${name}: ${Date.now() - t0} ms`);
        expect(up.status, up.stderr).toBe(0);
        expect(up.stdout).toContain(`lab ${name} is up (backend: ${backend})`);
      }
      const [a, b] = names.map(record);
      expect(b!.relocation?.length).toBeGreaterThan(0);
      expect(cli('lab', 'up', scenario, '--backend', backend, '--name', names[1]).stderr).toContain(
        'ERR_LAB_ALREADY_UP',
      );
      expect(overlappingBlocks(a!.blocks!, b!.blocks!)).toEqual([]);
      const moved = b!.relocation!.map((p) => `${p.from} -> ${p.to}`).join(', ');
      expect(cli('lab', 'status', names[1]).stdout).toContain(`addresses: ${moved}`);
    }, 600_000);

    it('both labs reach Established and each router learns its own service route', async () => {
      for (const name of names) {
        await until(`${name} Established`, () => established(name), 120_000);
        const route = await waitFor(
          `${name} route`,
          () => {
            const r = routeOf(name);
            return Promise.resolve(r.paths.length === 2 ? r : undefined);
          },
          60_000,
        );
        // Two paths (worker0, worker1), each with a next hop in the lab's own node block.
        const hops = route.paths.flatMap((p) => p.nexthops.map((h) => h.ip)).sort();
        const plan = record(name).relocation ?? [];
        expect(hops).toEqual(['198.18.0.101', '198.18.0.102'].map((h) => relocateText(h, plan)));
      }
      expect(routeOf(names[0]).prefix).not.toBe(routeOf(names[1]).prefix);
      if (backend === 'netns') {
        for (const name of names) {
          pids.push(...(await labStatus(name)).routers.flatMap((r) => Object.values(r.pids)));
        }
        expect(pids.length).toBe(8);
      }
    }, 300_000);

    it('a refused lab up (--no-relocate) and a fault in one lab leave the other alone', async () => {
      const refused = cli(
        'lab',
        'up',
        scenario,
        '--backend',
        backend,
        '--name',
        `twin-${backend}-c`,
        '--no-relocate',
      );
      expect(refused.status).toBe(1);
      expect(refused.stderr).toContain('ERR_LAB_ADDRESSES_IN_USE');
      expect(names.every(established)).toBe(true);

      const down = cli('inject', 'link-down', '--lab', names[1], '--router', 'r1');
      expect(down.status, down.stderr).toBe(0);
      // BFD (3 x 300 ms) takes lab b's sessions down; lab a never notices.
      await until(`${names[1]} down`, () => !established(names[1]), 30_000);
      for (let i = 0; i < 5; i++) {
        expect(established(names[0])).toBe(true);
        expect(routeOf(names[0]).paths.length).toBe(2);
        await new Promise((r) => setTimeout(r, 500));
      }
      expect(cli('inject', 'link-up', '--lab', names[1], '--router', 'r1').status).toBe(0);
      await until(`${names[1]} back`, () => established(names[1]), 120_000);
      expect(established(names[0])).toBe(true);
    }, 300_000);

    it('lab down of both leaves no namespace, daemon, container or registry file', () => {
      for (const name of names) {
        const t0 = Date.now();
        const down = cli('lab', 'down', name);
        console.log(`[twin-labs] ${backend} lab down ${name}: ${Date.now() - t0} ms`);
        expect(down.status, down.stderr).toBe(0);
        expect(labLeftovers(name, LAB_RUN_ROOT)).toEqual([]);
        if (backend === 'compose') expect(composeLeftovers(name)).toEqual([]);
      }
      expect(pids.filter(isAlive)).toEqual([]);
      expect(readdirSync(labsDir).filter((f) => !f.startsWith('.'))).toEqual([]);
      expect(readdirSync(LAB_RUN_ROOT).filter((f) => names.some((n) => f === n))).toEqual([]);
    }, 300_000);
  });
}

twins('netns', ['root', 'frr', 'vtysh', 'ip', 'nft']);
twins('compose', ['root', 'frr', 'vtysh', 'ip', 'nft', 'docker']);
