import { describe, expect, it } from 'vitest';
import { BFD_COLOURS, BGP_COLOURS, htmlReport } from '../../src/scenario/report/html.js';
import { buildLanes } from '../../src/scenario/report/swimlanes.js';
import { sampleRun } from './sample-run.js';

describe('HTML reporter', () => {
  const run = sampleRun();
  const html = htmlReport([run]);

  it('is one self-contained page: inline SVG and CSS, no external URL or resource', () => {
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).toContain('<svg class="timeline"');
    expect(html).toContain('<style>');
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/<(script|link|img|iframe)\b[^>]*\b(src|href)=/i);
    expect(html).not.toMatch(/@import|url\(/);
  });

  it('escapes what the scenario wrote', () => {
    expect(html).toContain('route &lt;withdrawn&gt; &amp; "gone"');
    expect(html).not.toContain('<withdrawn>');
  });

  it('draws one swimlane per session, coloured by BGP state, with BFD and NOTIFICATION marks', () => {
    const bgp = [...html.matchAll(/<rect class="bgp" data-state="(\w+)"[^>]*fill="(#[0-9a-f]+)"/g)];
    // Idle -> Active happens at t=0, so no Idle segment precedes Active.
    expect(bgp.map((m) => m[1])).toEqual(['Active', 'Established', 'Idle']);
    for (const m of bgp) expect(m[2]).toBe(BGP_COLOURS[m[1]!]);
    const bfd = [...html.matchAll(/<rect class="bfd" data-state="(\w+)"[^>]*fill="(#[0-9a-f]+)"/g)];
    expect(bfd.map((m) => m[1])).toEqual(['Down', 'Up', 'Down']);
    for (const m of bfd) expect(m[2]).toBe(BFD_COLOURS[m[1]!]);
    expect(html.match(/class="marker-notification"/g)?.length).toBe(1);
    expect(html.match(/class="marker-bfd"/g)?.length).toBe(2);
  });

  it('lists the resources that changed during each step', () => {
    expect(html).toContain('<h3>step 1: apply pool &amp; peer</h3>');
    expect(html).toContain('.status.assignedIPv4: 0 -&gt; 1');
  });

  it('lanes follow the transitions in time', () => {
    const [lane] = buildLanes(run.events, 32_100);
    expect(lane!.bgp).toEqual([
      { from: 0, to: 1200, state: 'Active' },
      { from: 1200, to: 2100, state: 'Established' },
      { from: 2100, to: 32_100, state: 'Idle' },
    ]);
    expect(lane!.bfd).toEqual([
      { from: 0, to: 1200, state: 'Down' },
      { from: 1200, to: 2100, state: 'Up' },
      { from: 2100, to: 32_100, state: 'Down' },
    ]);
  });
});

describe('HTML report summary and BFD lanes', () => {
  it('starts with a summary, the scenarios that did not pass first, each linked', () => {
    const ok = sampleRun();
    ok.name = 'all-good';
    // Only the first three steps, which passed.
    ok.events = ok.events.slice(
      0,
      ok.events.findIndex((e) => e.kind === 'step-start' && e.step === 3),
    );
    ok.steps = ok.steps!.slice(0, 3);
    const broken = sampleRun();
    broken.name = 'lab-broken';
    broken.events = [];
    broken.setupError = 'ERR_LAB_NETNS: cannot create namespace';
    const html = htmlReport([ok, sampleRun(), broken]);
    const rows = [
      ...html.matchAll(
        /<tr class="summary-row" data-verdict="(\w+)">.*?href="#(scenario-\d)">([^<]+)</g,
      ),
    ];
    expect(rows.map((r) => [r[1], r[2], r[3]])).toEqual([
      ['error', 'scenario-2', 'lab-broken'],
      ['fail', 'scenario-1', 'bfd-down-recovery'],
      ['pass', 'scenario-0', 'all-good'],
    ]);
    // The summary comes before the first scenario section, and names the first problem.
    expect(html.indexOf('class="summary"')).toBeLessThan(html.indexOf('class="scenario"'));
    expect(html).toContain('setup: ERR_LAB_NETNS: cannot create namespace');
    expect(html).toContain('step 4 route &lt;withdrawn&gt; &amp; "gone": ');
    expect(html).toContain('id="scenario-2"');
  });

  it('draws BFD that is Down from the start (no transition, only the BGPSessionState column)', () => {
    const change = (t: number, changes: { path: string; to: unknown }[]) => ({
      kind: 'resource-change' as const,
      t,
      wall: '',
      verb: 'update' as const,
      apiVersion: 'frrk8s.metallb.io/v1beta1',
      resourceKind: 'BGPSessionState',
      namespace: 'openshift-frr-k8s',
      name: 'worker0-abcde',
      resourceVersion: '',
      changes,
    });
    const events = [
      {
        kind: 'bgp-transition' as const,
        t: 0,
        wall: '',
        node: 'worker0',
        peer: '198.18.0.1',
        from: 'Idle' as const,
        to: 'Active' as const,
      },
      // As the runner records a new object: its whole status in one change.
      change(100, [
        {
          path: '.status',
          to: { node: 'worker0', peer: '198.18.0.1', bgpStatus: 'Active', bfdStatus: 'Down' },
        },
      ]),
      change(900, [{ path: '.status.bgpStatus', to: 'Connect' }]),
    ];
    const lanes = buildLanes(events, 5000);
    expect(lanes.length).toBe(1);
    expect(lanes[0]!.bfd).toEqual([{ from: 100, to: 5000, state: 'Down' }]);
    // N/A (no BFD profile) draws nothing.
    const none = buildLanes(
      [
        events[0]!,
        change(100, [
          { path: '.status.node', to: 'worker0' },
          { path: '.status.peer', to: '198.18.0.1' },
          { path: '.status.bfdStatus', to: 'N/A' },
        ]),
      ],
      5000,
    );
    expect(none[0]!.bfd).toEqual([]);
  });
});

describe('HTML report of a real run', () => {
  it('shows the BFD lane of a session whose peer never answers BFD', async () => {
    const { parseScenario } = await import('../../src/scenario/load.js');
    const { runScenario } = await import('../../src/scenario/runner/run.js');
    const { join, resolve } = await import('node:path');
    const text = `name: bfd-never-up
topology:
  routers: [{name: r1, asn: 64500, addresses: {ipv4: 198.18.0.1/24}}]
  nodes: [{name: worker0, addresses: {ipv4: 198.18.0.101/24}}]
resources:
  - file: manifests/sim/namespaces.yaml
  - file: manifests/common/pool.yaml
  - file: manifests/common/peer-r1-bfd.yaml
steps:
  - advance: 10s
`;
    const file = join(resolve(import.meta.dirname, '../..'), 'scenarios', 'bfd-never-up.yaml');
    const parsed = parseScenario(text, file);
    if (!parsed.ok) throw new Error(parsed.errors.map((e) => e.message).join('\n'));
    const out = await runScenario(parsed.scenario);
    const html = htmlReport([out.run]);
    const bfd = [...html.matchAll(/<rect class="bfd" data-state="(\w+)"/g)].map((m) => m[1]);
    expect(bfd).toEqual(['Down']);
  }, 60_000);
});
