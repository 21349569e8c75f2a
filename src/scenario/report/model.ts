/**
 * What every reporter reads: one scenario run described by its timeline. Step results are
 * taken from the step-start/step-end events, so reporters cannot disagree with the timeline.
 */
import { relative } from 'node:path';
import type { StepEndEvent, StepResult, TimelineEvent } from '../timeline.js';
import type { Scenario } from '../types.js';

/** Real (wall-clock) timing of a run, apart from the timeline's clock, which may be virtual. */
export interface WallTiming {
  /** When the run really started, ISO 8601. */
  startedAt: string;
  /** Real length of the whole run (setup, steps, teardown), ms. */
  ms: number;
  /** Real length of each step that ran, by step index, ms. */
  steps: Record<number, number>;
}

export interface ScenarioRun {
  /** Scenario name (JUnit testsuite name). */
  name: string;
  /** Scenario file, as the user named it. */
  file: string;
  description?: string;
  clock: 'virtual' | 'real';
  /** Wall-clock start of the run, ISO 8601. */
  startedAt: string;
  events: TimelineEvent[];
  /** Every step of the scenario, so steps that never started show as skipped. */
  steps?: { index: number; name: string; at?: string }[];
  /** The lab or setup could not start: `ERR_...: message`. No step ran. */
  setupError?: string;
  /** The scenario was not run at all (e.g. its addresses cannot be used on this backend). */
  skipReason?: string;
  wall?: WallTiming;
}

/** `file:line:col` of a position, the file relative to the working directory. */
export function positionText(at: { file: string; line: number; col: number }): string {
  return `${relative(process.cwd(), at.file)}:${at.line}:${at.col}`;
}

/** The reporters' view of a run of `scenario` that recorded `events`. */
export function scenarioRun(
  scenario: Scenario,
  events: TimelineEvent[],
  startedAt: string,
  extra: Partial<Pick<ScenarioRun, 'setupError' | 'skipReason' | 'wall' | 'clock'>> = {},
): ScenarioRun {
  return {
    name: scenario.name,
    // As the user would type it from here: CI pages link files relative to the checkout.
    file: relative(process.cwd(), scenario.file),
    ...(scenario.description ? { description: scenario.description } : {}),
    clock: scenario.clock,
    startedAt,
    events,
    steps: scenario.steps.map((s) => ({ index: s.index, name: s.name, at: positionText(s.at) })),
    ...extra,
  };
}

export interface StepOutcome {
  index: number;
  name: string;
  result: StepResult;
  startT?: number;
  endT?: number;
  end?: StepEndEvent;
  /** Position in `events` of the step-end (or of the last event when it never ended). */
  eventIndex: number;
  /** `file:line:col` of the step in the scenario file. */
  at?: string;
  /** Real time the step took, ms, when the run recorded it. */
  wallMs?: number;
}

/** One outcome per step, in step order; a step that started but never ended is an error. */
export function stepOutcomes(run: ScenarioRun): StepOutcome[] {
  const byIndex = new Map<number, StepOutcome>();
  for (const s of run.steps ?? []) {
    byIndex.set(s.index, { index: s.index, name: s.name, result: 'skipped', eventIndex: -1 });
  }
  const at = new Map((run.steps ?? []).map((s) => [s.index, s.at]));
  run.events.forEach((ev, i) => {
    if (ev.kind === 'step-start') {
      byIndex.set(ev.step, {
        index: ev.step,
        name: ev.name,
        result: 'error',
        startT: ev.t,
        eventIndex: run.events.length - 1,
      });
    } else if (ev.kind === 'step-end') {
      const prior = byIndex.get(ev.step);
      byIndex.set(ev.step, {
        index: ev.step,
        name: ev.name,
        result: ev.result,
        ...(prior?.startT !== undefined ? { startT: prior.startT } : {}),
        endT: ev.t,
        end: ev,
        eventIndex: i,
      });
    }
  });
  return [...byIndex.values()]
    .sort((a, b) => a.index - b.index)
    .map((o) => {
      const pos = at.get(o.index);
      const wallMs = run.wall?.steps[o.index];
      return {
        ...o,
        ...(pos !== undefined ? { at: pos } : {}),
        ...(wallMs !== undefined ? { wallMs } : {}),
      };
    });
}

/** One line for failure@message: what went wrong, expected vs actual, and where. */
export function failureMessage(o: StepOutcome): string {
  const parts = [o.end?.message ?? (o.end ? `step ${o.result}` : 'step did not finish')];
  if (o.end?.expected !== undefined) parts.push(`expected ${o.end.expected}`);
  if (o.end?.actual !== undefined) parts.push(`actual ${o.end.actual}`);
  return `${parts.join('; ')}${o.at ? ` (${o.at})` : ''}`;
}

export interface RunTotals {
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
  /** Run length in ms on the run's clock. */
  timeMs: number;
  /** Real run length in ms (the clock's when no wall timing was recorded). */
  wallMs: number;
}

/**
 * Counts per result. A setup error counts as one more test, in error (it is one in JUnit);
 * a scenario that was not run counts as one skipped test.
 */
export function runTotals(run: ScenarioRun, outcomes = stepOutcomes(run)): RunTotals {
  const last = run.events[run.events.length - 1];
  const timeMs = last ? last.t : 0;
  if (run.skipReason !== undefined)
    return { tests: 1, failures: 0, errors: 0, skipped: 1, timeMs: 0, wallMs: 0 };
  const setup = run.setupError !== undefined ? 1 : 0;
  return {
    tests: outcomes.length + setup,
    failures: outcomes.filter((o) => o.result === 'fail').length,
    errors: outcomes.filter((o) => o.result === 'error').length + setup,
    skipped: outcomes.filter((o) => o.result === 'skipped').length,
    timeMs,
    wallMs: run.wall?.ms ?? timeMs,
  };
}
