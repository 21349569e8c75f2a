/**
 * Runs a scenario's steps on a ScenarioSession and records every outcome on its timeline:
 * actions change the cluster or break the network; waits and expectations poll (advancing
 * virtual time, or waiting real time) until they hold or time out. A failed expectation says
 * what was expected and what was seen.
 */
import { sessionPeerName } from '../../metallb/session-state.js';
import { scenarioRun, type ScenarioRun } from '../report/model.js';
import type { StepEndEvent, TimelineEvent } from '../timeline.js';
import type { Action, Expectation, Scenario, SessionStateMatcher, Step } from '../types.js';
import { evaluateJsonPath, jsonPathFinds } from './jsonpath.js';
import { ScenarioSession, type SessionOptions } from './session.js';

export interface Check {
  ok: boolean;
  expected: string;
  actual: string;
}

export interface ScenarioOutcome {
  scenario: Scenario;
  passed: boolean;
  run: ScenarioRun;
  failures: StepEndEvent[];
  /** pcap bytes when requested. */
  pcap?: Buffer;
  error?: string;
}

function matcherText(m: SessionStateMatcher): string {
  if (m.bgp && m.bfd) return `${m.bgp}/BFD ${m.bfd}`;
  return m.bgp ?? `BFD ${m.bfd}`;
}

export class StepRunner {
  private stepStart = 0;

  constructor(private readonly s: ScenarioSession) {}

