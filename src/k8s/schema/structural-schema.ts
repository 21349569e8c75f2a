import type { OpenApiSchema } from '../resource-type.js';
import { isRecord } from '../resource-type.js';

/**
 * Walks over Kubernetes structural schemas: defaulting and pruning as apiextensions-apiserver
 * does them. Defaults apply only where the parent object exists; unknown fields are removed
 * unless x-kubernetes-preserve-unknown-fields says keep them (and are reported, for
 * fieldValidation=Strict/Warn).
 */

function props(schema: OpenApiSchema): Record<string, OpenApiSchema> {
  const p = schema['properties'];
  return isRecord(p) ? (p as Record<string, OpenApiSchema>) : {};
}

function items(schema: OpenApiSchema): OpenApiSchema | undefined {
  const i = schema['items'];
  return isRecord(i) ? i : undefined;
}

function additional(schema: OpenApiSchema): OpenApiSchema | undefined {
  const a = schema['additionalProperties'];
  return isRecord(a) ? a : undefined;
}

/** Fills in `default` values, recursively, for absent properties of present objects. */
export function applyDefaults(value: unknown, schema: OpenApiSchema | undefined): void {
  if (!schema) return;
  if (Array.isArray(value)) {
    const itemSchema = items(schema);
    for (const v of value) applyDefaults(v, itemSchema);
    return;
  }
  if (!isRecord(value)) return;
  for (const [key, child] of Object.entries(props(schema))) {
    if (value[key] === undefined && child['default'] !== undefined) {
      value[key] = structuredClone(child['default']);
    }
    applyDefaults(value[key], child);
  }
  const extra = additional(schema);
  if (extra) {
    for (const key of Object.keys(value)) {
      if (!Object.hasOwn(props(schema), key)) applyDefaults(value[key], extra);
    }
  }
}

/**
 * Removes fields the schema does not declare; returns their paths (`spec.foo`). The root's
 * apiVersion, kind and metadata are never pruned here (metadata has its own rules).
 */
export function pruneUnknown(
  value: unknown,
  schema: OpenApiSchema | undefined,
  path = '',
  unknown: string[] = [],
): string[] {
  if (!schema || schema['x-kubernetes-preserve-unknown-fields'] === true) return unknown;
  if (schema['x-kubernetes-int-or-string'] === true) return unknown;
  if (Array.isArray(value)) {
    const itemSchema = items(schema);
    value.forEach((v, i) => pruneUnknown(v, itemSchema, `${path}[${i}]`, unknown));
    return unknown;
  }
  if (!isRecord(value)) return unknown;
  const declared = props(schema);
  const extra = additional(schema);
  const allowsAnyKey = schema['additionalProperties'] === true;
  for (const key of Object.keys(value)) {
    const childPath = path ? `${path}.${key}` : key;
    if (path === '' && (key === 'apiVersion' || key === 'kind' || key === 'metadata')) continue;
    const child = declared[key];
    if (child) pruneUnknown(value[key], child, childPath, unknown);
    else if (extra) pruneUnknown(value[key], extra, childPath, unknown);
    else if (!allowsAnyKey) {
      unknown.push(childPath);
      delete value[key];
    }
  }
  return unknown;
}

/** Schema of the node at a dotted path (`status.conditions`), or undefined. */
export function schemaAt(
  schema: OpenApiSchema | undefined,
  path: string[],
): OpenApiSchema | undefined {
  let cur = schema;
  for (const key of path) {
    if (!cur) return undefined;
    const arrayItems = items(cur);
    if (arrayItems && /^\d+$/.test(key)) {
      cur = arrayItems;
      continue;
    }
    cur = props(cur)[key] ?? additional(cur);
  }
  return cur;
}
