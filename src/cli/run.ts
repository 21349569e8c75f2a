/**
 * `speakersim run`: loads and checks every scenario first (file:line:col errors), then runs
 * them one by one, printing progress, and writes the reports asked for. Exit code 0 only when
 * every scenario passed.
 */
import type { FrrMetricsNames } from '../metallb/metrics.js';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { checkRunSettings, loadScenario } from '../scenario/load.js';
import { ScenarioLoadError } from '../scenario/errors.js';
import { formatEvent } from '../scenario/report/format.js';
import { writeHtmlReport } from '../scenario/report/html.js';
import { writeJsonLines } from '../scenario/report/jsonl.js';
import { writeJunit } from '../scenario/report/junit.js';
import type { ScenarioRun } from '../scenario/report/model.js';
import { runScenario, type ScenarioOutcome } from '../scenario/runner/run.js';
import type { TimelineEvent } from '../scenario/timeline.js';
import type { Backend, ClockMode, Scenario } from '../scenario/types.js';
import { style, type Output } from './output.js';

export interface RunCommandOptions {
  files: string[];
  backend?: Backend;
  clock?: ClockMode;
  junit?: string;
  json?: string;
  report?: string;
  pcap?: string;
  frrK8sNamespace?: string;
  pollSessionState?: number;
  /** Names of the BGP/BFD series (metallb_* or frrk8s_*). */
  frrMetrics?: FrrMetricsNames;
  seed?: number;
}

/** Why netns cannot run here, or undefined when it can. */
export function netnsUnavailable(): string | undefined {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'not root';
  if (!existsSync('/usr/lib/frr/bgpd')) return 'FRR is not installed (/usr/lib/frr/bgpd)';
  return undefined;
}

function chooseBackend(scenario: Scenario, asked: Backend | undefined, out: Output): Backend {
  if (asked) return asked;
  if (scenario.backend === 'netns') {
    const why = netnsUnavailable();
    if (why) {
      out.line(
        style.dim(`${scenario.file}: backend netns unavailable (${why}); running on builtin peers`),
      );
      return 'builtin';
    }
  }
  return scenario.backend;
}

export async function runCommand(o: RunCommandOptions, out: Output): Promise<number> {
  const loaded: { scenario: Scenario; backend: Backend; clock: ClockMode }[] = [];
  let bad = 0;
  for (const file of o.files) {
    try {
      const scenario = await loadScenario(file);
      const backend = chooseBackend(scenario, o.backend, out);
      const checked = checkRunSettings(scenario, { backend, clock: o.clock });
      if (checked.errors.length) {
        for (const e of checked.errors) out.error(e.message);
        bad++;
        continue;
      }
      loaded.push({ scenario, backend: checked.backend, clock: checked.clock });
    } catch (e) {
      if (e instanceof ScenarioLoadError) for (const err of e.errors) out.error(err.message);
      else out.error(`${file}: ${e instanceof Error ? e.message : String(e)}`);
      bad++;
    }
  }
  if (bad) {
    out.error(`${bad} scenario file(s) invalid; nothing was run`);
    return 1;
  }
  const runs: ScenarioRun[] = [];
  const outcomes: ScenarioOutcome[] = [];
  const pcaps: Buffer[] = [];
  for (const { scenario, backend, clock } of loaded) {
    out.line(
      style.bold(`${scenario.name}`) +
        style.dim(
          ` (${relative(process.cwd(), scenario.file)}) backend: ${backend}, ${clock} time`,
        ),
    );
    const started = Date.now();
    const outcome = await runScenario(scenario, {
      backend,
      clock,
      pcap: o.pcap !== undefined,
      ...(o.frrK8sNamespace ? { frrK8sNamespace: o.frrK8sNamespace } : {}),
      ...(o.pollSessionState !== undefined ? { sessionStatePollMs: o.pollSessionState } : {}),
      ...(o.frrMetrics ? { frrMetricsNames: o.frrMetrics } : {}),
      ...(o.seed !== undefined ? { seed: o.seed } : {}),
      onEvent: progressView(out),
    });
    out.status('');
    outcomes.push(outcome);
    runs.push(outcome.run);
    if (outcome.pcap) pcaps.push(outcome.pcap);
    const secs = ((Date.now() - started) / 1000).toFixed(1);
    if (outcome.passed) {
      out.line(
        `${style.green('PASS')} ${scenario.name} ${style.dim(`${scenario.steps.length} steps, ${secs}s`)}`,
      );
    } else {
      out.line(`${style.red('FAIL')} ${scenario.name} ${style.dim(`${secs}s`)}`);
      if (outcome.error) out.line(`  ${style.red(outcome.error)}`);
      for (const f of outcome.failures) explainFailure(f, outcome.run.events, scenario, out);
    }
  }
  if (o.junit) await writeJunit(o.junit, runs);
  if (o.json)
    await writeJsonLines(
      o.json,
      runs.flatMap((r) =>
        r.events.map((e) => ({ ...e, scenario: r.name }) as unknown as TimelineEvent),
      ),
    );
  if (o.report) await writeHtmlReport(o.report, runs);
  if (o.pcap && pcaps[0])
    await writeFile(o.pcap, pcaps.length === 1 ? pcaps[0] : concatPcaps(pcaps));
  const passed = outcomes.filter((x) => x.passed).length;
  out.line(`\n${passed} passed, ${outcomes.length - passed} failed`);
  return passed === outcomes.length ? 0 : 1;
}

