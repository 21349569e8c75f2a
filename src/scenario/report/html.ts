/**
 * A self-contained HTML report: one file with inline CSS and SVG, no scripts from anywhere
 * and no network needed to view it. At the top a summary of every scenario, the ones that
 * did not pass first (setup errors, failures, skips) with their first problem. Per scenario: the step results, an SVG timeline with a
 * swimlane per (node, peer) coloured by BGP state with BFD state underneath and markers for
 * BFD changes and NOTIFICATIONs, the resources that changed during each step, and the full
 * event list.
 */
import { writeFile } from 'node:fs/promises';
import type { ResourceChangeEvent, TimelineEvent } from '../timeline.js';
import { describeEvent, formatOffset, sessionPeer } from './format.js';
import {
  failureMessage,
  runTotals,
  stepOutcomes,
  type ScenarioRun,
  type StepOutcome,
} from './model.js';
import { buildLanes, type Lane } from './swimlanes.js';
import { escapeAttr as attr, escapeText as text } from './xml.js';

export const BGP_COLOURS: Record<string, string> = {
  Idle: '#9e9e9e',
  Connect: '#ffcc80',
  Active: '#ff9800',
  OpenSent: '#fff176',
  OpenConfirm: '#d4e157',
  Established: '#43a047',
};
export const BFD_COLOURS: Record<string, string> = {
  Up: '#2e7d32',
  Init: '#fdd835',
  Down: '#e53935',
  AdminDown: '#757575',
};
const RESULT_COLOURS: Record<string, string> = {
  pass: '#2e7d32',
  fail: '#c62828',
  error: '#6a1b9a',
  skipped: '#757575',
};

const CSS = `
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#212121}
h1{font-size:20px}h2{font-size:17px;margin-top:32px}h3{font-size:15px}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f5f5f5}.pass{color:#2e7d32}.fail{color:#c62828}.error{color:#6a1b9a}.skipped{color:#757575}
code,pre{font:12px/1.35 ui-monospace,monospace}pre{background:#fafafa;border:1px solid #eee;padding:8px;overflow:auto}
.legend span{display:inline-block;margin-right:12px}.swatch{display:inline-block;width:12px;height:12px;vertical-align:middle;margin-right:4px}
svg text{font:11px system-ui,sans-serif}
`;

const WIDTH = 1100;
const LABEL_W = 230;
const LANE_H = 34;
const TOP = 26;

function x(t: number, endT: number): number {
  return LABEL_W + (t / Math.max(endT, 1)) * (WIDTH - LABEL_W - 10);
}

function laneSvg(lane: Lane, i: number, endT: number): string {
  const y = TOP + i * LANE_H;
  const parts = [
    `<text x="4" y="${y + 15}">${text(`${lane.node} -> ${sessionPeer(lane)}`)}</text>`,
  ];
  for (const s of lane.bgp) {
    const x0 = x(s.from, endT);
    const w = Math.max(1, x(s.to, endT) - x0);
    parts.push(
      `<rect class="bgp" data-state="${attr(s.state)}" x="${x0.toFixed(1)}" y="${y + 2}" width="${w.toFixed(1)}" height="16" fill="${BGP_COLOURS[s.state] ?? '#bdbdbd'}"><title>${text(`BGP ${s.state} ${formatOffset(s.from)} to ${formatOffset(s.to)}`)}</title></rect>`,
    );
  }
  for (const s of lane.bfd) {
    const x0 = x(s.from, endT);
    const w = Math.max(1, x(s.to, endT) - x0);
    parts.push(
      `<rect class="bfd" data-state="${attr(s.state)}" x="${x0.toFixed(1)}" y="${y + 20}" width="${w.toFixed(1)}" height="5" fill="${BFD_COLOURS[s.state] ?? '#bdbdbd'}"><title>${text(`BFD ${s.state} ${formatOffset(s.from)} to ${formatOffset(s.to)}`)}</title></rect>`,
    );
  }
  for (const m of lane.markers) {
    const mx = x(m.t, endT);
    const shape =
      m.kind === 'notification'
        ? `<polygon class="marker-notification" points="${mx - 5},${y} ${mx + 5},${y} ${mx},${y + 8}" fill="#b71c1c">`
        : `<polygon class="marker-bfd" points="${mx},${y + 18} ${mx + 4},${y + 22.5} ${mx},${y + 27} ${mx - 4},${y + 22.5}" fill="#1a237e">`;
    parts.push(`${shape}<title>${text(`${formatOffset(m.t)} ${m.label}`)}</title></polygon>`);
  }
  return parts.join('');
}

