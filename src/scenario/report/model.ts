/**
 * What every reporter reads: one scenario run described by its timeline. Step results are
 * taken from the step-start/step-end events, so reporters cannot disagree with the timeline.
 */
import type { StepEndEvent, StepResult, TimelineEvent } from '../timeline.js';
import type { Scenario } from '../types.js';

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
  steps?: { index: number; name: string }[];
}

/** The reporters' view of a run of `scenario` that recorded `events`. */
export function scenarioRun(
  scenario: Scenario,
  events: TimelineEvent[],
  startedAt: string,
  displayFile = scenario.file,
): ScenarioRun {
  return {
    name: scenario.name,
    file: displayFile,
    ...(scenario.description ? { description: scenario.description } : {}),
    clock: scenario.clock,
    startedAt,
    events,
    steps: scenario.steps.map((s) => ({ index: s.index, name: s.name })),
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
}

/** One outcome per step, in step order; a step that started but never ended is an error. */
export function stepOutcomes(run: ScenarioRun): StepOutcome[] {
  const byIndex = new Map<number, StepOutcome>();
  for (const s of run.steps ?? []) {
    byIndex.set(s.index, { index: s.index, name: s.name, result: 'skipped', eventIndex: -1 });
  }
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
  return [...byIndex.values()].sort((a, b) => a.index - b.index);
}

export interface RunTotals {
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
  /** Run length in ms on the run's clock. */
  timeMs: number;
}

export function runTotals(run: ScenarioRun, outcomes = stepOutcomes(run)): RunTotals {
  const last = run.events[run.events.length - 1];
  return {
    tests: outcomes.length,
    failures: outcomes.filter((o) => o.result === 'fail').length,
    errors: outcomes.filter((o) => o.result === 'error').length,
    skipped: outcomes.filter((o) => o.result === 'skipped').length,
    timeMs: last ? last.t : 0,
  };
}
