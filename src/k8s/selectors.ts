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
  | { op: 'exists' | 'notexists'; key: string }
  | { op: 'gt' | 'lt'; key: string; bound: number };

export type Selector = (fields: (key: string) => string | undefined) => boolean;

const KEY = /^[A-Za-z0-9]([-A-Za-z0-9_./]*[A-Za-z0-9])?$/;
/** A label key's name part and a label value (k8s.io/apimachinery validation). */
const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** A label key is a qualified name: an optional DNS subdomain prefix and `/`, then a name. */
function labelKeyProblem(key: string): string | undefined {
  const parts = key.split('/');
  if (parts.length > 2) return 'a qualified name may contain at most one "/"';
  const name = parts[parts.length - 1] as string;
  if (name.length === 0 || name.length > 63 || !LABEL_NAME.test(name)) {
    return "name part must consist of alphanumeric characters, '-', '_' or '.', must start and end with an alphanumeric character, and be at most 63 characters";
  }
  if (parts.length === 2) {
    const prefix = parts[0] as string;
    if (prefix.length === 0 || prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix)) {
      return 'prefix part must be a lowercase RFC 1123 subdomain of at most 253 characters';
    }
  }
  return undefined;
}

function labelValueProblem(value: string): string | undefined {
  if (value.length === 0) return undefined;
  if (value.length > 63) return 'must be no more than 63 characters';
  if (!LABEL_NAME.test(value)) {
    return "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
  }
  return undefined;
}

/** Splits on commas that are not inside parentheses; an empty term is an error. */
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
  const terms = out.map((t) => t.trim());
  if (terms.some((t) => t.length === 0)) {
    throw badRequest(`unable to parse requirement: found '', expected: identifier`);
  }
  return terms;
}

/**
 * One requirement. Label selectors (`labels`) also take set forms, existence and gt/lt, and
 * their keys and values must be valid label keys and values (the real parser refuses the rest
 * with 400); field selectors take only =, == and != with any value.
 */
function parseTerm(term: string, labels: boolean): Requirement {
  const checkKey = (key: string): void => {
    const why = labels ? labelKeyProblem(key) : KEY.test(key) ? undefined : 'invalid key';
    if (why) throw badRequest(`unable to parse requirement: invalid label key "${key}": ${why}`);
  };
  const checkValue = (value: string): void => {
    const why = labels ? labelValueProblem(value) : undefined;
    if (why)
      throw badRequest(`unable to parse requirement: invalid label value: "${value}": ${why}`);
  };
  const setMatch = /^(\S+)\s+(in|notin)\s*\((.*)\)$/.exec(term);
  if (setMatch && labels) {
    const key = setMatch[1] as string;
    checkKey(key);
    const values = (setMatch[3] as string).split(',').map((v) => v.trim());
    if (values.length === 1 && values[0] === '') {
      throw badRequest(
        `unable to parse requirement: for 'in', 'notin' operators, values set can't be empty`,
      );
    }
    values.forEach(checkValue);
    return { op: setMatch[2] as 'in' | 'notin', key, values };
  }
  const eqMatch = /^([^!=<>\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(term);
  if (eqMatch) {
    const key = eqMatch[1] as string;
    const value = eqMatch[3] as string;
    checkKey(key);
    checkValue(value);
    return { op: eqMatch[2] === '!=' ? 'neq' : 'eq', key, value };
  }
  const cmpMatch = labels ? /^([^!=<>\s]+)\s*([<>])\s*(\S+)$/.exec(term) : null;
  if (cmpMatch) {
    const key = cmpMatch[1] as string;
    checkKey(key);
    const bound = Number(cmpMatch[3]);
    if (!/^-?\d+$/.test(cmpMatch[3] as string) || !Number.isSafeInteger(bound)) {
      throw badRequest(
        `unable to parse requirement: for 'Gt', 'Lt' operators, the value must be an integer`,
      );
    }
    return { op: cmpMatch[2] === '>' ? 'gt' : 'lt', key, bound };
  }
  if (labels && /^!\S+$/.test(term)) {
    checkKey(term.slice(1));
    return { op: 'notexists', key: term.slice(1) };
  }
  if (labels && /^[^\s!=<>()]+$/.test(term)) {
    checkKey(term);
    return { op: 'exists', key: term };
  }
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
        case 'gt':
          return v !== undefined && /^-?\d+$/.test(v) && Number(v) > r.bound;
        case 'lt':
          return v !== undefined && /^-?\d+$/.test(v) && Number(v) < r.bound;
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
