import type { OpenApiSchema } from '../resource-type.js';
import { isRecord } from '../resource-type.js';
import { schemaAt } from '../schema/structural-schema.js';

/**
 * Field sets as server-side apply tracks them (managedFields, fieldsType FieldsV1). A set is
 * kept as leaf paths; each path element is a FieldsV1 key: `f:<field>`, `k:<json of key
 * fields>` for an item of a list map, `v:<json value>` for a set element, and `.` for "this list
 * item itself".
 */

export type ListKind = { type: 'map'; keys: string[] } | { type: 'set' } | { type: 'atomic' };

/** Says how the list at a field path (field names only, no indices) merges. */
export type ListKindResolver = (fieldPath: string[]) => ListKind;

/** Merge keys of builtin kinds' lists (patchMergeKey / listMapKeys in k8s.io/api). */
const BUILTIN_LIST_MAPS: Record<string, string[]> = {
  containers: ['name'],
  initContainers: ['name'],
  volumes: ['name'],
  env: ['name'],
  volumeMounts: ['mountPath'],
  conditions: ['type'],
  ownerReferences: ['uid'],
  imagePullSecrets: ['name'],
};

export function builtinListKinds(fieldPath: string[]): ListKind {
  const last = fieldPath[fieldPath.length - 1] ?? '';
  if (last === 'finalizers') return { type: 'set' };
  if (last === 'ports') {
    return fieldPath.includes('containers')
      ? { type: 'map', keys: ['containerPort', 'protocol'] }
      : { type: 'map', keys: ['port', 'protocol'] };
  }
  const keys = BUILTIN_LIST_MAPS[last];
  return keys ? { type: 'map', keys } : { type: 'atomic' };
}

/** List kinds from a CRD schema's x-kubernetes-list-type / x-kubernetes-list-map-keys. */
export function schemaListKinds(schema: OpenApiSchema | undefined): ListKindResolver {
  return (fieldPath) => {
    if (fieldPath[0] === 'metadata') return builtinListKinds(fieldPath);
    const node = schemaAt(schema, fieldPath);
    const listType = node?.['x-kubernetes-list-type'];
    const keys = node?.['x-kubernetes-list-map-keys'];
    if (listType === 'map' && Array.isArray(keys)) return { type: 'map', keys: keys.map(String) };
    if (listType === 'set') return { type: 'set' };
    return { type: 'atomic' };
  };
}

/** Metadata fields that belong to the server or the object's identity, never to a manager. */
export const UNMANAGED_METADATA = new Set([
  'name',
  'namespace',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'managedFields',
  'selfLink',
]);

function itemKey(item: unknown, keys: string[]): string {
  const picked: Record<string, unknown> = {};
  if (isRecord(item)) for (const k of keys) if (item[k] !== undefined) picked[k] = item[k];
  return `k:${JSON.stringify(picked)}`;
}

/** Leaf paths of `obj` (apiVersion/kind and server-owned metadata excluded). */
export function fieldSetOf(obj: Record<string, unknown>, lists: ListKindResolver): Set<string> {
  const out = new Set<string>();
  const walk = (value: unknown, path: string[], fields: string[]): void => {
    if (isRecord(value)) {
      const all = Object.keys(value);
      const isMetadata = fields.length === 1 && fields[0] === 'metadata';
      const keys = isMetadata ? all.filter((k) => !UNMANAGED_METADATA.has(k)) : all;
      // An empty map is a field of its own; metadata holding only server-owned fields (name,
      // uid, ...) is not: every applier sends metadata.name, and owning `.metadata` made the
      // second manager's apply a conflict.
      if (all.length === 0 && path.length > 0) out.add(JSON.stringify(path));
      for (const k of keys) walk(value[k], [...path, `f:${k}`], [...fields, k]);
      return;
    }
    if (Array.isArray(value)) {
      const kind = lists(fields);
      if (kind.type === 'map') {
        for (const item of value) {
          const pe = itemKey(item, kind.keys);
          out.add(JSON.stringify([...path, pe, '.']));
          walk(item, [...path, pe], fields);
        }
        return;
      }
      if (kind.type === 'set') {
        for (const item of value) out.add(JSON.stringify([...path, `v:${JSON.stringify(item)}`]));
        return;
      }
    }
    if (path.length > 0) out.add(JSON.stringify(path));
  };
  for (const [k, v] of Object.entries(obj)) {
    if (k === 'apiVersion' || k === 'kind') continue;
    walk(v, [`f:${k}`], [k]);
  }
  return out;
}

