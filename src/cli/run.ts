/**
 * `speakersim run`: loads and checks every scenario first (file:line:col errors), then runs
 * them one by one, printing progress, and writes the reports asked for. Exit code 0 only when
 * every scenario passed.
 */
import { existsSync, statSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, extname, join, relative } from 'node:path';
import {
  actionMaxDurationMs,
  checkRunSettings,
  formatEvent,
  injectAction,
  LiveViewServer,
  loadScenario,
  runScenario,
  ScenarioLoadError,
  scenarioRun,
  sessionPeer,
  sessionSource,
  writeHtmlReport,
  writeJsonLines,
  writeJunit,
  type Backend,
  type ClockMode,
  type FrrMetricsNames,
  type Scenario,
  type ScenarioOutcome,
  type ScenarioRun,
  type TimelineEvent,
} from '../index.js';
import { style, type Output } from './output.js';
import type { SpeakersimError } from '../core/errors.js';
import { labNameFor } from '../lab/names.js';
import { blocksInUse, LabRegistry } from '../lab/registry.js';
import {
  addressBlocks,
  chooseAddresses,
  describeRelocation,
  relocateValue,
} from '../lab/relocate.js';

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
  /** Scenarios may name files outside their folder. */
  allowOutsideFiles?: boolean;
  /** Serve the live view on this port (0: a free one). */
  ui?: number;
  /** An existing cluster's kubeconfig: the status CRs are written there too. */
  kubeconfig?: string;
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

/**
 * A real lab whose addresses another lab (`lab up`) or the host uses runs on free blocks
 * instead (src/lab/relocate.ts), as `lab up` does; builtin peers hold no host address.
 */
function movedIfInUse(scenario: Scenario, backend: Backend, out: Output): Scenario {
  if (backend === 'builtin') return scenario;
  const lab = labNameFor(scenario.topology.lab);
  const { plan } = chooseAddresses(
    addressBlocks(scenario),
    blocksInUse(new LabRegistry(), lab),
    'auto',
  );
  if (plan.length === 0) return scenario;
  out.line(style.dim(`${scenario.name}: addresses in use, moved: ${describeRelocation(plan)}`));
  return relocateValue(scenario, plan);
}

