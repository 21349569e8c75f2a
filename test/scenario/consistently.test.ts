import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../src/scenario/load.js';
import { runScenario } from '../../src/scenario/runner/run.js';

// Resource files resolve next to the shipped scenarios.
const file = join(resolve(import.meta.dirname, '../..'), 'scenarios', 'consistently-test.yaml');

function scenario(steps: string, extra = '') {
  const text = `name: consistently-test
${extra}
topology:
  routers:
    - name: r1
      asn: 64500
      addresses: {ipv4: 198.18.0.1/24}
      bfd: {receiveInterval: 300, transmitInterval: 300, detectMultiplier: 3}
  nodes:
    - name: worker0
      addresses: {ipv4: 198.18.0.101/24}
resources:
  - file: manifests/sim/namespaces.yaml
  - file: manifests/common/pool.yaml
  - file: manifests/common/peer-r1-bfd.yaml
  - file: manifests/common/web-service.yaml
steps:
  - wait:
      session: {node: worker0, peer: r1, bgp: Established, bfd: Up}
      timeout: 3m
${steps}`;
  const parsed = parseScenario(text, file);
  if (!parsed.ok) throw new Error(parsed.errors.map((e) => e.message).join('\n'));
  return parsed.scenario;
}

const route = '{router: r1, prefix: 198.18.100.10/32, nextHop: 198.18.0.101}';

describe('consistently', () => {
  it('passes when nothing flaps for the whole window', async () => {
    const out = await runScenario(
      scenario(`  - consistently:
      for: 20s
      session: {bgp: Established, bfd: Up}
  - consistently:
      for: 5s
      route: ${route}
`),
    );
    expect(out.failures).toEqual([]);
    // The window really elapsed on the run's (virtual) clock.
    const ends = out.run.events.filter((e) => e.kind === 'step-end');
    expect(ends[2]!.t - ends[0]!.t).toBeGreaterThanOrEqual(25_000);
  }, 60_000);

  it('fails on BFD going Down and on the route being withdrawn, with when and what', async () => {
    const out = await runScenario(
      scenario(
        `  - drop: {protocol: bfd, router: r1, direction: to-node}
  - consistently:
      for: 10s
      session: {node: worker0, bfd: Up}
  - consistently:
      for: 10s
      route: ${route}
`,
      ),
      { stopOnFailure: false },
    );
    const f = out.failures[0]!;
    expect(f.result).toBe('fail');
    expect(f.expected).toBe('worker0/every peer BFD Up, throughout 10000 ms');
    expect(f.actual).toMatch(/BFD Down|BFD Up -> Down/);
    // Detection takes 3 x 300 ms: broken well before the window ends.
    expect(f.message).toMatch(/^broken after (\d+) ms of 10000 ms$/);
    expect(Number(/after (\d+)/.exec(f.message!)![1])).toBeLessThan(2000);
    const r = out.failures[1]!;
    expect([r.step, r.result, r.actual]).toEqual([3, 'fail', 'r1: no route']);
  }, 60_000);

  it('catches a flap a poll-mode BGPSessionState hides (pollSessionState in the scenario)', async () => {
    const s = scenario(
      `  - drop: {protocol: bfd, router: r1, direction: to-node}
  - consistently:
      for: 5s
      session: {node: worker0, peer: r1, bgp: Established}
`,
      'pollSessionState: 1m',
    );
    expect(s.sessionStatePollMs).toBe(60_000);
    const out = await runScenario(s);
    const f = out.failures[0]!;
    expect(f.step).toBe(2);
    // The CR still says Established (next poll is a minute away); the FSM's transition shows it.
    expect(f.actual).toMatch(/worker0\/198\.18\.0\.1 BGP Established -> Idle/);
  }, 60_000);

  it('needs a window and exactly one check', () => {
    const base = (step: string) =>
      parseScenario(`name: x\ntopology:\n  nodes: [{name: worker0}]\nsteps:\n${step}`, 'x.yaml');
    const noFor = base('  - consistently: {session: {bgp: Established}}\n');
    expect(noFor.ok ? [] : noFor.errors.map((e) => e.code)).toEqual(['ERR_SCENARIO_MISSING_FIELD']);
    const timeout = base('  - consistently: {for: 1s, timeout: 2s, session: {bgp: Established}}\n');
    expect(timeout.ok ? '' : timeout.errors[0]!.message).toMatch(
      /unknown check 'timeout': expected one of .*session, for/,
    );
    const noState = base('  - consistently: {for: 1s, session: {node: worker0}}\n');
    expect(noState.ok ? [] : noState.errors.map((e) => e.code)).toEqual([
      'ERR_SCENARIO_MISSING_FIELD',
    ]);
  });
});

describe('route history', () => {
  it('a withdrawal between two polls breaks `consistently route`, even if the route came back', async () => {
    const { ManualClock } = await import('../../src/core/clock.js');
    const { Timeline } = await import('../../src/scenario/timeline.js');
    const { routeCheck } = await import('../../src/scenario/checks/route.js');
    const s = scenario('');
    const clock = new ManualClock(0);
    const timeline = new Timeline(clock);
    const update = (node: string, peer: string, withdrawn: string[]) =>
      timeline.record({
        kind: 'message',
        protocol: 'bgp',
        node,
        peer,
        direction: 'sent',
        type: 'UPDATE',
        summary: 'UPDATE',
        withdrawn,
      });
    update('worker0', '198.18.0.1', ['198.18.100.10/32']); // before the window
    clock.advance(1000);
    update('worker0', '198.18.0.1', ['198.18.100.99/32']); // another prefix
    const c = { s: { scenario: s, timeline }, apiVersionOf: async () => 'v1', stepStart: 0 };
    const e = {
      kind: 'route' as const,
      router: 'r1',
      prefix: '198.18.100.10/32',
      nextHop: '198.18.0.101',
      absent: false,
    };
    const history = routeCheck.history!;
    expect(history(c as never, e, 500).ok).toBe(true);
    clock.advance(100);
    update('worker0', '198.18.0.1', ['198.18.100.10/32']);
    const broken = history(c as never, e, 500);
    expect(broken).toEqual({
      ok: false,
      expected: 'r1 has 198.18.100.10/32 via 198.18.0.101',
      actual: '+1100ms worker0 withdrew 198.18.100.10/32',
    });
    // Another node's withdrawal does not count when the check names a next hop.
    expect(history(c as never, { ...e, nextHop: '198.18.0.102' }, 500).ok).toBe(true);
  });
});
