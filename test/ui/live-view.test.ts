/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// The functions passed to page.evaluate run in the browser.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { integration, serialLabFile } from '../integration/require.js';
import {
  allUp,
  apiSees,
  bfdDownLatency,
  bfdRestored,
  chromiumPath,
  pageShows,
  startUiLab,
  type UiLab,
} from './harness.js';

// The live view in a real headless Chromium against a builtin lab in real time, as
// `speakersim lab up --ui` serves it. Skips (and says why) only where chromium is missing;
// CI installs it and sets SPEAKERSIM_REQUIRE_INTEGRATION=1, so there it cannot skip.
// SPEAKERSIM_UPDATE_SCREENSHOT=1 writes docs/live-view.png (the README's picture).
const SCREENSHOT =
  process.env.SPEAKERSIM_UPDATE_SCREENSHOT === '1'
    ? path.join(import.meta.dirname, '../../docs/live-view.png')
    : path.join(tmpdir(), `speakersim-live-view-${process.pid}.png`);

integration(['chromium'])('live view in headless Chromium', () => {
  serialLabFile();
  let lab: UiLab;

  beforeAll(async () => {
    lab = await startUiLab(chromiumPath()!);
    await allUp(lab);
  }, 60_000);

  afterAll(async () => {
    await lab?.close();
    // The temp copy goes; docs/live-view.png (SPEAKERSIM_UPDATE_SCREENSHOT=1) stays.
    if (process.env.SPEAKERSIM_UPDATE_SCREENSHOT !== '1') rmSync(SCREENSHOT, { force: true });
  });

  it('draws the topology, the sessions table and the announced service', async () => {
    const page = lab.page;
    const drawn = await page.evaluate(() => ({
      routers: [...document.querySelectorAll('svg g.router')].map((g) =>
        g.getAttribute('data-router'),
      ),
      nodes: [...document.querySelectorAll('svg g.node')].map((g) => g.getAttribute('data-node')),
      sessions: [...document.querySelectorAll('svg g.session')]
        .map(
          (g) =>
            `${g.getAttribute('data-node')}>${g.getAttribute('data-peer')} ${g.getAttribute('data-bgp')}/${g.getAttribute('data-bfd')}`,
        )
        .sort(),
      rows: [...document.querySelectorAll('#sessions tbody tr')]
        .map((tr) => [...(tr as HTMLTableRowElement).cells].map((c) => c.textContent))
        .map((c) => [c[0], c[2], c[3], c[4], c[5], c[6]].join(' '))
        .sort(),
      faultButtons: document.querySelectorAll('#faults button').length,
      lab: document.getElementById('lab')?.textContent,
    }));
    expect(drawn.routers).toEqual(['r1', 'r2']);
    expect(drawn.nodes).toEqual(['worker0', 'worker1']);
    expect(drawn.sessions).toEqual([
      'worker0>198.18.0.1 Established/Up',
      'worker0>198.18.0.2 Established/N/A',
      'worker1>198.18.0.1 Established/Up',
      'worker1>198.18.0.2 Established/N/A',
    ]);
    // NAMESPACE NODE PEER VRF BGP BFD, as `kubectl get bgpsessionstates -A -o wide`.
    expect(drawn.rows).toEqual([
      'openshift-frr-k8s worker0 198.18.0.1  Established Up',
      'openshift-frr-k8s worker0 198.18.0.2  Established N/A',
      'openshift-frr-k8s worker1 198.18.0.1  Established Up',
      'openshift-frr-k8s worker1 198.18.0.2  Established N/A',
    ]);
    expect(drawn.faultButtons).toBe(2 * 7);
    expect(drawn.lab).toBe('uiview (backend builtin)');
    // web gets the pool's first address; with externalTrafficPolicy Cluster every node
    // announces it to both peers (its one ready endpoint is on worker0).
    await page.waitForFunction(
      () =>
        document.querySelector('tr[data-service="default/web"]')?.textContent ===
        'default/web198.18.100.10worker0 -> r1, r2; worker1 -> r1, r2',
      { timeout: 10_000 },
    );
    const announce = await page.$$eval('svg g.node[data-node="worker0"] text.announce', (t) =>
      t.map((x) => x.textContent),
    );
    expect(announce).toEqual(['announces default/web 198.18.100.10']);
  });

  it('shows BFD Down within 1 s of the API server having it, after `inject drop-bfd`', async () => {
    const { injectedAt, api, page } = await bfdDownLatency(lab, 'worker0');
    const apiToPage = page.at - api.at;
    console.log(
      `[live-view] drop-bfd -> API server ${api.at - injectedAt} ms -> page +${apiToPage} ms`,
    );
    expect(apiToPage).toBeLessThan(1000);
    expect(page.at - injectedAt).toBeGreaterThanOrEqual(0);
    // The table row and the drawing both say so.
    const shown = await lab.page.evaluate(() => ({
      row: document
        .querySelector('#sessions tr[data-node="worker0"][data-peer="198.18.0.1"]')
        ?.getAttribute('data-bfd'),
      line: document
        .querySelector('svg g.session[data-node="worker0"][data-peer="198.18.0.1"]')
        ?.getAttribute('data-bfd'),
      log: document.getElementById('watchlog')?.textContent ?? '',
    }));
    expect(shown.row).toBe('Down');
    expect(shown.line).toBe('Down');
    expect(shown.log).toMatch(/worker0\s+198\.18\.0\.1\s+\S+\s+Down\n/);
    // BGP follows BFD down (RFC 9384 Cease/BFD Down): the picture with that is the README's.
    await pageShows(lab, { node: 'worker0', peer: '198.18.0.1', bfd: 'Down' }, injectedAt);
    await lab.page.waitForFunction(
      () =>
        document
          .querySelector('svg g.session[data-node="worker0"][data-peer="198.18.0.1"]')
          ?.getAttribute('data-bgp') !== 'Established',
      { timeout: 10_000 },
    );
    mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
    const png = await lab.page.screenshot({ type: 'png' });
    writeFileSync(SCREENSHOT, png);
    expect(Buffer.from(png).subarray(1, 4).toString()).toBe('PNG');
    expect(png.length).toBeGreaterThan(5_000);
    await bfdRestored(lab, 'worker0');
  }, 60_000);

  it('runs a fault from its button, through the same fault code as inject', async () => {
    const page = lab.page;
    await page.select('select[data-router="r1"]', 'worker1');
    const clickedAt = Date.now();
    await page.click('button[data-router="r1"][data-fault="drop-bfd"]');
    const want = { node: 'worker1', peer: '198.18.0.1', bfd: 'Down' };
    await apiSees(lab, want, clickedAt);
    await pageShows(lab, want, clickedAt);
    const result = await page.evaluate(
      () => (window as unknown as { liveView: { lastInject?: unknown } }).liveView.lastInject,
    );
    expect(result).toMatchObject({
      ok: true,
      request: { fault: 'drop-bfd', router: 'r1', node: 'worker1' },
    });
    // Only worker1's session with r1 lost BFD.
    const worker0 = await page.$eval(
      '#sessions tr[data-node="worker0"][data-peer="198.18.0.1"]',
      (tr) => tr.getAttribute('data-bfd'),
    );
    expect(worker0).toBe('Up');
    const restoreAt = Date.now();
    await page.click('button[data-router="r1"][data-fault="restore-bfd"]');
    await pageShows(lab, { ...want, bgp: 'Established', bfd: 'Up' }, restoreAt, 30_000);
  }, 60_000);

  it('refuses bad fault requests and other origins with their codes', async () => {
    const post = (body: string, headers: Record<string, string> = {}) =>
      fetch(new URL('/api/inject', lab.view.url), {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
      }).then(async (r) => ({
        status: r.status,
        code: ((await r.json()) as { code: string }).code,
      }));
    expect(await post('{"fault":"drop-bfd","router":"r9"}')).toEqual({
      status: 400,
      code: 'ERR_UI_BAD_REQUEST',
    });
    expect(await post('{"fault":"rm -rf","router":"r1"}')).toEqual({
      status: 400,
      code: 'ERR_UI_BAD_REQUEST',
    });
    expect(await post('not json')).toEqual({ status: 400, code: 'ERR_UI_BAD_REQUEST' });
    expect(
      await post('{"fault":"drop-bfd","router":"r1"}', { 'content-type': 'text/plain' }),
    ).toEqual({
      status: 400,
      code: 'ERR_UI_BAD_REQUEST',
    });
    expect(
      await post('{"fault":"drop-bfd","router":"r1"}', { origin: 'http://evil.example' }),
    ).toEqual({ status: 403, code: 'ERR_UI_FORBIDDEN' });
    // Nothing was dropped by any of them.
    const rows = await lab.page.$$eval('#sessions tbody tr', (trs) =>
      trs.map((tr) => tr.getAttribute('data-bfd')),
    );
    expect(rows.sort()).toEqual(['N/A', 'N/A', 'Up', 'Up']);
  });

  it('shows names from the API server as text, never as markup', async () => {
    const hostile = '<img src=x onerror="window.__pwned=1">';
    const created = await lab.session.client.create({
      apiVersion: 'frrk8s.metallb.io/v1beta1',
      kind: 'BGPSessionState',
      metadata: { name: 'hostile', namespace: 'openshift-frr-k8s' },
      spec: {},
    });
    await lab.session.client.patchStatus(created, {
      status: { node: hostile, peer: '"><script>window.__pwned=2</script>', bgpStatus: 'Idle' },
    });
    await lab.page.waitForFunction(
      (h: string) =>
        [...document.querySelectorAll('#sessions td')].some((td) => td.textContent === h),
      { timeout: 10_000 },
      hostile,
    );
    const seen = await lab.page.evaluate(() => ({
      pwned: (window as unknown as { __pwned?: number }).__pwned,
      imgs: document.querySelectorAll('img').length,
      scripts: document.querySelectorAll('script').length,
    }));
    expect(seen).toEqual({ pwned: undefined, imgs: 0, scripts: 1 });
    await lab.session.client.delete(created);
    await lab.page.waitForFunction(
      () => !document.querySelector('#sessions tr[data-key$="/hostile"]'),
      {
        timeout: 10_000,
      },
    );
  });
});