/** FieldsV1 JSON of a leaf set. */
export function toFieldsV1(set: Set<string>): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const leaf of [...set].sort()) {
    let cur = root;
    for (const pe of JSON.parse(leaf) as string[]) {
      if (!isRecord(cur[pe])) cur[pe] = {};
      cur = cur[pe] as Record<string, unknown>;
    }
  }
  return root;
}

/** Leaf set of FieldsV1 JSON. */
export function fromFieldsV1(fields: unknown): Set<string> {
  const out = new Set<string>();
  const walk = (node: unknown, path: string[]): void => {
    if (!isRecord(node)) return;
    const keys = Object.keys(node);
    if (keys.length === 0 && path.length > 0) out.add(JSON.stringify(path));
    for (const k of keys) walk(node[k], [...path, k]);
  };
  walk(fields, []);
  return out;
}

function findItem(list: unknown[], pe: string): number {
  if (pe.startsWith('k:')) {
    const want = JSON.parse(pe.slice(2)) as Record<string, unknown>;
    return list.findIndex(
      (item) =>
        isRecord(item) &&
        Object.entries(want).every(([k, v]) => JSON.stringify(item[k]) === JSON.stringify(v)),
    );
  }
  if (pe.startsWith('v:')) {
    const want = pe.slice(2);
    return list.findIndex((item) => JSON.stringify(item) === want);
  }
  return -1;
}

/** Value at a leaf path, or undefined. */
export function valueAtPath(obj: unknown, path: string[]): unknown {
  let cur = obj;
  for (const pe of path) {
    if (pe === '.') continue;
    if (pe.startsWith('f:')) cur = isRecord(cur) ? cur[pe.slice(2)] : undefined;
    else if (Array.isArray(cur)) {
      const i = findItem(cur, pe);
      cur = i >= 0 ? cur[i] : undefined;
    } else cur = undefined;
    if (cur === undefined) return undefined;
  }
  return cur;
}

/** Removes the field (or list item) a leaf path names; a no-op when it is absent. */
export function removePath(obj: unknown, path: string[]): void {
  const steps = path[path.length - 1] === '.' ? path.slice(0, -1) : path;
  if (steps.length === 0) return;
  const parent = valueAtPath(obj, steps.slice(0, -1));
  const last = steps[steps.length - 1] as string;
  if (last.startsWith('f:') && isRecord(parent)) delete parent[last.slice(2)];
  else if (Array.isArray(parent)) {
    const i = findItem(parent, last);
    if (i >= 0) parent.splice(i, 1);
  }
}

/** Merges an applied configuration into the live object the way server-side apply does. */
export function mergeApplied(
  live: unknown,
  applied: unknown,
  lists: ListKindResolver,
  fields: string[] = [],
): unknown {
  if (isRecord(applied)) {
    const out: Record<string, unknown> = isRecord(live) ? { ...live } : {};
    for (const [k, v] of Object.entries(applied)) {
      out[k] = mergeApplied(out[k], v, lists, [...fields, k]);
    }
    return out;
  }
  if (Array.isArray(applied)) {
    const kind = lists(fields);
    const current = Array.isArray(live) ? [...live] : [];
    if (kind.type === 'map') {
      for (const item of applied) {
        const i = findItem(current, itemKey(item, kind.keys));
        if (i >= 0) current[i] = mergeApplied(current[i], item, lists, fields);
        else current.push(structuredClone(item));
      }
      return current;
    }
    if (kind.type === 'set') {
      for (const item of applied) {
        if (!current.some((c) => JSON.stringify(c) === JSON.stringify(item))) current.push(item);
      }
      return current;
    }
  }
  return structuredClone(applied);
}