function timelineSvg(run: ScenarioRun, outcomes: StepOutcome[], endT: number): string {
  const lanes = buildLanes(run.events, endT);
  const height = TOP + Math.max(1, lanes.length) * LANE_H + 20;
  const parts: string[] = [];
  let labelX = -Infinity; // steps at the same instant get their numbers side by side
  for (const o of outcomes) {
    if (o.startT === undefined) continue;
    const sx = x(o.startT, endT);
    labelX = Math.max(sx + 2, labelX + 6 + 7 * String(o.index + 1).length);
    parts.push(
      `<line x1="${sx.toFixed(1)}" y1="14" x2="${sx.toFixed(1)}" y2="${height - 16}" stroke="${RESULT_COLOURS[o.result]}" stroke-dasharray="3,3"/><text x="${labelX.toFixed(1)}" y="11" fill="${RESULT_COLOURS[o.result]}">${o.index + 1}<title>${text(`step ${o.index + 1}: ${o.name} (${o.result})`)}</title></text>`,
    );
  }
  lanes.forEach((lane, i) => parts.push(laneSvg(lane, i, endT)));
  if (!lanes.length)
    parts.push(`<text x="4" y="${TOP + 15}">no BGP or BFD sessions recorded</text>`);
  parts.push(
    `<text x="${LABEL_W}" y="${height - 4}">${formatOffset(0)}</text><text x="${WIDTH - 70}" y="${height - 4}">${formatOffset(endT)}</text>`,
  );
  return `<svg class="timeline" role="img" aria-label="session states over time" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}">${parts.join('')}</svg>`;
}

function legend(): string {
  const sw = (c: string, label: string) =>
    `<span><i class="swatch" style="background:${c}"></i>${text(label)}</span>`;
  return `<p class="legend">BGP: ${Object.entries(BGP_COLOURS)
    .map(([s, c]) => sw(c, s))
    .join('')} BFD (thin bar): ${Object.entries(BFD_COLOURS)
    .map(([s, c]) => sw(c, s))
    .join('')} <span>&#9660; NOTIFICATION</span> <span>&#9670; BFD change</span></p>`;
}

function stepsTable(outcomes: StepOutcome[]): string {
  const rows = outcomes.map((o) => {
    const detail = [
      o.end?.expected !== undefined ? `expected: ${o.end.expected}` : '',
      o.end?.actual !== undefined ? `actual: ${o.end.actual}` : '',
      o.end?.message ?? '',
    ].filter(Boolean);
    const time = o.startT !== undefined ? formatOffset(o.startT) : '';
    const dur =
      o.startT !== undefined && o.endT !== undefined
        ? `${((o.endT - o.startT) / 1000).toFixed(3)}s`
        : '';
    return `<tr><td>${o.index + 1}</td><td>${text(o.name)}</td><td class="${o.result}">${o.result}</td><td>${time}</td><td>${dur}</td><td>${detail.map((d) => text(d)).join('<br>')}</td></tr>`;
  });
  return `<table class="steps"><tr><th>#</th><th>step</th><th>result</th><th>start</th><th>took</th><th>details</th></tr>${rows.join('')}</table>`;
}

/** Resource changes grouped by the step during which they happened (before any step: setup). */
function resourcesByStep(run: ScenarioRun, outcomes: StepOutcome[]): string {
  const names = new Map(outcomes.map((o) => [o.index, o.name]));
  const groups = new Map<number, ResourceChangeEvent[]>();
  let current = -1;
  for (const ev of run.events) {
    if (ev.kind === 'step-start') current = ev.step;
    if (ev.kind === 'resource-change') {
      const list = groups.get(current) ?? [];
      list.push(ev);
      groups.set(current, list);
    }
  }
  if (!groups.size) return '<p>No resource changes recorded.</p>';
  return [...groups.entries()]
    .map(([step, list]) => {
      const title = step < 0 ? 'setup' : `step ${step + 1}: ${names.get(step) ?? ''}`;
      const rows = list.map(
        (ev) =>
          `<tr><td>${formatOffset(ev.t)}</td><td>${ev.verb}</td><td>${text(`${ev.resourceKind} ${ev.namespace ? `${ev.namespace}/` : ''}${ev.name}`)}</td><td>${text(ev.resourceVersion)}</td><td>${text(ev.actor ?? '')}</td><td><code>${ev.changes.map((c) => text(`${c.path}: ${JSON.stringify(c.from) ?? '-'} -> ${JSON.stringify(c.to) ?? '-'}`)).join('<br>')}</code></td></tr>`,
      );
      return `<h3>${text(title)}</h3><table class="resources"><tr><th>time</th><th>verb</th><th>resource</th><th>rv</th><th>by</th><th>changed fields</th></tr>${rows.join('')}</table>`;
    })
    .join('');
}

function eventList(events: readonly TimelineEvent[]): string {
  const lines = events.map((ev) => `${formatOffset(ev.t)} ${ev.wall} ${describeEvent(ev)}`);
  return `<details><summary>All ${events.length} events</summary><pre>${text(lines.join('\n'))}</pre></details>`;
}

