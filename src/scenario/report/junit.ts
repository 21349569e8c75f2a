/**
 * JUnit XML: one <testsuite> per scenario file, one <testcase> per step. An `expect` that did
 * not hold is a <failure>, a `wait` or action that failed an <error>, steps after an abort are
 * <skipped>. A lab that could not start is an <error> testcase named `setup` (never a suite of
 * silently skipped steps), and a scenario not run at all one <skipped> testcase with the reason.
 *
 * `failure@message` carries expected vs actual and the step's file:line:col; bodies add the
 * timeline leading up to it, so a CI page shows why without opening other files. `time` and
 * `timestamp` are wall clock; the run's own clock (virtual time) is a property. The shape
 * follows the Jenkins/GitLab JUnit schema (test/scenario/junit.xsd checks it).
 */
import { writeFile } from 'node:fs/promises';
import { formatEvent } from './format.js';
import {
  failureMessage,
  runTotals,
  stepOutcomes,
  type ScenarioRun,
  type StepOutcome,
} from './model.js';
import { escapeAttr, escapeText } from './xml.js';

export interface JunitOptions {
  /** How many events before a failure its body shows (default 40). */
  contextEvents?: number;
}

const seconds = (ms: number) => (ms / 1000).toFixed(3);

function failureBody(run: ScenarioRun, o: StepOutcome, contextEvents: number): string {
  const lines: string[] = [];
  if (o.at) lines.push(`at: ${o.at}`);
  if (o.end?.expected !== undefined) lines.push(`expected: ${o.end.expected}`);
  if (o.end?.actual !== undefined) lines.push(`actual:   ${o.end.actual}`);
  if (o.end?.message) lines.push(o.end.message);
  lines.push(...timelineContext(run, o.eventIndex, contextEvents));
  return lines.join('\n');
}

function timelineContext(run: ScenarioRun, eventIndex: number, contextEvents: number): string[] {
  const upto = eventIndex >= 0 ? eventIndex + 1 : run.events.length;
  const context = run.events.slice(Math.max(0, upto - contextEvents), upto);
  if (!context.length) return [];
  return [
    '',
    `timeline (last ${context.length} events):`,
    ...context.map((e) => `  ${formatEvent(e)}`),
  ];
}

function caseOpen(run: ScenarioRun, name: string, ms: number, line?: string): string {
  const lineAttr = line ? ` line="${line}"` : '';
  return `    <testcase name="${escapeAttr(name)}" classname="${escapeAttr(run.name)}" file="${escapeAttr(run.file)}"${lineAttr} time="${seconds(ms)}"`;
}

function testcase(run: ScenarioRun, o: StepOutcome, contextEvents: number): string {
  const virtual = o.startT !== undefined && o.endT !== undefined ? o.endT - o.startT : 0;
  const open = caseOpen(run, o.name, o.wallMs ?? virtual, o.at?.split(':').at(-2));
  if (o.result === 'pass') return `${open}/>`;
  if (o.result === 'skipped') {
    const why =
      run.setupError !== undefined ? 'not run: setup failed' : 'not run: an earlier step failed';
    return `${open}>\n      <skipped message="${escapeAttr(why)}"/>\n    </testcase>`;
  }
  const tag = o.result === 'fail' ? 'failure' : 'error';
  const type = o.end ? `step-${o.result}` : 'step-unfinished';
  return [
    `${open}>`,
    `      <${tag} message="${escapeAttr(failureMessage(o))}" type="${type}">${escapeText(failureBody(run, o, contextEvents))}</${tag}>`,
    `    </testcase>`,
  ].join('\n');
}

/** The lab or setup that failed before any step: an <error> with the message. */
function setupCase(run: ScenarioRun, message: string, contextEvents: number): string {
  // The error's stable code leads the message (`CODE: text`), whatever its area's prefix.
  const code = /^([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+):/.exec(message)?.[1] ?? 'setup-error';
  const body = [message, ...timelineContext(run, -1, contextEvents)].join('\n');
  return [
    `${caseOpen(run, 'setup', run.wall?.ms ?? 0)}>`,
    `      <error message="${escapeAttr(`${message} (${run.file})`)}" type="${escapeAttr(code)}">${escapeText(body)}</error>`,
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
    `time="${seconds(t.wallMs)}"`,
    `timestamp="${escapeAttr(run.wall?.startedAt ?? run.startedAt)}"`,
    `file="${escapeAttr(run.file)}"`,
  ].join(' ');
  const props = [
    `    <properties>`,
    `      <property name="clock" value="${escapeAttr(run.clock)}"/>`,
    // The run's own clock: virtual seconds for virtual time (what the timeline's +Ns show).
    `      <property name="scenario-time" value="${seconds(t.timeMs)}"/>`,
    `      <property name="scenario-started" value="${escapeAttr(run.startedAt)}"/>`,
    ...(run.description
      ? [`      <property name="description" value="${escapeAttr(run.description)}"/>`]
      : []),
    `    </properties>`,
  ];
  const cases =
    run.skipReason !== undefined
      ? [
          `${caseOpen(run, 'scenario', 0)}>`,
          `      <skipped message="${escapeAttr(run.skipReason)}"/>`,
          `    </testcase>`,
        ]
      : [
          ...(run.setupError !== undefined ? [setupCase(run, run.setupError, contextEvents)] : []),
          ...outcomes.map((o) => testcase(run, o, contextEvents)),
        ];
  return [`  <testsuite ${attrs}>`, ...props, ...cases, `  </testsuite>`].join('\n');
}

export function junitXml(runs: readonly ScenarioRun[], options: JunitOptions = {}): string {
  const contextEvents = options.contextEvents ?? 40;
  const totals = runs.map((r) => runTotals(r));
  // No `skipped` here: the Jenkins schema has it on <testsuite> only.
  const sum = (k: 'tests' | 'failures' | 'errors') => totals.reduce((a, t) => a + t[k], 0);
  const time = totals.reduce((a, t) => a + t.wallMs, 0);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="speakersim" tests="${sum('tests')}" failures="${sum('failures')}" errors="${sum('errors')}" time="${seconds(time)}">`,
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
