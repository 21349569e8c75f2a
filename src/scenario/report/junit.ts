/**
 * JUnit XML: one <testsuite> per scenario file, one <testcase> per step. An `expect` that did
 * not hold is a <failure>, a `wait` or action that failed an <error>, steps after an abort are
 * <skipped>. Failure bodies hold expected vs actual and the timeline leading up to the
 * failure, so a CI page shows why without opening other files.
 */
import { writeFile } from 'node:fs/promises';
import { formatEvent } from './format.js';
import { runTotals, stepOutcomes, type ScenarioRun, type StepOutcome } from './model.js';
import { escapeAttr, escapeText } from './xml.js';

export interface JunitOptions {
  /** How many events before a failure its body shows (default 40). */
  contextEvents?: number;
}

const seconds = (ms: number) => (ms / 1000).toFixed(3);

function failureBody(run: ScenarioRun, o: StepOutcome, contextEvents: number): string {
  const lines: string[] = [];
  if (o.end?.expected !== undefined) lines.push(`expected: ${o.end.expected}`);
  if (o.end?.actual !== undefined) lines.push(`actual:   ${o.end.actual}`);
  if (o.end?.message) lines.push(o.end.message);
  const upto = o.eventIndex >= 0 ? o.eventIndex + 1 : run.events.length;
  const context = run.events.slice(Math.max(0, upto - contextEvents), upto);
  if (context.length) {
    lines.push('', `timeline (last ${context.length} events):`);
    for (const ev of context) lines.push(`  ${formatEvent(ev)}`);
  }
  return lines.join('\n');
}

function testcase(run: ScenarioRun, o: StepOutcome, contextEvents: number): string {
  const time = o.startT !== undefined && o.endT !== undefined ? o.endT - o.startT : 0;
  const open = `    <testcase name="${escapeAttr(o.name)}" classname="${escapeAttr(run.name)}" file="${escapeAttr(run.file)}" time="${seconds(time)}"`;
  if (o.result === 'pass') return `${open}/>`;
  if (o.result === 'skipped') return `${open}>\n      <skipped/>\n    </testcase>`;
  const tag = o.result === 'fail' ? 'failure' : 'error';
  const summary =
    o.end?.message ??
    (o.end?.expected !== undefined ? `expected ${o.end.expected}` : `step ${o.result}`);
  const type = o.end ? `step-${o.result}` : 'step-unfinished';
  return [
    `${open}>`,
    `      <${tag} message="${escapeAttr(summary)}" type="${type}">${escapeText(failureBody(run, o, contextEvents))}</${tag}>`,
    `    </testcase>`,
  ].join('\n');
}

function testsuite(run: ScenarioRun, contextEvents: number): string {
  const outcomes = stepOutcomes(run);
  const t = runTotals(run, outcomes);
  const attrs = [
    `name="${escapeAttr(run.name)}"`,
    `tests="${t.tests}"`,
    `failures="${t.failures}"`,
    `errors="${t.errors}"`,
    `skipped="${t.skipped}"`,
    `time="${seconds(t.timeMs)}"`,
    `timestamp="${escapeAttr(run.startedAt)}"`,
    `file="${escapeAttr(run.file)}"`,
  ].join(' ');
  const props = [
    `    <properties>`,
    `      <property name="clock" value="${escapeAttr(run.clock)}"/>`,
    ...(run.description
      ? [`      <property name="description" value="${escapeAttr(run.description)}"/>`]
      : []),
    `    </properties>`,
  ];
  return [
    `  <testsuite ${attrs}>`,
    ...props,
    ...outcomes.map((o) => testcase(run, o, contextEvents)),
    `  </testsuite>`,
  ].join('\n');
}

export function junitXml(runs: readonly ScenarioRun[], options: JunitOptions = {}): string {
  const contextEvents = options.contextEvents ?? 40;
  const totals = runs.map((r) => runTotals(r));
  const sum = (k: 'tests' | 'failures' | 'errors' | 'skipped') =>
    totals.reduce((a, t) => a + t[k], 0);
  const time = totals.reduce((a, t) => a + t.timeMs, 0);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="speakersim" tests="${sum('tests')}" failures="${sum('failures')}" errors="${sum('errors')}" skipped="${sum('skipped')}" time="${seconds(time)}">`,
    ...runs.map((r) => testsuite(r, contextEvents)),
    '</testsuites>',
    '',
  ].join('\n');
}

export async function writeJunit(
  path: string,
  runs: readonly ScenarioRun[],
  options?: JunitOptions,
): Promise<void> {
  await writeFile(path, junitXml(runs, options));
}
