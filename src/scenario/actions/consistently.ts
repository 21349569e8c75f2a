/**
 * `consistently`: a check that must hold at every instant of a window, so CI catches flaps
 * (a session leaving Established on a Service change, a route withdrawn and re-announced, BFD
 * going Down for one interval). The check is evaluated at once and at every poll; checks with
 * a recorded history (`session`, `route`) also fail on a change between two polls.
 */
import { ms, type Raw } from '../references.js';
import {
  describeExpectation,
  evaluate,
  evaluateHistory,
  parseExpectation,
  type Expectation,
} from '../registry/checks.js';
import type { ActionDef, Check } from '../registry/types.js';
import { pollInterval } from './check-steps.js';

export interface ConsistentlyAction {
  kind: 'consistently';
  expectation: Expectation;
  /** The window, ms on the run's clock, from the step's start. */
  forMs: number;
}

export const consistentlyAction: ActionDef<ConsistentlyAction> = {
  kinds: ['consistently'],
  keys: {
    consistently: {
      $ref: '#/definitions/consistentlyCheck',
      description:
        'Assert that a check holds for a whole window (`for`), at every poll and, for session and route, at every recorded change in between; failing it once is a test failure.',
    },
  },
  checkDefinition: 'consistentlyCheck',
  definitions: {
    consistentlyCheck: {
      type: 'object',
      additionalProperties: false,
      required: ['for'],
      description:
        'One check that must hold throughout `for`: e.g. `session: {bgp: Established}` (no session leaves Established), `route: {router: r1, prefix: ...}` (never withdrawn), `session: {bfd: Up}` (no BFD Down).',
      properties: {
        for: {
          $ref: '#/definitions/duration',
          description: 'How long the check must keep holding, from the start of the step.',
        },
      },
    },
  },
  parse: (ctx, _key, value, p) => {
    const v = value as Raw;
    return {
      kind: 'consistently',
      expectation: parseExpectation(ctx, v, p),
      forMs: ms(v['for']),
    };
  },
  describe: (a) => `consistently ${describeExpectation(a.expectation)} for ${a.forMs}ms`,
  maxDurationMs: (a) => a.forMs,
  async act(c, a) {
    const s = c.s;
    const start = s.clock.now();
    const broken = (r: Check) => ({
      result: 'fail' as const,
      expected: `${r.expected}, throughout ${a.forMs} ms`,
      actual: r.actual,
      message: `broken after ${Math.round(s.clock.now() - start)} ms of ${a.forMs} ms`,
    });
    for (;;) {
      const now = await evaluate(c, a.expectation);
      if (!now.ok) return broken(now);
      const past = evaluateHistory(c, a.expectation, start);
      if (past && !past.ok) return broken(past);
      const left = a.forMs - (s.clock.now() - start);
      if (left <= 0) return { result: 'pass' };
      await s.advance(Math.min(pollInterval(c), left));
    }
  },
};
