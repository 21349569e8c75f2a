/**
 * CRD validation rules (`x-kubernetes-validations`, CEL) evaluated on create and update, as
 * the API server does after schema validation: each rule runs with `self` bound to the value
 * at its place in the schema (only where that value is present); a rule that is false becomes
 * a `FieldValueInvalid` cause `Invalid value: "<schema type>": <message>` at that field, and
 * all causes of a request make one 422 Invalid. Integers are CEL ints (BigInt), so
 * `self.aggregationLength == 32` and `duration(self).getSeconds()` mean what they mean in
 * Kubernetes. Ratcheting (Kubernetes >= 1.30): on update, a value equal to the stored one is
 * not judged again. Transition rules of the form `self == oldSelf` are left to
 * checkTransitionRules (validator.ts), which already runs them; other rules that mention
 * `oldSelf` run on update with `oldSelf` bound when the old value exists.
 */
import { parse } from '@marcbachmann/cel-js';
import type { AdmissionHook, AdmissionRequest } from '../api/admission-hooks.js';
import { invalid, type StatusCause } from '../errors.js';
import type { OpenApiSchema } from '../resource-type.js';
import { isRecord } from '../resource-type.js';
import { stableJson } from '../../core/stable-json.js';

type Compiled = ReturnType<typeof parse>;

const compiled = new Map<string, Compiled | Error>();

function compile(rule: string): Compiled | Error {
  let c = compiled.get(rule);
  if (!c) {
    try {
      c = parse(rule);
    } catch (error) {
      c = error instanceof Error ? error : new Error(String(error));
    }
    compiled.set(rule, c);
  }
  return c;
}

/** A JSON value as CEL sees it under `schema`: integer fields become ints (BigInt). */
export function toCelValue(value: unknown, schema: OpenApiSchema | undefined): unknown {
  if (typeof value === 'number') {
    return schema?.['type'] === 'integer' && Number.isInteger(value) ? BigInt(value) : value;
  }
  if (Array.isArray(value)) {
    const items = isRecord(schema?.['items']) ? (schema['items'] as OpenApiSchema) : undefined;
    return value.map((v) => toCelValue(v, items));
  }
  if (isRecord(value)) {
    const props = isRecord(schema?.['properties']) ? schema['properties'] : {};
    const extra = isRecord(schema?.['additionalProperties'])
      ? (schema['additionalProperties'] as OpenApiSchema)
      : undefined;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const child = isRecord(props[k]) ? (props[k] as OpenApiSchema) : extra;
      out[k] = toCelValue(v, child);
    }
    return out;
  }
  return value;
}

function isPlainTransition(rule: string): boolean {
  return rule.replace(/\s+/g, '') === 'self==oldSelf';
}

/** The causes for every false rule under `schema` for `value` (`old`: the stored value). */
export function celRuleViolations(
  schema: OpenApiSchema | undefined,
  value: unknown,
  old: unknown,
  path = '',
  causes: StatusCause[] = [],
): StatusCause[] {
  if (!schema || value === undefined || value === null) return causes;
  // Ratcheting: an unchanged value is not judged again.
  if (old !== undefined && stableJson(old) === stableJson(value)) return causes;
  const rules = schema['x-kubernetes-validations'];
  if (Array.isArray(rules)) {
    for (const r of rules.filter(isRecord)) {
      const rule = String(r['rule'] ?? '');
      if (isPlainTransition(rule)) continue;
      const transition = /\boldSelf\b/.test(rule);
      if (transition && old === undefined) continue;
      const fn = compile(rule);
      const type = typeof schema['type'] === 'string' ? schema['type'] : 'object';
      const field = typeof r['fieldPath'] === 'string' ? `${path}${r['fieldPath']}` : path;
      const reason = typeof r['reason'] === 'string' ? r['reason'] : 'FieldValueInvalid';
      let ok: unknown;
      try {
        if (fn instanceof Error) throw fn;
        const vars: Record<string, unknown> = { self: toCelValue(value, schema) };
        if (transition) vars['oldSelf'] = toCelValue(old, schema);
        ok = fn(vars);
      } catch (error) {
        causes.push({
          reason: 'FieldValueInvalid',
          message: `Invalid value: "${type}": rule evaluation failed: ${error instanceof Error ? error.message : String(error)}`,
          field,
        });
        continue;
      }
      if (ok !== true) {
        const message = typeof r['message'] === 'string' ? r['message'] : `failed rule: ${rule}`;
        causes.push({ reason, message: `Invalid value: "${type}": ${message}`, field });
      }
    }
  }
  const props = schema['properties'];
  if (isRecord(props) && isRecord(value)) {
    for (const [key, child] of Object.entries(props)) {
      if (!isRecord(child)) continue;
      const prev = isRecord(old) ? old[key] : undefined;
      celRuleViolations(child, value[key], prev, path ? `${path}.${key}` : key, causes);
    }
  }
  const items = schema['items'];
  if (isRecord(items) && Array.isArray(value)) {
    // List items are matched by position for ratcheting (sets and maps too: a simplification).
    value.forEach((v, i) =>
      celRuleViolations(items, v, Array.isArray(old) ? old[i] : undefined, `${path}[${i}]`, causes),
    );
  }
  return causes;
}

const evaluable = new WeakMap<OpenApiSchema, boolean>();

/** True when the schema has a rule this module evaluates (cached per schema object). */
function hasEvaluableRules(schema: unknown): boolean {
  if (Array.isArray(schema)) return schema.some(hasEvaluableRules);
  if (!isRecord(schema)) return false;
  const cached = evaluable.get(schema);
  if (cached !== undefined) return cached;
  const rules = schema['x-kubernetes-validations'];
  const here =
    Array.isArray(rules) &&
    rules.some((r) => isRecord(r) && !isPlainTransition(String(r['rule'] ?? '')));
  const found = here || Object.values(schema).some(hasEvaluableRules);
  evaluable.set(schema, found);
  return found;
}

/** The admission hook that evaluates every CRD's validation rules. */
export const crdValidationRules: AdmissionHook = {
  name: 'crd-validation-rules',
  admit(request: AdmissionRequest): void {
    const { type, object } = request;
    if (!type.schema || !object || request.operation === 'DELETE') return;
    if (!hasEvaluableRules(type.schema)) return;
    const causes = celRuleViolations(type.schema, object, request.oldObject);
    if (causes.length > 0)
      throw invalid(type.kind, type.group, object.metadata?.name ?? '', causes);
  },
};
