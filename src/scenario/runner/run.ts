/**
 * Runs a scenario's steps on a ScenarioSession and records every outcome on its timeline:
 * actions change the cluster or break the network; waits and expectations poll (advancing
 * virtual time, or waiting real time) until they hold or time out. A failed expectation says
 * what was expected and what was seen.
 */
import { runAction } from '../registry/actions.js';
import type { RunContext } from '../registry/types.js';
import { scenarioRun, type ScenarioRun } from '../report/model.js';
import type { StepEndEvent } from '../timeline.js';
import type { Action, Scenario, Step } from '../types.js';
import { ScenarioSession, type SessionOptions } from './session.js';

export interface ScenarioOutcome {
  scenario: Scenario;
  passed: boolean;
  run: ScenarioRun;
  failures: StepEndEvent[];
  /** pcap bytes when requested. */
  pcap?: Buffer;
  error?: string;
}

/** Steps that look (their `since: step` may reach back to the action before them). */
const CHECK_KEYWORDS = new Set(['expect', 'wait', 'consistently']);
/** Steps that cause nothing a later check should count from: checks and the passing of time. */
const QUIET_KEYWORDS = new Set([...CHECK_KEYWORDS, 'advance', 'sleep']);

export class StepRunner {
  private stepStart = 0;
  /** Start of the step just run when it was an action that causes something (not a check). */
  private causeStart: number | undefined;

  constructor(private readonly s: ScenarioSession) {}

  private context(): RunContext {
    return { s: this.s, apiVersionOf: (k) => this.apiVersionOf(k), stepStart: this.stepStart };
  }

  async runStep(step: Step): Promise<StepEndEvent> {
    const s = this.s;
    const start = s.clock.now();
    // `since: step` right after a fault or a change counts from that step's start: what it
    // caused may land while it settles (a 900 ms BFD detection during a slow `nft` on a loaded
    // machine), and belongs to the check that follows it.
    this.stepStart =
      CHECK_KEYWORDS.has(step.keyword) && this.causeStart !== undefined ? this.causeStart : start;
    this.causeStart = QUIET_KEYWORDS.has(step.keyword) ? undefined : start;
    s.record({
      kind: 'step-start',
      step: step.index,
      name: step.name,
      keyword: step.keyword,
    });
    let end: Omit<StepEndEvent, 't' | 'wall'>;
    try {
      const r = await runAction(this.context(), step.action);
      const verdict = r && 'result' in r ? r : undefined;
      // A plain action settles (its effects land) before the next step starts.
      if (!verdict) await s.settle();
      const v = verdict ?? { result: 'pass' as const };
      end = { kind: 'step-end', step: step.index, name: step.name, ...v };
    } catch (error) {
      end = {
        kind: 'step-end',
        step: step.index,
        name: step.name,
        result: 'error',
        message: error instanceof Error ? error.message : String(error),
      };
    }
    return s.record(end) as StepEndEvent;
  }

  /**
   * Carries out one action now (also what `speakersim inject` sends to a running lab); a vtysh
   * action returns the router's answer.
   */
  async act(a: Action): Promise<string | void> {
    this.stepStart = this.s.clock.now();
    const r = await runAction(this.context(), a);
    return r && 'output' in r ? r.output : undefined;
  }

  private async apiVersionOf(kind: string): Promise<string> {
    for (const t of this.s.server.registry.all()) {
      if (t.kind === kind) return t.group ? `${t.group}/${t.version}` : t.version;
    }
    return 'v1';
  }
}

export interface RunOptions extends SessionOptions {
  /** Stop at the first failed step (default true: later steps depend on earlier ones). */
  stopOnFailure?: boolean;
  /** Real time in ms for the reports' wall-clock figures (default Date.now). */
  wallNow?: () => number;
  /** Called once the session is up (e.g. the live view attaches); its result runs before close. */
  onSession?: (session: ScenarioSession, runner: StepRunner) => Promise<(() => void) | void>;
}

/** Runs a whole scenario; always tears everything down. */
export async function runScenario(
  scenario: Scenario,
  options: RunOptions = {},
): Promise<ScenarioOutcome> {
  const wallNow = options.wallNow ?? Date.now;
  const wallStart = wallNow();
  const stepMs: Record<number, number> = {};
  const wall = () => ({
    startedAt: new Date(wallStart).toISOString(),
    ms: wallNow() - wallStart,
    steps: stepMs,
  });
  let session: ScenarioSession | undefined;
  let detach: (() => void) | void = undefined;
  const failures: StepEndEvent[] = [];
  try {
    session = await ScenarioSession.start(scenario, options);
  } catch (error) {
    // The lab or setup could not start: one error the reports show, never a silent skip.
    const message =
      error instanceof Error
        ? `${(error as { code?: string }).code ?? error.name}: ${error.message}`
        : String(error);
    return {
      scenario,
      passed: false,
      run: scenarioRun(scenario, [], new Date(wallStart).toISOString(), {
        setupError: message,
        wall: wall(),
      }),
      failures,
      error: message,
    };
  }
  try {
    const runner = new StepRunner(session);
    detach = await options.onSession?.(session, runner);
    for (const step of scenario.steps) {
      const t0 = wallNow();
      const end = await runner.runStep(step);
      stepMs[step.index] = wallNow() - t0;
      if (end.result !== 'pass') {
        failures.push(end);
        if (options.stopOnFailure !== false) break;
      }
    }
  } finally {
    detach?.();
    await session.close();
  }
  const run = scenarioRun(scenario, session.timeline.events(), session.startedAt, {
    clock: session.virtual ? 'virtual' : 'real',
    wall: wall(),
  });
  return {
    scenario,
    passed: failures.length === 0,
    run,
    failures,
    ...(session.pcap ? { pcap: session.pcap.toBuffer() } : {}),
  };
}