export async function runCommand(o: RunCommandOptions, out: Output): Promise<number> {
  const loaded: { scenario: Scenario; backend: Backend; clock: ClockMode }[] = [];
  const skippedRuns: ScenarioRun[] = [];
  let bad = 0;
  for (const file of o.files) {
    try {
      const scenario = await loadScenario(file, {
        allowOutsideFiles: o.allowOutsideFiles === true,
      });
      const backend = chooseBackend(scenario, o.backend, out);
      const checked = checkRunSettings(scenario, { backend, clock: o.clock });
      const skip = (reason: string) => {
        out.line(`${style.yellow('SKIP')} ${scenario.name} ${style.dim(`(${reason})`)}`);
        skippedRuns.push(
          scenarioRun(scenario, [], new Date().toISOString(), { skipReason: reason }),
        );
      };
      if (checked.errors.length) {
        // The file is valid but cannot run on this backend or clock (e.g. addresses outside
        // the lab ranges with netns): skip it with its reason and run the rest.
        skip(checked.errors.map((e) => e.message).join('; '));
        continue;
      }
      let moved: Scenario;
      try {
        moved = movedIfInUse(scenario, checked.backend, out);
      } catch (e) {
        skip(`${(e as SpeakersimError).code}: ${(e as Error).message}`); // no free block left
        continue;
      }
      loaded.push({ scenario: moved, backend: checked.backend, clock: checked.clock });
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
  const ui = o.ui === undefined ? undefined : await LiveViewServer.start({ port: o.ui });
  if (ui) out.line(`live view: ${ui.url}`);
  const runs: ScenarioRun[] = [...skippedRuns];
  const outcomes: ScenarioOutcome[] = [];
  const pcaps: { name: string; bytes: Buffer }[] = [];
  for (const { scenario, backend, clock } of loaded) {
    out.line(
      style.bold(`${scenario.name}`) +
        style.dim(
          ` (${relative(process.cwd(), scenario.file)}) backend: ${backend}, ${clock} time`,
        ),
    );
    const started = Date.now();
    const view = progressView(out, scenario, clock);
    const outcome = await runScenario(scenario, {
      backend,
      clock,
      pcap: o.pcap !== undefined,
      ...(o.frrK8sNamespace ? { frrK8sNamespace: o.frrK8sNamespace } : {}),
      ...(o.pollSessionState !== undefined ? { sessionStatePollMs: o.pollSessionState } : {}),
      ...(o.frrMetrics ? { frrMetricsNames: o.frrMetrics } : {}),
      ...(o.seed !== undefined ? { seed: o.seed } : {}),
      ...(o.kubeconfig ? { clusterKubeconfig: o.kubeconfig } : {}),
      onEvent: view.onEvent,
      ...(ui
        ? {
            onSession: async (session, runner) => {
              await ui.attach(sessionSource(session, (r) => runner.act(injectAction(r.fault, r))));
              return () => ui.detach();
            },
          }
        : {}),
    });
    view.stop();
    out.status('');
    outcomes.push(outcome);
    runs.push(outcome.run);
    if (outcome.pcap) pcaps.push({ name: scenario.name, bytes: outcome.pcap });
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
  await ui?.close();
  if (o.junit) await writeJunit(o.junit, runs);
  if (o.json)
    await writeJsonLines(
      o.json,
      runs.flatMap((r) =>
        r.events.map((e) => ({ ...e, scenario: r.name }) as unknown as TimelineEvent),
      ),
    );
  if (o.report) await writeHtmlReport(o.report, runs);
  if (o.pcap) {
    // One file per scenario: in one file, scenarios that share start time and addresses look
    // like one TCP stream to Wireshark (retransmissions, out-of-order segments).
    const paths = pcapPaths(
      o.pcap,
      pcaps.map((p) => p.name),
    );
    for (const [i, p] of pcaps.entries()) {
      await mkdir(dirname(paths[i]!), { recursive: true });
      await writeFile(paths[i]!, p.bytes);
      if (pcaps.length > 1) out.line(style.dim(`pcap ${p.name}: ${paths[i]}`));
    }
  }
  const passed = outcomes.filter((x) => x.passed).length;
  const skipped = skippedRuns.length ? `, ${skippedRuns.length} skipped` : '';
  out.line(`\n${passed} passed, ${outcomes.length - passed} failed${skipped}`);
  // Skipped files are reported, not failures; a run where nothing could run is one.
  return passed === outcomes.length && outcomes.length > 0 ? 0 : 1;
}

/**
 * Where each scenario's capture goes: `target` itself for one scenario; for several,
 * `<dir>/<name>.pcap` when `target` is a directory (or ends with '/'), else the name inserted
 * before the extension (`run.pcap` -> `run.bfd-down-recovery.pcap`). Repeated names get -2, -3.
 */
export function pcapPaths(target: string, names: string[]): string[] {
  const isDir = target.endsWith('/') || (existsSync(target) && statSync(target).isDirectory());
  if (names.length === 1 && !isDir) return [target];
  const seen = new Map<string, number>();
  return names.map((n) => {
    const count = (seen.get(n) ?? 0) + 1;
    seen.set(n, count);
    const name = count > 1 ? `${n}-${count}` : n;
    if (isDir) return join(target, `${name}.pcap`);
    const ext = extname(target);
    return `${ext ? target.slice(0, -ext.length) : target}.${name}${ext || '.pcap'}`;
  });
}

/**
 * Live view: finished steps as lines; on a TTY, a status line holding the current step and a
 * small table of every session's BGP and BFD state (`worker0>198.18.0.1 Established/Up`),
 * and during a real-time wait how long it may still take (`27s left`), redrawn every second.
 */
export function progressView(
  out: Output,
  scenario: Scenario,
  clock: ClockMode,
  now: () => number = Date.now,
): { onEvent: (e: TimelineEvent) => void; stop: () => void } {
  const sessions = new Map<string, { bgp: string; bfd: string }>();
  let step = '';
  let deadline: number | undefined;
  let ticker: ReturnType<typeof setInterval> | undefined;
  const render = (): void => {
    const table = [...sessions.entries()]
      .map(([k, v]) => `${k} ${v.bgp}${v.bfd ? `/${v.bfd}` : ''}`)
      .join(' | ');
    const left =
      deadline !== undefined ? ` (${Math.max(0, Math.ceil((deadline - now()) / 1000))}s left)` : '';
    out.status(`  ${step}${left}${table ? `  [${table}]` : ''}`);
  };
  const stopTicker = (): void => {
    if (ticker) clearInterval(ticker);
    ticker = undefined;
    deadline = undefined;
  };
  const onEvent = (e: TimelineEvent): void => {
    if (e.kind === 'step-start') {
      step = `step ${e.step + 1}: ${e.name}`;
      stopTicker();
      const action = scenario.steps[e.step]?.action;
      const max = action ? actionMaxDurationMs(action) : undefined;
      // Virtual time passes in an instant; only real waits get a countdown.
      if (clock === 'real' && max !== undefined && max >= 1000) {
        deadline = now() + max;
        ticker = setInterval(render, 1000);
        ticker.unref();
      }
      render();
    } else if (e.kind === 'step-end') {
      stopTicker();
      const mark = e.result === 'pass' ? style.green('ok') : style.red(e.result);
      out.line(`  ${mark} ${style.dim(`+${(e.t / 1000).toFixed(3)}s`)} ${e.step + 1}. ${e.name}`);
      render();
    } else if (e.kind === 'bgp-transition' || e.kind === 'bfd-transition') {
      const key = `${e.node}>${sessionPeer(e)}`;
      const cur = sessions.get(key) ?? { bgp: 'Idle', bfd: '' };
      if (e.kind === 'bgp-transition') cur.bgp = e.to;
      else cur.bfd = e.to;
      sessions.set(key, cur);
      render();
    }
  };
  return { onEvent, stop: stopTicker };
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
