import { describe, expect, it } from 'vitest';
import { celRuleViolations, toCelValue } from '../../src/k8s/schema/cel-rules.js';

// CRD validation rules through a real CEL evaluator: Kubernetes semantics (ints are CEL ints,
// durations, has()), the cause format the API server uses, ratcheting on update.
const connectTime = {
  type: 'string',
  'x-kubernetes-validations': [
    {
      message: 'connect time should be between 1 seconds to 65535',
      rule: 'duration(self).getSeconds() >= 1 && duration(self).getSeconds() <= 65535',
    },
    {
      message: 'connect time should contain a whole number of seconds',
      rule: 'duration(self).getMilliseconds() % 1000 == 0',
    },
  ],
};
const schema = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      properties: {
        connectTime,
        aggregationLength: { type: 'integer' },
        serviceSelectors: { type: 'array', items: { type: 'object' } },
      },
      'x-kubernetes-validations': [
        {
          message: 'selectors only with /32',
          rule: '!has(self.serviceSelectors) || size(self.serviceSelectors) == 0 || !has(self.aggregationLength) || self.aggregationLength == 32',
        },
      ],
    },
    status: {
      type: 'object',
      properties: {
        count: {
          type: 'integer',
          'x-kubernetes-validations': [{ message: 'may only grow', rule: 'self >= oldSelf' }],
        },
      },
    },
  },
};
const messages = (value: unknown, old?: unknown) =>
  celRuleViolations(schema, value, old).map((c) => `${c.field}: ${c.message}`);

describe('CRD validation rules (CEL)', () => {
  it.each([
    ['10s', []],
    ['1m30s', []],
    // Every rule runs: 500 ms breaks both.
    [
      '500ms',
      [
        'spec.connectTime: Invalid value: "string": connect time should be between 1 seconds to 65535',
        'spec.connectTime: Invalid value: "string": connect time should contain a whole number of seconds',
      ],
    ],
    [
      '70000s',
      [
        'spec.connectTime: Invalid value: "string": connect time should be between 1 seconds to 65535',
      ],
    ],
    [
      '1500ms',
      [
        'spec.connectTime: Invalid value: "string": connect time should contain a whole number of seconds',
      ],
    ],
  ])('connectTime %s', (ct, want) => {
    expect(messages({ spec: { connectTime: ct } })).toEqual(want);
  });

  it('integers are CEL ints, and has() sees absent fields', () => {
    expect(toCelValue({ spec: { aggregationLength: 32 } }, schema)).toEqual({
      spec: { aggregationLength: 32n },
    });
    expect(messages({ spec: { serviceSelectors: [{}], aggregationLength: 32 } })).toEqual([]);
    expect(messages({ spec: { serviceSelectors: [{}] } })).toEqual([]);
    expect(messages({ spec: { serviceSelectors: [{}], aggregationLength: 24 } })).toEqual([
      'spec: Invalid value: "object": selectors only with /32',
    ]);
  });

  it('an unchanged value is not judged again (ratcheting); a changed one is', () => {
    const bad = { spec: { connectTime: '500ms' } };
    expect(messages(bad, bad)).toEqual([]);
    expect(messages({ spec: { connectTime: '400ms' } }, bad)).toHaveLength(2);
  });

  it('transition rules run on update only, with oldSelf', () => {
    expect(messages({ status: { count: 1 } })).toEqual([]);
    expect(messages({ status: { count: 1 } }, { status: { count: 2 } })).toEqual([
      'status.count: Invalid value: "integer": may only grow',
    ]);
    expect(messages({ status: { count: 3 } }, { status: { count: 2 } })).toEqual([]);
  });

  it('a rule that cannot be evaluated is a cause, never a crash', () => {
    const broken = {
      type: 'string',
      'x-kubernetes-validations': [{ rule: 'duration(self) >', message: 'm' }],
    };
    const causes = celRuleViolations(broken, 'x', undefined, 'spec.x');
    expect(causes).toHaveLength(1);
    expect(causes[0]?.field).toBe('spec.x');
    expect(celRuleViolations(connectTime, 'not a duration', undefined, 'f')).toHaveLength(2);
  });
});
