import { isRecord } from '../resource-type.js';

/**
 * The simple JSONPath subset CRD printer columns allow (`.status.peer`, `.spec.addresses[0]`,
 * `.metadata.labels.foo\.bar`). Returns undefined for a missing path, which renders blank.
 */
export function evaluateColumnPath(obj: unknown, path: string): unknown {
  const steps = parsePath(path);
  if (!steps) return undefined;
  let cur: unknown = obj;
  for (const step of steps) {
    if (typeof step === 'number') {
      if (!Array.isArray(cur)) return undefined;
      cur = cur[step < 0 ? cur.length + step : step];
    } else {
      if (!isRecord(cur) || !Object.hasOwn(cur, step)) return undefined;
      cur = cur[step];
    }
    if (cur === undefined) return undefined;
  }
  return cur;
}

function parsePath(path: string): Array<string | number> | undefined {
  let p = path.trim();
  if (p.startsWith('{') && p.endsWith('}')) p = p.slice(1, -1);
  if (p.startsWith('$')) p = p.slice(1);
  const steps: Array<string | number> = [];
  let i = 0;
  while (i < p.length) {
    const c = p[i];
    if (c === '.') {
      i++;
      let name = '';
      while (i < p.length && p[i] !== '.' && p[i] !== '[') {
        if (p[i] === '\\' && i + 1 < p.length) i++;
        name += p[i];
        i++;
      }
      if (name) steps.push(name);
    } else if (c === '[') {
      const end = p.indexOf(']', i);
      if (end < 0) return undefined;
      const inner = p.slice(i + 1, end).trim();
      if (/^-?\d+$/.test(inner)) steps.push(Number(inner));
      else if (/^'.*'$/.test(inner) || /^".*"$/.test(inner)) steps.push(inner.slice(1, -1));
      else return undefined;
      i = end + 1;
    } else {
      return undefined;
    }
  }
  return steps;
}

/** Text of a value in a string column: scalars as text, arrays and objects as compact JSON. */
export function columnText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}
