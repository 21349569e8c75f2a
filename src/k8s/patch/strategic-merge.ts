import { badRequest } from '../errors.js';
import { isRecord } from '../resource-type.js';

/**
 * Strategic merge patch for the builtin kinds (what kubectl apply/edit/patch send for core
 * types). Lists whose Go struct carries a patchMergeKey merge element by element on that key;
 * other lists replace. Directives: `$patch: delete|replace|merge`, `$retainKeys`,
 * `$deleteFromPrimitiveList/<field>`, `$setElementOrder/<field>`.
 */

/** Field name -> merge key, from the patchMergeKey tags of k8s.io/api types. */
const MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  volumes: 'name',
  volumeMounts: 'mountPath',
  volumeDevices: 'devicePath',
  env: 'name',
  ports: 'containerPort',
  conditions: 'type',
  imagePullSecrets: 'name',
  ownerReferences: 'uid',
  hostAliases: 'ip',
  tolerations: 'key',
  topologySpreadConstraints: 'topologyKey',
  resourceClaims: 'name',
  addresses: 'type',
};

/** Service ports merge on `port`, container ports on `containerPort`. */
function mergeKeyFor(field: string, items: unknown[]): string | undefined {
  if (
    field === 'ports' &&
    items.some((i) => isRecord(i) && 'port' in i && !('containerPort' in i))
  ) {
    return 'port';
  }
  if (field === 'finalizers') return undefined;
  return MERGE_KEYS[field];
}

const PRIMITIVE_MERGE_LISTS = new Set(['finalizers']);

export function applyStrategicMergePatch(target: unknown, patch: unknown): unknown {
  if (!isRecord(patch)) throw badRequest('strategic merge patch must be a JSON object');
  return mergeMap(isRecord(target) ? target : {}, patch);
}

function mergeMap(
  target: Record<string, unknown>,
  patch: Record<string, unknown>,
): Record<string, unknown> {
  if (patch['$patch'] === 'replace') {
    const copy = { ...patch };
    delete copy['$patch'];
    return stripDirectives(copy) as Record<string, unknown>;
  }
  if (patch['$patch'] === 'delete') return {};
  const out: Record<string, unknown> = { ...target };
  const retainKeys = patch['$retainKeys'];
  for (const [key, value] of Object.entries(patch)) {
    if (key === '$patch' || key === '$retainKeys' || key.startsWith('$setElementOrder/')) continue;
    if (key.startsWith('$deleteFromPrimitiveList/')) {
      const field = key.slice('$deleteFromPrimitiveList/'.length);
      const drop = Array.isArray(value) ? value : [];
      if (Array.isArray(out[field]))
        out[field] = (out[field] as unknown[]).filter((v) => !drop.includes(v));
      continue;
    }
    if (value === null) {
      delete out[key];
    } else if (isRecord(value)) {
      out[key] = mergeMap(isRecord(out[key]) ? (out[key] as Record<string, unknown>) : {}, value);
    } else if (Array.isArray(value)) {
      out[key] = mergeList(key, Array.isArray(out[key]) ? (out[key] as unknown[]) : [], value);
    } else {
      out[key] = value;
    }
  }
  if (Array.isArray(retainKeys)) {
    for (const key of Object.keys(out)) if (!retainKeys.includes(key)) delete out[key];
  }
  return out;
}

function mergeList(field: string, target: unknown[], patch: unknown[]): unknown[] {
  if (PRIMITIVE_MERGE_LISTS.has(field)) {
    const out = [...target];
    for (const v of patch) if (!out.includes(v)) out.push(v);
    return out;
  }
  const key = mergeKeyFor(field, [...target, ...patch]);
  if (!key || !patch.every(isRecord)) return stripDirectives(patch) as unknown[];
  if (patch.some((p) => isRecord(p) && p['$patch'] === 'replace')) {
    return stripDirectives(
      patch.filter((p) => !(isRecord(p) && p['$patch'] === 'replace')),
    ) as unknown[];
  }
  const out = target.map((t) => t);
  for (const item of patch as Record<string, unknown>[]) {
    const index = out.findIndex((t) => isRecord(t) && t[key] === item[key]);
    if (item['$patch'] === 'delete') {
      if (index >= 0) out.splice(index, 1);
    } else if (index >= 0) {
      out[index] = mergeMap(out[index] as Record<string, unknown>, item);
    } else {
      out.push(stripDirectives(item));
    }
  }
  return out;
}

function stripDirectives(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripDirectives);
  if (!isRecord(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (!k.startsWith('$')) out[k] = stripDirectives(v);
  return out;
}
