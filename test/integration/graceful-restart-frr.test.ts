import { join, resolve } from 'node:path';
import { expect, it } from 'vitest';
import { loadScenario } from '../../src/scenario/load.js';
import { runScenario } from '../../src/scenario/runner/run.js';
import type { Step } from '../../src/scenario/types.js';
import { integration, serialLabFile } from './require.js';

// Graceful restart (RFC 4724) against FRR 8.4 as the helper: scenarios/graceful-restart.yaml
// on the netns backend (FRR's `show bgp ipv4 unicast json` must say "stale": true while the
// node's speaker is stopped, and not after it is back), and how long FRR kept the route stale.
const file = join(resolve(import.meta.dirname, '../..'), 'scenarios', 'graceful-restart.yaml');

integration(['root', 'frr', 'vtysh', 'ip', 'nft'])('graceful restart against FRR 8.4', () => {
  serialLabFile();
  it('FRR keeps the route stale while the speaker restarts, fresh after its End-of-RIB', async () => {
    const scenario = await loadScenario(file);
    const out = await runScenario(scenario, { backend: 'netns' });
    const why = out.failures.map((f) => `${f.name}: expected ${f.expected} got ${f.actual}`);
    expect({ error: out.error, why }).toEqual({ error: undefined, why: [] });
    const end = (name: RegExp) =>
      out.run.events.find((e) => e.kind === 'step-end' && name.test(e.name))?.t;
    const stopped = end(/speaker on worker0 stops/);
    const staleSeen = end(/keeps the route as stale/);
    const fresh = end(/route is fresh again/);
    expect([stopped, staleSeen, fresh].every((t) => t !== undefined)).toBe(true);
    console.log(
      `[graceful-restart-frr] stale seen ${Math.round(staleSeen! - stopped!)} ms after the stop; ` +
        `stale on FRR for ${Math.round(fresh! - stopped!)} ms (stop -> End-of-RIB after the restart)`,
    );
  }, 300_000);

  it('FRR drops the stale route when the Restart Time (120 s) runs out with the speaker still down', async () => {
    const scenario = await loadScenario(file);
    // The scenario up to "r1 keeps the route as stale", then: the speaker never comes back.
    const keep = scenario.steps.findIndex((st) => /keeps the route as stale/.test(st.name));
    const stale = scenario.steps[keep]!;
    const gone: Step = {
      index: keep + 1,
      keyword: 'expect',
      name: 'r1 drops the stale route after the Restart Time',
      action: {
        kind: 'expect',
        expectation: { kind: 'route', router: 'r1', prefix: '198.18.100.10/32', absent: true },
        timeoutMs: 180_000,
      },
      at: stale.at,
    };
    const out = await runScenario(
      { ...scenario, steps: [...scenario.steps.slice(0, keep + 1), gone] },
      { backend: 'netns' },
    );
    const why = out.failures.map((f) => `${f.name}: expected ${f.expected} got ${f.actual}`);
    expect({ error: out.error, why }).toEqual({ error: undefined, why: [] });
    const end = (name: RegExp) =>
      out.run.events.find((e) => e.kind === 'step-end' && name.test(e.name))?.t;
    const stopped = end(/speaker on worker0 stops/)!;
    const dropped = end(/drops the stale route/)!;
    // RFC 4724 4.2: deleted when the Restart Time (120 s, the speaker's) runs out, not before.
    expect(dropped - stopped).toBeGreaterThanOrEqual(115_000);
    console.log(
      `[graceful-restart-frr] FRR kept the route stale for ${Math.round(dropped - stopped)} ms ` +
        'with the speaker down (Restart Time 120 s)',
    );
  }, 400_000);
});
