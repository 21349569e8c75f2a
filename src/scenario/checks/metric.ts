/** `metric`: a Prometheus metric of a speaker compares with a value. */
import { checkNode } from '../references.js';
import type { CheckDef } from '../registry/types.js';
import type { ComparisonOp } from '../types.js';

export interface MetricExpectation {
  kind: 'metric';
  name: string;
  /** The speaker whose metrics are read; absent: any node (the sum is not taken). */
  node?: string;
  labels: Record<string, string>;
  op: ComparisonOp;
  value: number;
}

export const metricCheck: CheckDef<MetricExpectation> = {
  kind: 'metric',
  key: 'metric',
  definition: [
    'metricExpectation',
    {
      type: 'object',
      additionalProperties: false,
      required: ['name', 'value'],
      description: 'A Prometheus metric of a speaker compares with a value.',
      properties: {
        name: {
          type: 'string',
          examples: ['metallb_bgp_session_up'],
        },
        node: {
          $ref: '#/definitions/objectName',
        },
        labels: {
          type: 'object',
          additionalProperties: {
            type: 'string',
          },
        },
        op: {
          enum: ['==', '!=', '<', '<=', '>', '>='],
          'x-expected': 'a comparison: ==, !=, <, <=, > or >=',
          description: 'Default ==.',
        },
        value: {
          type: 'number',
        },
      },
    },
  ],
  parse: (ctx, m, p) => ({
    kind: 'metric',
    name: String(m['name']),
    ...(m['node'] !== undefined ? { node: checkNode(ctx, m['node'], [...p, 'node']) } : {}),
    labels: (m['labels'] as Record<string, string>) ?? {},
    op: (m['op'] as ComparisonOp) ?? '==',
    value: Number(m['value']),
  }),
  describe: (e) => `metric ${e.name}`,
  async check({ s }, e) {
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
  },
};