/** Several pcap files in one: the first global header, then every file's records. */
function concatPcaps(files: Buffer[]): Buffer {
  return Buffer.concat([files[0]!, ...files.slice(1).map((f) => f.subarray(24))]);
}

/**
 * Live view: finished steps as lines; on a TTY, a status line holding the current step and a
 * small table of every session's BGP and BFD state (`worker0>198.18.0.1 Established/Up`).
 */
function progressView(out: Output): (e: TimelineEvent) => void {
  const sessions = new Map<string, { bgp: string; bfd: string }>();
  let step = '';
  const render = (): void => {
    const table = [...sessions.entries()]
      .map(([k, v]) => `${k} ${v.bgp}${v.bfd ? `/${v.bfd}` : ''}`)
      .join(' | ');
    out.status(`  ${step}${table ? `  [${table}]` : ''}`);
  };
  return (e) => {
    if (e.kind === 'step-start') {
      step = `step ${e.step + 1}: ${e.name}`;
      render();
    } else if (e.kind === 'step-end') {
      const mark = e.result === 'pass' ? style.green('ok') : style.red(e.result);
      out.line(`  ${mark} ${style.dim(`+${(e.t / 1000).toFixed(3)}s`)} ${e.step + 1}. ${e.name}`);
      render();
    } else if (e.kind === 'bgp-transition' || e.kind === 'bfd-transition') {
      const key = `${e.node}>${e.peer}`;
      const cur = sessions.get(key) ?? { bgp: 'Idle', bfd: '' };
      if (e.kind === 'bgp-transition') cur.bgp = e.to;
      else cur.bfd = e.to;
      sessions.set(key, cur);
      render();
    }
  };
}

function explainFailure(
  f: Extract<TimelineEvent, { kind: 'step-end' }>,
  events: TimelineEvent[],
  scenario: Scenario,
  out: Output,
): void {
  const step = scenario.steps[f.step];
  const where = step
    ? `${relative(process.cwd(), step.at.file)}:${step.at.line}:${step.at.col}`
    : relative(process.cwd(), scenario.file);
  out.line(`  ${where}: step ${f.step + 1} "${f.name}" ${f.result}`);
  if (f.expected !== undefined) out.line(`    expected: ${f.expected}`);
  if (f.actual !== undefined) out.line(`    actual:   ${f.actual}`);
  if (f.message) out.line(`    ${f.message}`);
  const upTo = events.indexOf(f as TimelineEvent);
  const tail = events
    .slice(0, upTo < 0 ? events.length : upTo)
    .filter((e) => e.kind !== 'message' || !e.summary.startsWith('UPDATE'))
    .slice(-15);
  out.line('    timeline leading to it:');
  for (const e of tail) out.line(`      ${formatEvent(e)}`);
}
