import { cpSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect, it } from 'vitest';
import { run } from '../../src/lab/exec.js';
import { renderRouterFiles } from '../../src/lab/render.js';
import { validateTopology } from '../../src/lab/topology.js';
import { richTopology } from '../lab/fixtures.js';
import { integration } from './require.js';

// FRR itself judges the rendered configs: `vtysh -C` parses frr.conf with every daemon's
// grammar and exits non-zero on any line it does not accept. No root needed.
const repo = resolve(import.meta.dirname, '../..');

async function frrAccepts(frrConf: string): Promise<{ code: number | null; out: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'ssim-conf-'));
  try {
    writeFileSync(join(dir, 'frr.conf'), frrConf);
    writeFileSync(join(dir, 'vtysh.conf'), 'service integrated-vtysh-config\n');
    const r = await run(['vtysh', '--config_dir', dir, '-C'], { allowFailure: true });
    return { code: r.code, out: r.stdout + r.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

integration(['vtysh'])('FRR 8.4 accepts the rendered configs', () => {
  for (const router of readdirSync(resolve(repo, 'frr/default'))) {
    it(`frr/default/${router}/frr.conf (mounted by compose.yaml)`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'ssim-conf-'));
      try {
        cpSync(resolve(repo, 'frr/default', router), dir, { recursive: true });
        const r = await run(['vtysh', '--config_dir', dir, '-C'], { allowFailure: true });
        expect(r.code).toBe(0);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  const rich = validateTopology(richTopology());
  for (const router of rich.routers) {
    it(`every topology option renders into config FRR accepts (${router.name})`, async () => {
      const r = await frrAccepts(renderRouterFiles(rich, router)['frr.conf']);
      expect(r.out).toBe('');
      expect(r.code).toBe(0);
    });
  }

  it('the check can fail: a misspelt line is rejected', async () => {
    const r = await frrAccepts('router bgp 64500\n neighbr 198.18.0.2 remote-as 1\n');
    expect(r.code).not.toBe(0);
  });
});
