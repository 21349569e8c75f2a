import { badRequest } from './errors.js';
import type { KubeObject } from './resource-type.js';
import { isRecord } from './resource-type.js';

/**
 * Label and field selectors as the API server parses them from `labelSelector` and
 * `fieldSelector` query parameters. Syntax errors are 400 BadRequest, like the real server.
 */

type Requirement =
  | { op: 'eq' | 'neq'; key: string; value: string }
  | { op: 'in' | 'notin'; key: string; values: string[] }
  | { op: 'exists' | 'notexists'; key: string };

export type Selector = (fields: (key: string) => string | undefined) => boolean;

const KEY = /^[A-Za-z0-9]([-A-Za-z0-9_./]*[A-Za-z0-9])?$/;

/** Splits on commas that are not inside parentheses. */
function splitTerms(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      out.push(text.slice(start, i));
      start = i + 1;
    }
  }
  out.push(text.slice(start));
  return out.map((t) => t.trim()).filter((t) => t.length > 0);
}

function parseTerm(term: string, allowSets: boolean): Requirement {
  const setMatch = /^(\S+)\s+(in|notin)\s+\((.*)\)$/.exec(term);
  if (setMatch && allowSets) {
    const key = setMatch[1] as string;
    if (!KEY.test(key)) throw badRequest(`invalid selector key "${key}"`);
    const values = (setMatch[3] as string).split(',').map((v) => v.trim());
    return { op: setMatch[2] as 'in' | 'notin', key, values };
  }
  const eqMatch = /^([^!=\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(term);
  if (eqMatch) {
    const key = eqMatch[1] as string;
    if (!KEY.test(key)) throw badRequest(`invalid selector key "${key}"`);
    return { op: eqMatch[2] === '!=' ? 'neq' : 'eq', key, value: eqMatch[3] as string };
  }
  if (allowSets && /^!\S+$/.test(term) && KEY.test(term.slice(1))) {
    return { op: 'notexists', key: term.slice(1) };
  }
  if (allowSets && KEY.test(term)) return { op: 'exists', key: term };
  throw badRequest(
    `unable to parse requirement: found '${term}', expected: in, notin, =, ==, !=, gt, lt`,
  );
}

function compile(requirements: Requirement[]): Selector {
  return (get) =>
    requirements.every((r) => {
      const v = get(r.key);
      switch (r.op) {
        case 'eq':
          return (v ?? '') === r.value && (v !== undefined || r.value === '');
        case 'neq':
          return v !== r.value;
        case 'in':
          return v !== undefined && r.values.includes(v);
        case 'notin':
          return v === undefined || !r.values.includes(v);
        case 'exists':
          return v !== undefined;
        case 'notexists':
          return v === undefined;
      }
      return false;
    });
}

export function parseLabelSelector(text: string | null): Selector | undefined {
  if (!text || !text.trim()) return undefined;
  return compile(splitTerms(text).map((t) => parseTerm(t, true)));
}

/**
 * Field labels each builtin kind supports (the real server's field label conversion funcs);
 * every kind also takes metadata.name and metadata.namespace.
 */
const BUILTIN_FIELD_LABELS: Record<string, string[]> = {
  Pod: [
    'spec.nodeName',
    'spec.restartPolicy',
    'spec.schedulerName',
    'spec.serviceAccountName',
    'spec.hostNetwork',
    'status.phase',
    'status.podIP',
    'status.podIPs',
    'status.nominatedNodeName',
  ],
  Event: [
    'involvedObject.kind',
    'involvedObject.namespace',
    'involvedObject.name',
    'involvedObject.uid',
    'involvedObject.apiVersion',
    'involvedObject.resourceVersion',
    'involvedObject.fieldPath',
    'reason',
    'reportingComponent',
    'source',
    'type',
  ],
  Secret: ['type'],
  Namespace: ['status.phase'],
  Node: ['spec.unschedulable'],
  Service: ['spec.clusterIP', 'spec.type'],
};

/**
 * Parses a field selector for a kind, refusing labels the real server refuses
 * (`field label not supported`), so code that works here works on a cluster.
 */
export function parseFieldSelector(
  text: string | null,
  kind?: { kind: string; builtin: boolean; selectableFields?: string[] },
): Selector | undefined {
  if (!text || !text.trim()) return undefined;
  const requirements = splitTerms(text).map((t) => parseTerm(t, false));
  if (kind) {
    const allowed = new Set([
      'metadata.name',
      'metadata.namespace',
      ...(kind.builtin ? (BUILTIN_FIELD_LABELS[kind.kind] ?? []) : (kind.selectableFields ?? [])),
    ]);
    for (const r of requirements) {
      if (!allowed.has(r.key)) throw badRequest(`field label not supported: ${r.key}`);
    }
  }
  return compile(requirements);
}

export function matchesLabels(selector: Selector | undefined, obj: KubeObject): boolean {
  if (!selector) return true;
  const labels = obj.metadata?.labels ?? {};
  return selector((key) => (Object.hasOwn(labels, key) ? labels[key] : undefined));
}

/** Field selectors address dotted paths (metadata.name, status.phase, involvedObject.name). */
export function matchesFields(selector: Selector | undefined, obj: KubeObject): boolean {
  if (!selector) return true;
  return selector((key) => {
    let cur: unknown = obj;
    for (const part of key.split('.')) {
      if (!isRecord(cur)) return key === 'metadata.namespace' ? '' : undefined;
      cur = cur[part];
    }
    if (cur === undefined || cur === null) return key === 'metadata.namespace' ? '' : undefined;
    return typeof cur === 'object' ? JSON.stringify(cur) : String(cur);
  });
}