type Verdict = 'error' | 'fail' | 'skipped' | 'pass';

/** A run's overall result: setup error or failed wait, failed expect, not run, passed. */
function verdictOf(run: ScenarioRun, outcomes: StepOutcome[]): Verdict {
  if (run.skipReason !== undefined) return 'skipped';
  if (run.setupError !== undefined || outcomes.some((o) => o.result === 'error')) return 'error';
  if (outcomes.some((o) => o.result === 'fail')) return 'fail';
  return 'pass';
}

const VERDICT_ORDER: Record<Verdict, number> = { error: 0, fail: 1, skipped: 2, pass: 3 };

/** Why a run did not pass, in one line: the setup error, the skip reason or the first failed step. */
function firstProblem(run: ScenarioRun, outcomes: StepOutcome[]): string {
  if (run.setupError !== undefined) return `setup: ${run.setupError}`;
  if (run.skipReason !== undefined) return `not run: ${run.skipReason}`;
  const o = outcomes.find((x) => x.result === 'fail' || x.result === 'error');
  if (!o) return '';
  return `step ${o.index + 1} ${o.name}: ${failureMessage(o)}`;
}

/** The table at the top: every scenario, the ones that did not pass first, with links. */
function summary(runs: readonly ScenarioRun[]): string {
  const rows = runs
    .map((run, i) => {
      const outcomes = stepOutcomes(run);
      return {
        run,
        i,
        outcomes,
        verdict: verdictOf(run, outcomes),
        totals: runTotals(run, outcomes),
      };
    })
    .sort((a, b) => VERDICT_ORDER[a.verdict] - VERDICT_ORDER[b.verdict] || a.i - b.i);
  const counts = (v: Verdict) => rows.filter((r) => r.verdict === v).length;
  const head = `<p class="totals">${runs.length} scenario(s): <span class="fail">${counts('fail')} failed</span>, <span class="error">${counts('error')} errors</span>, <span class="skipped">${counts('skipped')} skipped</span>, <span class="pass">${counts('pass')} passed</span></p>`;
  const body = rows.map(({ run, i, outcomes, verdict, totals }) => {
    const passed = totals.tests - totals.failures - totals.errors - totals.skipped;
    return `<tr class="summary-row" data-verdict="${verdict}"><td class="${verdict}">${verdict}</td><td><a href="#scenario-${i}">${text(run.name)}</a></td><td><code>${text(run.file)}</code></td><td>${passed}/${totals.tests}</td><td>${(totals.wallMs / 1000).toFixed(1)}s</td><td>${text(firstProblem(run, outcomes))}</td></tr>`;
  });
  return `<section class="summary">${head}<table class="summary"><tr><th>result</th><th>scenario</th><th>file</th><th>steps passed</th><th>took</th><th>first problem</th></tr>${body.join('')}</table></section>`;
}

function runSection(run: ScenarioRun, i: number): string {
  const outcomes = stepOutcomes(run);
  const totals = runTotals(run, outcomes);
  const passed = totals.tests - totals.failures - totals.errors - totals.skipped;
  return [
    `<section class="scenario" id="scenario-${i}"><h2>${text(run.name)}</h2>`,
    run.description ? `<p>${text(run.description)}</p>` : '',
    run.setupError !== undefined
      ? `<p class="error">The lab or setup did not start: ${text(run.setupError)}</p>`
      : '',
    run.skipReason !== undefined ? `<p class="skipped">Not run: ${text(run.skipReason)}</p>` : '',
    `<p><code>${text(run.file)}</code> &middot; clock ${text(run.clock)} &middot; started ${text(run.startedAt)} &middot; ${passed} passed, ${totals.failures} failed, ${totals.errors} errors, ${totals.skipped} skipped &middot; ${(totals.timeMs / 1000).toFixed(3)}s</p>`,
    stepsTable(outcomes),
    `<h3>Sessions</h3>`,
    legend(),
    timelineSvg(run, outcomes, totals.timeMs),
    `<h3>Resources at each step</h3>`,
    resourcesByStep(run, outcomes),
    eventList(run.events),
    `</section>`,
  ].join('\n');
}

export function htmlReport(runs: readonly ScenarioRun[], title = 'speakersim report'): string {
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<title>${text(title)}</title>`,
    `<style>${CSS}</style></head><body>`,
    `<h1>${text(title)}</h1>`,
    summary(runs),
    ...runs.map(runSection),
    '</body></html>',
    '',
  ].join('\n');
}

export async function writeHtmlReport(
  path: string,
  runs: readonly ScenarioRun[],
  title?: string,
): Promise<void> {
  await writeFile(path, htmlReport(runs, title));
}
