import { isIP } from 'node:net';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { StatusCause } from '../errors.js';
import type { OpenApiSchema } from '../resource-type.js';
import { isRecord } from '../resource-type.js';

/**
 * Schema validation of custom resources with ajv over the CRD's openAPIV3Schema. The
 * Kubernetes dialect is translated first: x-kubernetes-int-or-string becomes anyOf
 * integer/string, numeric formats (int32, int64, double) are not range-checked (the real
 * server checks formats of strings only), other x-kubernetes-* keys are ignored. CEL rules
 * (x-kubernetes-validations) of the form `self == oldSelf` (immutability) are checked here,
 * in checkTransitionRules; every other rule is evaluated by cel-rules.ts (an admission hook).
 */

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

function newAjv(): Ajv {
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
  addFormats(ajv);
  for (const numeric of ['int32', 'int64', 'float', 'double']) {
    ajv.addFormat(numeric, { type: 'number', validate: () => true });
  }
  ajv.addFormat('byte', /^[A-Za-z0-9+/]*={0,2}$/);
  // Kubernetes' `cidr` format: what Go's net.ParseCIDR accepts (FRRConfiguration uses it).
  ajv.addFormat('cidr', {
    type: 'string',
    validate: (s: string) => {
      const [ip, len, ...rest] = s.split('/');
      const v = isIP(ip ?? '');
      return (
        rest.length === 0 &&
        v !== 0 &&
        /^\d{1,3}$/.test(len ?? '') &&
        Number(len) <= (v === 4 ? 32 : 128)
      );
    },
  });
  return ajv;
}

/** Rewrites Kubernetes-only schema keys into plain JSON schema. */
export function toJsonSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(toJsonSchema);
  if (!isRecord(schema)) return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key.startsWith('x-kubernetes-') || key === 'default' || key === 'example') continue;
    if (key === 'properties' && isRecord(value)) {
      out[key] = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJsonSchema(v)]));
    } else {
      out[key] = toJsonSchema(value);
    }
  }
  if (schema['x-kubernetes-int-or-string'] === true) {
    delete out['type'];
    out['anyOf'] = [{ type: 'integer' }, { type: 'string' }];
  }
  if (schema['nullable'] === true && typeof out['type'] === 'string') {
    out['type'] = [out['type'], 'null'];
    delete out['nullable'];
  }
  return out;
}

/** `/spec/addresses/0` -> `spec.addresses[0]` */
function fieldPath(instancePath: string, extra?: string): string {
  const parts = instancePath.split('/').slice(1);
  if (extra) parts.push(extra);
  let out = '';
  for (const raw of parts) {
    const p = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (/^\d+$/.test(p)) out += `[${p}]`;
    else out += out ? `.${p}` : p;
  }
  return out;
}

function valueText(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : JSON.stringify(v ?? null);
}

function causeOf(e: ErrorObject, data: unknown): StatusCause {
  const valueAt = (path: string): unknown => {
    let cur = data;
    for (const part of path.split('/').slice(1)) {
      if (Array.isArray(cur)) cur = cur[Number(part)];
      else if (isRecord(cur)) cur = cur[part];
      else return undefined;
    }
    return cur;
  };
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required': {
      const field = fieldPath(e.instancePath, String(params['missingProperty']));
      return { reason: 'FieldValueRequired', message: 'Required value', field };
    }
    case 'enum': {
      const field = fieldPath(e.instancePath);
      const allowed = (params['allowedValues'] as unknown[]).map((v) => valueText(v)).join(', ');
      return {
        reason: 'FieldValueNotSupported',
        message: `Unsupported value: ${valueText(valueAt(e.instancePath))}: supported values: ${allowed}`,
        field,
      };
    }
    case 'type': {
      const field = fieldPath(e.instancePath);
      return {
        reason: 'FieldValueTypeInvalid',
        message: `Invalid value: "${typeof valueAt(e.instancePath)}": ${field} in body must be of type ${String(params['type'])}: ${valueText(valueAt(e.instancePath))}`,
        field,
      };
    }
    default: {
      const field = fieldPath(e.instancePath);
      return {
        reason: 'FieldValueInvalid',
        message: `Invalid value: ${valueText(valueAt(e.instancePath))}: ${field} in body ${e.message ?? 'is invalid'}`,
        field,
      };
    }
  }
}

/** Compiles schemas once per (schema object) and validates objects against them. */
export class SchemaValidator {
  private readonly ajv = newAjv();
  private readonly compiled = new WeakMap<OpenApiSchema, ValidateFunction>();

  /** Field errors for `obj` (metadata excluded: the server validates it separately). */
  validate(schema: OpenApiSchema, obj: Record<string, unknown>): StatusCause[] {
    let fn = this.compiled.get(schema);
    if (!fn) {
      const json = toJsonSchema(schema) as Record<string, unknown>;
      const properties = isRecord(json['properties']) ? { ...json['properties'] } : {};
      // metadata is checked by the server itself; the CRD's `type: object` is all it says.
      delete properties['metadata'];
      fn = this.ajv.compile({ ...json, properties });
      this.compiled.set(schema, fn);
    }
    if (fn(obj)) return [];
    const causes = (fn.errors ?? [])
      .filter((e) => e.keyword !== 'anyOf')
      .map((e) => causeOf(e, obj));
    // ajv may report one problem several times (e.g. per anyOf branch): keep each once.
    const seen = new Set<string>();
    return causes.filter((c) => {
      const key = `${c.field}|${c.message}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  }
}

/**
 * Transition rules: the `self == oldSelf` CEL rule on a field means "immutable once set".
 * Other CEL expressions are evaluated by cel-rules.ts.
 */
export function checkTransitionRules(
  schema: OpenApiSchema | undefined,
  next: unknown,
  prev: unknown,
  path = '',
  causes: StatusCause[] = [],
): StatusCause[] {
  if (!schema) return causes;
  const rules = schema['x-kubernetes-validations'];
  if (Array.isArray(rules) && prev !== undefined && next !== undefined) {
    for (const rule of rules.filter(isRecord)) {
      const expr = String(rule['rule'] ?? '').replace(/\s+/g, '');
      if (expr === 'self==oldSelf' && JSON.stringify(next) !== JSON.stringify(prev)) {
        causes.push({
          reason: 'FieldValueInvalid',
          message: `Invalid value: ${valueText(next)}: ${String(rule['message'] ?? 'Value is immutable')}`,
          field: path,
        });
      }
    }
  }
  const properties = schema['properties'];
  if (isRecord(properties) && isRecord(next) && isRecord(prev)) {
    for (const [key, child] of Object.entries(properties)) {
      if (isRecord(child)) {
        checkTransitionRules(child, next[key], prev[key], path ? `${path}.${key}` : key, causes);
      }
    }
  }
  return causes;
}
