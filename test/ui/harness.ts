/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// The functions passed to page.evaluate run in the browser.
/**
 * A builtin lab (real time) with the live view attached, as `speakersim lab up --ui` runs it,
 * and Debian's chromium driven by puppeteer-core over its DevTools pipe. Shared by the live
 * view test and `npm run bench:ui`.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { injectAction } from '../../src/scenario/registry/actions.js';
import type { KubeResource } from '../../src/k8s/client.js';
import { loadScenario } from '../../src/scenario/load.js';
import { StepRunner } from '../../src/scenario/runner/run.js';
import { ScenarioSession } from '../../src/scenario/runner/session.js';
import { LiveViewServer } from '../../src/ui/server.js';
import { sessionSource } from '../../src/ui/source.js';
import type { FaultRequest } from '../../src/ui/model.js';

export const FIXTURE = path.join(import.meta.dirname, 'fixtures', 'live-view.yaml');

/** Where chromium is: $CHROMIUM, else Debian's package. */
export function chromiumPath(): string | undefined {
  const candidates = [process.env.CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser'];
  return candidates.find((p): p is string => !!p && existsSync(p));
}

/** One BGPSessionState change as the page recorded it (window.liveView.renders). */
export interface PageRender {
  node: string;
  peer: string;
  bgp: string;
  bfd: string;
  /** When the live view server's watch saw it (wall ms). */
  seenAt: number;
  /** When the page had drawn it (wall ms). */
  at: number;
}

/** A BGPSessionState change seen by this process's own watch on the API server. */
export interface ApiObservation {
  node: string;
  peer: string;
  bgp: string;
  bfd: string;
  at: number;
}

export interface UiLab {
  session: ScenarioSession;
  runner: StepRunner;
  view: LiveViewServer;
  browser: Browser;
  page: Page;
  /** Every BGPSessionState change this process's watch saw, in order. */
  api: ApiObservation[];
  /** What `speakersim inject` sends, run the same way. */
  inject(request: FaultRequest): Promise<unknown>;
  close(): Promise<void>;
}

export async function startUiLab(
  executablePath: string,
  viewport = { width: 1000, height: 700 },
): Promise<UiLab> {
  const scenario = await loadScenario(FIXTURE, { allowOutsideFiles: true });
  const session = await ScenarioSession.start(scenario, { clock: 'real' });
  const cleanups: (() => Promise<void> | void)[] = [() => session.close()];
  const close = async () => {
    for (const c of cleanups.reverse()) await c();
  };
  try {
    const runner = new StepRunner(session);
    const inject = (r: FaultRequest) => runner.act(injectAction(r.fault, r));
    const view = await LiveViewServer.start();
    cleanups.push(() => view.close());
    await view.attach(sessionSource(session, inject));
    const api: ApiObservation[] = [];
    const stopWatch = await session.client.watch(
      'frrk8s.metallb.io/v1beta1',
      'BGPSessionState',
      {},
      (type, obj: KubeResource) => {
        if (type !== 'ADDED' && type !== 'MODIFIED') return;
        const st = (obj as { status?: Record<string, string> }).status ?? {};
        api.push({
          node: st['node'] ?? '',
          peer: st['peer'] ?? '',
          bgp: st['bgpStatus'] ?? '',
          bfd: st['bfdStatus'] ?? '',
          at: Date.now(),
        });
      },
    );
    cleanups.push(stopWatch);
    const browser = await puppeteer.launch({
      executablePath,
      headless: true,
      pipe: true,
      // --no-sandbox: CI runs as root, where chromium's sandbox cannot start.
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-dev-shm-usage',
        '--no-first-run',
        // Greyscale text: the README's screenshot stays a few tens of KB.
        '--disable-lcd-text',
      ],
    });
    cleanups.push(() => browser.close());
    const page = await browser.newPage();
    await page.setViewport(viewport);
    await page.goto(view.url, { waitUntil: 'domcontentloaded' });
    return { session, runner, view, browser, page, api, inject, close };
  } catch (e) {
    await close();
    throw e;
  }
}

/** Waits until this process's watch has seen the session in the given state; its time. */
export async function apiSees(
  lab: UiLab,
  want: { node: string; peer: string; bgp?: string; bfd?: string },
  after: number,
  timeoutMs = 15_000,
): Promise<ApiObservation> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const hit = lab.api.find(
      (o) =>
        o.at >= after &&
        o.node === want.node &&
        o.peer === want.peer &&
        (want.bgp === undefined || o.bgp === want.bgp) &&
        (want.bfd === undefined || o.bfd === want.bfd),
    );
    if (hit) return hit;
    if (Date.now() > deadline)
      throw new Error(
        `API server never showed ${JSON.stringify(want)} (saw ${JSON.stringify(lab.api.slice(-6))})`,
      );
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Waits until the page has drawn the session in the given state; the page's record of it. */
export async function pageShows(
  lab: UiLab,
  want: { node: string; peer: string; bgp?: string; bfd?: string },
  after: number,
  timeoutMs = 15_000,
): Promise<PageRender> {
  const handle = await lab.page.waitForFunction(
    (w: { node: string; peer: string; bgp?: string; bfd?: string }, t: number) => {
      const renders = (window as unknown as { liveView?: { renders: PageRender[] } }).liveView
        ?.renders;
      return (
        renders?.find(
          (r) =>
            r.at >= t &&
            r.node === w.node &&
            r.peer === w.peer &&
            (w.bgp === undefined || r.bgp === w.bgp) &&
            (w.bfd === undefined || r.bfd === w.bfd),
        ) ?? false
      );
    },
    { timeout: timeoutMs, polling: 'mutation' },
    want,
    after,
  );
  return (await handle.jsonValue()) as PageRender;
}

/** Waits until every session of the lab is Established (with BFD Up where r1 runs BFD). */
export async function allUp(lab: UiLab, timeoutMs = 30_000): Promise<void> {
  await lab.page.waitForFunction(
    () => {
      const rows = [...document.querySelectorAll('#sessions tbody tr')];
      return (
        rows.length === 4 &&
        rows.every(
          (r) =>
            r.getAttribute('data-bgp') === 'Established' &&
            ['Up', 'N/A'].includes(r.getAttribute('data-bfd') ?? ''),
        )
      );
    },
    { timeout: timeoutMs, polling: 100 },
  );
}

/** One BFD drop on r1 for `node`: when it was injected, seen by the API server, drawn. */
export async function bfdDownLatency(
  lab: UiLab,
  node: string,
): Promise<{ injectedAt: number; api: ApiObservation; page: PageRender }> {
  const injectedAt = Date.now();
  await lab.inject({ fault: 'drop-bfd', router: 'r1', node });
  const want = { node, peer: '198.18.0.1', bfd: 'Down' };
  const api = await apiSees(lab, want, injectedAt);
  const page = await pageShows(lab, want, injectedAt);
  return { injectedAt, api, page };
}

/** Restores BFD on r1 for `node` and waits until the page shows it Established with BFD Up. */
export async function bfdRestored(lab: UiLab, node: string, timeoutMs = 30_000): Promise<void> {
  const restoredAt = Date.now();
  await lab.inject({ fault: 'restore-bfd', router: 'r1', node });
  await pageShows(
    lab,
    { node, peer: '198.18.0.1', bgp: 'Established', bfd: 'Up' },
    restoredAt,
    timeoutMs,
  );
}