  async runStep(step: Step): Promise<StepEndEvent> {
    const s = this.s;
    this.stepStart = s.clock.now();
    s.record({
      kind: 'step-start',
      step: step.index,
      name: step.name,
      keyword: step.keyword,
    });
    let end: Omit<StepEndEvent, 't' | 'wall'>;
    try {
      const a = step.action;
      if (a.kind === 'wait' || a.kind === 'expect') {
        const c = await this.poll(a.expectation, a.timeoutMs);
        end = {
          kind: 'step-end',
          step: step.index,
          name: step.name,
          result: c.ok ? 'pass' : a.kind === 'expect' ? 'fail' : 'error',
          ...(c.ok
            ? {}
            : {
                expected: c.expected,
                actual: c.actual,
                message: `${a.kind === 'wait' ? 'timed out after' : 'not true within'} ${a.timeoutMs} ms`,
              }),
        };
      } else {
        await this.act(a as Exclude<Action, { kind: 'wait' | 'expect' }>);
        await s.settle();
        end = { kind: 'step-end', step: step.index, name: step.name, result: 'pass' };
      }
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

  /** Carries out one action now (also what `speakersim inject` sends to a running lab). */
  async act(a: Exclude<Action, { kind: 'wait' | 'expect' }>): Promise<void> {
    const s = this.s;
    switch (a.kind) {
      case 'apply':
        for (const m of a.resources.manifests) await s.apply(m, 'scenario');
        return;
      case 'delete': {
        const refs = a.ref
          ? [
              {
                apiVersion: a.ref.apiVersion ?? (await this.apiVersionOf(a.ref.kind)),
                kind: a.ref.kind,
                metadata: { name: a.ref.name, namespace: a.ref.namespace },
              },
            ]
          : (a.resources?.manifests ?? []).map((m) => ({
              apiVersion: m.apiVersion,
              kind: m.kind,
              metadata: {
                name: m.metadata?.name,
                namespace: m.metadata?.namespace ?? s.scenario.defaults.namespace,
              },
            }));
        for (const ref of refs) {
          const gone = await s.client.delete(ref);
          if (!gone && !a.ignoreNotFound)
            throw new Error(
              `${ref.kind} ${ref.metadata.namespace ?? ''}/${ref.metadata.name} not found`,
            );
          s.record({
            kind: 'resource-change',
            verb: 'delete',
            apiVersion: ref.apiVersion,
            resourceKind: ref.kind,
            namespace: ref.metadata.namespace,
            name: ref.metadata.name ?? '',
            resourceVersion: '',
            actor: 'scenario',
            changes: [],
          });
        }
        return;
      }
      case 'patch': {
        const ref = {
          apiVersion: a.ref.apiVersion ?? (await this.apiVersionOf(a.ref.kind)),
          kind: a.ref.kind,
          metadata: { name: a.ref.name, namespace: a.ref.namespace },
        };
        if (a.subresource === 'status') await s.client.patchStatus(ref, a.patch, a.patchType);
        else await s.client.patch(ref, a.patch, a.patchType);
        return;
      }
      case 'link':
        s.record({
          kind: 'fault',
          fault: `link-${a.state}`,
          router: a.router,
          ...(a.node ? { node: a.node } : {}),
        });
        await s.peers.link(a.router, a.state, a.node);
        return;
      case 'packets': {
        s.record({
          kind: 'fault',
          fault: a.mode,
          router: a.router,
          ...(a.node ? { node: a.node } : {}),
          detail: `${a.protocol}${a.direction !== 'both' ? ` ${a.direction}` : ''}`,
        });
        const nodes = a.node
          ? s.scenario.topology.nodes.filter((n) => n.name === a.node)
          : [undefined];
        for (const n of nodes) {
          const addrs = n
            ? [n.addresses.ipv4?.address, n.addresses.ipv6?.address].filter((x): x is string => !!x)
            : [undefined];
          for (const peer of addrs)
            await s.peers.packets(a.mode, a.protocol, a.router, peer, a.direction);
        }
        return;
      }
      case 'daemon':
        s.record({
          kind: 'router-event',
          router: a.router,
          event: a.op === 'kill' ? 'daemon-killed' : 'daemon-restarted',
          daemon: a.daemon,
        });
        await s.peers.daemon(a.op, a.router, a.daemon);
        return;
      case 'vtysh':
        s.record({
          kind: 'router-event',
          router: a.router,
          event: 'vtysh',
          detail: a.commands.join('; '),
        });
        await s.peers.vtysh(a.router, a.commands);
        return;
      case 'node':
        s.record({ kind: 'fault', fault: `node-${a.op}`, node: a.node });
        if (a.op === 'stop') await s.runtime.stopNode(a.node);
        else await s.runtime.restartNode(a.node);
        return;
      case 'advance':
      case 'sleep':
        await s.advance(a.ms);
        return;
    }
  }

  /** Checks until the expectation holds or `timeoutMs` (virtual or real) has passed. */
  private async poll(e: Expectation, timeoutMs: number): Promise<Check> {
    const s = this.s;
    const start = s.clock.now();
    let last = await this.check(e);
    while (!last.ok && s.clock.now() - start < timeoutMs) {
      const step = Math.min(s.virtual ? 250 : 100, timeoutMs - (s.clock.now() - start));
      await s.advance(step);
      last = await this.check(e);
    }
    return last;
  }

  async check(e: Expectation): Promise<Check> {
    const s = this.s;
    switch (e.kind) {
      case 'resource': {
        const apiVersion = e.apiVersion ?? (await this.apiVersionOf(e.resourceKind));
        let data: unknown;
        if (e.name) {
          data = await s.client.get({
            apiVersion,
            kind: e.resourceKind,
            metadata: { name: e.name, namespace: e.namespace },
          });
        } else {
          const items = await s.client.list(apiVersion, e.resourceKind, {
            namespace: e.namespace,
            labelSelector: e.selector,
          });
          data = { apiVersion: 'v1', kind: 'List', items };
        }
        const c = e.condition;
        const found = data !== undefined && jsonPathFinds(e.jsonpath, data);
        const value = data === undefined ? '<not found>' : evaluateJsonPath(e.jsonpath, data);
        if ('exists' in c)
          return {
            ok: found === c.exists,
            expected: `${e.jsonpath} ${c.exists ? 'exists' : 'absent'}`,
            actual: found ? value : '<absent>',
          };
        if ('equals' in c)
          return {
            ok: found && value === c.equals,
            expected: JSON.stringify(c.equals),
            actual: JSON.stringify(value),
          };
        return {
          ok: found && new RegExp(c.matches).test(value),
          expected: `matches /${c.matches}/`,
          actual: JSON.stringify(value),
        };
      }
      case 'sessions': {
        const since = e.since === 'step' ? this.stepStart : -Infinity;
        const peer = sessionPeerName(e.peer);
        const all = s.observations.filter((o) => o.node === e.node && o.peer === peer);
        // From the state in force when the step began (the CR showed it then), onwards.
        const firstNew = all.findIndex((o) => o.t >= since);
        const from = firstNew < 0 ? Math.max(0, all.length - 1) : Math.max(0, firstNew - 1);
        const seen = e.since === 'step' ? all.slice(from) : all;
        let i = 0;
        for (const o of seen) {
          const m = e.sequence[i];
          if (m && (!m.bgp || m.bgp === o.bgp) && (!m.bfd || m.bfd === o.bfd)) i++;
        }
        return {
          ok: i === e.sequence.length,
          expected: e.sequence.map(matcherText).join(' -> '),
          actual: seen.length
            ? seen.map((o) => `${o.bgp}/BFD ${o.bfd}`).join(' -> ')
            : '<no BGPSessionState seen>',
        };
      }
      case 'route': {
        const family = e.prefix.includes(':') ? 'ipv6' : 'ipv4';
        const paths = (await s.peers.routes(e.router, family))[e.prefix] ?? [];
        // Any path that meets every constraint will do (two nodes may announce one prefix).
        const problemsOf = (p: (typeof paths)[number]): string[] => {
          const problems: string[] = [];
          if (e.nextHop && !p.nexthops.some((h) => h.ip === e.nextHop))
            problems.push(`next hop ${p.nexthops.map((h) => h.ip).join(',')}`);
          for (const c of e.communities ?? [])
            if (!(p.communities ?? []).includes(c))
              problems.push(`communities ${JSON.stringify(p.communities ?? [])}`);
          for (const c of e.largeCommunities ?? [])
            if (!(p.largeCommunities ?? []).includes(c))
              problems.push(`large communities ${JSON.stringify(p.largeCommunities ?? [])}`);
          if (e.localPref !== undefined && p.localPref !== e.localPref)
            problems.push(`local-pref ${p.localPref ?? 'none'}`);
          if (e.stale !== undefined && (p.stale ?? false) !== e.stale)
            problems.push(p.stale ? 'stale' : 'not stale');
          return [...new Set(problems)];
        };
        const verdicts = paths.map(problemsOf);
        const matching = verdicts.filter((v) => v.length === 0).length;
        if (e.absent) {
          // Absent: no path meets the constraints (with a next hop: no path via that node).
          const what = `${e.prefix}${e.nextHop ? ` via ${e.nextHop}` : ''}`;
          return {
            ok: matching === 0,
            expected: `${e.router} lacks ${what}`,
            actual: matching ? `${e.router} has ${what}` : `${e.router} lacks ${what}`,
          };
        }
        const ok = matching > 0;
        const want = [
          e.prefix,
          e.nextHop && `via ${e.nextHop}`,
          e.communities && `communities ${e.communities.join(' ')}`,
          e.localPref !== undefined && `local-pref ${e.localPref}`,
          e.stale !== undefined && (e.stale ? 'stale' : 'not stale'),
        ]
          .filter(Boolean)
          .join(' ');
        const actual =
          paths.length === 0 ? 'no route' : verdicts.map((v) => v.join('; ')).join(' | ');
        return {
          ok,
          expected: `${e.router} has ${want}`,
          actual: ok ? 'as expected' : `${e.router}: ${actual}`,
        };
      }
      case 'notification': {
        const msgs = s.timeline
          .events()
          .filter(
            (x): x is Extract<TimelineEvent, { kind: 'message' }> =>
              x.kind === 'message' &&
              x.notification !== undefined &&
              x.node === e.node &&
              x.peer === e.peer &&
              x.direction === e.direction,
          );
        const ok = msgs.some(
          (m) =>
            m.notification!.code === e.code &&
            (e.subcode === undefined || m.notification!.subcode === e.subcode),
        );
        const name = `${e.code}/${e.subcode ?? '*'}`;
        return {
          ok,
          expected: `NOTIFICATION ${name} ${e.direction} by ${e.node} (peer ${e.peer})`,
          actual: msgs.length ? msgs.map((m) => m.notification!.name).join(', ') : 'none',
        };
      }
      case 'metric': {
        const nodes = e.node ? [e.node] : s.scenario.topology.nodes.map((n) => n.name);
        const values: number[] = [];
        for (const n of nodes) {
          const reg = s.runtime.nodeRegistry(n);
          const metric = reg?.getSingleMetric(e.name) ?? s.runtime.registry.getSingleMetric(e.name);
          if (!metric) continue;
          const got = await metric.get();
          for (const v of got.values) {
            if (Object.entries(e.labels).every(([k, want]) => String(v.labels[k] ?? '') === want))
              values.push(v.value);
          }
        }
        const cmp = (v: number): boolean =>
          ({
            '==': v === e.value,
            '!=': v !== e.value,
            '<': v < e.value,
            '<=': v <= e.value,
            '>': v > e.value,
            '>=': v >= e.value,
          })[e.op];
        return {
          ok: values.some(cmp),
          expected: `${e.name}${JSON.stringify(e.labels)} ${e.op} ${e.value}`,
          actual: values.length ? values.join(', ') : 'no such series',
        };
      }
    }
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
}

/** Runs a whole scenario; always tears everything down. */
export async function runScenario(
  scenario: Scenario,
  options: RunOptions = {},
): Promise<ScenarioOutcome> {
  let session: ScenarioSession | undefined;
  const failures: StepEndEvent[] = [];
  try {
    session = await ScenarioSession.start(scenario, options);
    const runner = new StepRunner(session);
    for (const step of scenario.steps) {
      const end = await runner.runStep(step);
      if (end.result !== 'pass') {
        failures.push(end);
        if (options.stopOnFailure !== false) break;
      }
    }
    const run = scenarioRun(scenario, session.timeline.events(), session.startedAt);
    return {
      scenario,
      passed: failures.length === 0,
      run,
      failures,
      ...(session.pcap ? { pcap: session.pcap.toBuffer() } : {}),
    };
  } catch (error) {
    const message =
      error instanceof Error
        ? `${(error as { code?: string }).code ?? error.name}: ${error.message}`
        : String(error);
    const events = session?.timeline.events() ?? [];
    return {
      scenario,
      passed: false,
      run: scenarioRun(scenario, events, session?.startedAt ?? new Date().toISOString()),
      failures,
      error: message,
    };
  } finally {
    await session?.close();
  }
}
