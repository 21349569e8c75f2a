/** `resource`: a field of a resource (kubectl JSONPath) equals a value, matches a regex, or exists. */
import { ScenarioErrorCode } from '../errors.js';
import { evaluateJsonPath, jsonPathFinds } from '../runner/jsonpath.js';
import { fail } from '../resources.js';
import type { CheckDef } from '../registry/types.js';
import type { ResourceCondition } from '../types.js';

export interface ResourceExpectation {
  kind: 'resource';
  apiVersion?: string;
  resourceKind: string;
  namespace: string;
  /** Exactly one of `name` and `selector` is set. With a selector, the jsonpath sees a List. */
  name?: string;
  selector?: string;
  /** kubectl JSONPath, e.g. `{.status.result}`. */
  jsonpath: string;
  condition: ResourceCondition;
}

export const resourceCheck: CheckDef<ResourceExpectation> = {
  kind: 'resource',
  key: 'resource',
  definition: [
    'resourceExpectation',
    {
      type: 'object',
      additionalProperties: false,
      required: ['kind', 'jsonpath'],
      description:
        'A field of a resource (kubectl JSONPath) equals a value, matches a regex, or exists. Name one object with `name` or a List with `selector`.',
      properties: {
        apiVersion: {
          type: 'string',
        },
        kind: {
          type: 'string',
          examples: ['ConfigurationState'],
        },
        name: {
          type: 'string',
        },
        namespace: {
          type: 'string',
        },
        selector: {
          type: 'string',
          examples: ['metallb.io/service-name=test-service'],
        },
        jsonpath: {
          type: 'string',
          pattern: '\\{.*\\}',
          'x-expected': 'a kubectl JSONPath like {.status.result}',
          examples: ['{.status.result}'],
        },
        equals: {
          type: ['string', 'number', 'boolean'],
          description:
            'Compared with the JSONPath output as text, like `kubectl -o jsonpath` prints it.',
        },
        matches: {
          type: 'string',
          description: 'A JavaScript regular expression the output must match.',
        },
        exists: {
          type: 'boolean',
          description: 'true: the object exists (the JSONPath finds something); false: it is gone.',
        },
      },
    },
  ],
  parse(ctx, raw, p) {
    const r = raw;
    const conditions = ['equals', 'matches', 'exists'].filter((k) => r[k] !== undefined);
    if (conditions.length !== 1) {
      fail(
        ctx,
        ScenarioErrorCode.MissingField,
        ctx.map.valueAt(p),
        conditions.length
          ? `expected only one of equals, matches, exists, got ${conditions.join(' and ')}`
          : "missing required field 'equals', 'matches' or 'exists'",
      );
    }
    if ((r['name'] === undefined) === (r['selector'] === undefined)) {
      fail(
        ctx,
        ScenarioErrorCode.MissingField,
        ctx.map.valueAt(p),
        "expected exactly one of 'name' and 'selector'",
      );
    }
    if (typeof r['matches'] === 'string') {
      try {
        new RegExp(r['matches']);
      } catch {
        fail(
          ctx,
          ScenarioErrorCode.BadValue,
          ctx.map.valueAt([...p, 'matches']),
          `expected a regular expression, got '${r['matches']}'`,
        );
      }
    }
    const condition =
      r['matches'] !== undefined
        ? { matches: String(r['matches']) }
        : r['exists'] !== undefined
          ? { exists: Boolean(r['exists']) }
          : { equals: String(r['equals']) };
    return {
      kind: 'resource',
      ...(typeof r['apiVersion'] === 'string' ? { apiVersion: r['apiVersion'] } : {}),
      resourceKind: String(r['kind']),
      namespace: typeof r['namespace'] === 'string' ? r['namespace'] : ctx.defaults.namespace,
      ...(r['name'] !== undefined ? { name: String(r['name']) } : {}),
      ...(r['selector'] !== undefined ? { selector: String(r['selector']) } : {}),
      jsonpath: String(r['jsonpath']),
      condition,
    };
  },
  describe: (e) => `resource ${e.resourceKind}/${e.name ?? e.selector} ${e.jsonpath}`,
  async check({ s, apiVersionOf }, e) {
    const apiVersion = e.apiVersion ?? (await apiVersionOf(e.resourceKind));
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
  },
};
