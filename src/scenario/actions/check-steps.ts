/**
 * `wait` and `expect`: one check, retried until it holds or its timeout passes (advancing
 * virtual time, or waiting real time). A failed expect is a test failure, a failed wait an
 * error (the scenario could not get there).
 */
import { ms, type Raw } from '../references.js';
import {
  describeExpectation,
  evaluate,
  parseExpectation,
  type Expectation,
} from '../registry/checks.js';
import type { ActionDef, Check, RunContext } from '../registry/types.js';

export interface CheckStepAction {
  kind: 'wait' | 'expect';
  expectation: Expectation;
  timeoutMs: number;
}

/** How often a check is evaluated while it waits: virtual ms, or real ms. */
export function pollInterval(c: RunContext): number {
  return c.s.virtual ? 250 : 100;
}

/** Checks until the expectation holds or `timeoutMs` (virtual or real) has passed. */
export async function poll(c: RunContext, e: Expectation, timeoutMs: number): Promise<Check> {
  const s = c.s;
  const start = s.clock.now();
  let last = await evaluate(c, e);
  while (!last.ok && s.clock.now() - start < timeoutMs) {
    await s.advance(Math.min(pollInterval(c), timeoutMs - (s.clock.now() - start)));
    last = await evaluate(c, e);
  }
  return last;
}

export const checkSteps: ActionDef<CheckStepAction> = {
  kinds: ['wait', 'expect'],
  keys: {
    wait: {
      $ref: '#/definitions/expectation',
      description:
        'Wait until a condition holds; failing it is an error (the scenario could not get there).',
    },
    expect: {
      $ref: '#/definitions/expectation',
      description: 'Assert a condition within a timeout; failing it is a test failure.',
    },
  },
  // The builder adds every check to `properties` and to the "exactly one" oneOf.
  checkDefinition: 'expectation',
  definitions: {
    expectation: {
      type: 'object',
      additionalProperties: false,
      description:
        'One check, retried until it holds or the timeout passes. `wait` and `expect` take the same checks: a failed expect is a test failure (JUnit <failure>), a failed wait an error (<error>); both stop the scenario.',
      properties: {
        timeout: {
          $ref: '#/definitions/duration',
          description:
            'How long the check may take to hold. Default: defaults.timeout (30s). With clock: virtual the runner moves virtual time forward while it waits (timers fire, polls run), up to the timeout; 0s checks once.',
        },
      },
    },
  },
  parse: (ctx, key, value, p) => {
    const v = value as Raw;
    return {
      kind: key as 'wait' | 'expect',
      expectation: parseExpectation(ctx, v, p),
      timeoutMs: v['timeout'] !== undefined ? ms(v['timeout']) : ctx.defaults.timeoutMs,
    };
  },
  describe: (a) => `${a.kind} ${describeExpectation(a.expectation)}`,
  maxDurationMs: (a) => a.timeoutMs,
  async act(c, a) {
    const r = await poll(c, a.expectation, a.timeoutMs);
    if (r.ok) return { result: 'pass' };
    return {
      result: a.kind === 'expect' ? 'fail' : 'error',
      expected: r.expected,
      actual: r.actual,
      message: `${a.kind === 'wait' ? 'timed out after' : 'not true within'} ${a.timeoutMs} ms`,
    };
  },
};
