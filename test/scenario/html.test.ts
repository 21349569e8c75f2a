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
