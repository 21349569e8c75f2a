/**
 * kubectl's JSONPath templates, as `kubectl get -o jsonpath=...` prints them: `{.a.b}`,
 * `{.items[0].x}`, `{.items[*].metadata.name}` (space separated), `{range .items[*]}...{end}`,
 * literal text and quoted strings with escapes (`{"\t"}`). Enough for scenario expectations
 * and the seed's commands; a template it cannot read is a typed error, never a wrong answer.
 */
import { SpeakersimError } from '../../core/errors.js';

export class JsonPathError extends SpeakersimError {}

type Node =
  | { kind: 'text'; text: string }
  | { kind: 'path'; path: Segment[] }
  | { kind: 'range'; path: Segment[]; body: Node[] };

type Segment =
  | { key: string }
  | { index: number }
  | { wildcard: true }
  | { filter: { path: Segment[]; op: '==' | '!='; value: string | number | boolean } };

function parsePath(expr: string): Segment[] {
  let p = expr.trim();
  if (p.startsWith('$')) p = p.slice(1);
  const out: Segment[] = [];
  let i = 0;
  while (i < p.length) {
    const c = p[i]!;
    if (c === '.') {
      i++;
      let key = '';
      while (i < p.length && p[i] !== '.' && p[i] !== '[') {
        if (p[i] === '\\' && i + 1 < p.length) i++;
        key += p[i++];
      }
      if (key === '*') out.push({ wildcard: true });
      else if (key !== '') out.push({ key });
    } else if (c === '[') {
      const end = p.indexOf(']', i);
      if (end < 0) throw new JsonPathError('ERR_JSONPATH_SYNTAX', `unclosed [ in ${expr}`);
      const inner = p.slice(i + 1, end).trim();
      const f = inner.match(/^\?\(@((?:\.[^=!]+)+?)\s*(==|!=)\s*(.+)\)$/);
      if (f) {
        const raw = f[3]!.trim();
        const value = /^'.*'$|^".*"$/.test(raw)
          ? raw.slice(1, -1)
          : raw === 'true'
            ? true
            : raw === 'false'
              ? false
              : Number(raw);
        out.push({ filter: { path: parsePath(f[1]!), op: f[2] as '==' | '!=', value } });
      } else if (inner === '*') out.push({ wildcard: true });
      else if (/^-?\d+$/.test(inner)) out.push({ index: Number(inner) });
      else if (/^'.*'$|^".*"$/.test(inner)) out.push({ key: inner.slice(1, -1) });
      else throw new JsonPathError('ERR_JSONPATH_SYNTAX', `unsupported [${inner}] in ${expr}`);
      i = end + 1;
    } else {
      throw new JsonPathError('ERR_JSONPATH_SYNTAX', `unexpected ${c} in ${expr}`);
    }
  }
  return out;
}

function unquote(s: string): string {
  const body = s.slice(1, -1);
  return body.replace(/\\(.)/g, (_m, ch: string) => ({ n: '\n', t: '\t', r: '\r' })[ch] ?? ch);
}

function parse(template: string): Node[] {
  const root: Node[] = [];
  const stack: Node[][] = [root];
  const ranges: Extract<Node, { kind: 'range' }>[] = [];
  let i = 0;
  while (i < template.length) {
    const open = template.indexOf('{', i);
    if (open < 0) {
      stack.at(-1)!.push({ kind: 'text', text: template.slice(i) });
      break;
    }
    if (open > i) stack.at(-1)!.push({ kind: 'text', text: template.slice(i, open) });
    // A quoted string may hold braces.
    let close = open + 1;
    let quote: string | undefined;
    for (; close < template.length; close++) {
      const ch = template[close]!;
      if (quote) {
        if (ch === '\\') close++;
        else if (ch === quote) quote = undefined;
      } else if (ch === '"' || ch === "'") quote = ch;
      else if (ch === '}') break;
    }
    if (close >= template.length)
      throw new JsonPathError('ERR_JSONPATH_SYNTAX', `unclosed { in ${template}`);
    const inner = template.slice(open + 1, close).trim();
    i = close + 1;
    if (inner.startsWith('range ')) {
      const r: Extract<Node, { kind: 'range' }> = {
        kind: 'range',
        path: parsePath(inner.slice(6)),
        body: [],
      };
      stack.at(-1)!.push(r);
      ranges.push(r);
      stack.push(r.body);
    } else if (inner === 'end') {
      if (!ranges.pop())
        throw new JsonPathError('ERR_JSONPATH_SYNTAX', `{end} without {range} in ${template}`);
      stack.pop();
    } else if (/^(".*"|'.*')$/.test(inner)) {
      stack.at(-1)!.push({ kind: 'text', text: unquote(inner) });
    } else {
      stack.at(-1)!.push({ kind: 'path', path: parsePath(inner) });
    }
  }
  if (ranges.length)
    throw new JsonPathError('ERR_JSONPATH_SYNTAX', `{range} without {end} in ${template}`);
  return root;
}

function select(value: unknown, path: Segment[]): unknown[] {
  let current: unknown[] = [value];
  for (const seg of path) {
    const next: unknown[] = [];
    for (const v of current) {
      if ('filter' in seg) {
        // kubectl filter `[?(@.type=="x")]`: the array items whose field compares so.
        const { path, op, value } = seg.filter;
        for (const item of Array.isArray(v) ? v : []) {
          const got = select(item, path)[0];
          if ((got === value) === (op === '==')) next.push(item);
        }
      } else if ('wildcard' in seg) {
        if (Array.isArray(v)) next.push(...v);
        else if (v && typeof v === 'object') next.push(...Object.values(v));
      } else if ('index' in seg) {
        if (Array.isArray(v)) {
          const x = v[seg.index < 0 ? v.length + seg.index : seg.index];
          if (x !== undefined) next.push(x);
        }
      } else if (v && typeof v === 'object' && !Array.isArray(v) && Object.hasOwn(v, seg.key)) {
        next.push((v as Record<string, unknown>)[seg.key]);
      }
    }
    current = next;
  }
  return current;
}

function print(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

function render(nodes: Node[], data: unknown): string {
  let out = '';
  for (const n of nodes) {
    if (n.kind === 'text') out += n.text;
    else if (n.kind === 'path') out += select(data, n.path).map(print).join(' ');
    else for (const item of select(data, n.path)) out += render(n.body, item);
  }
  return out;
}

/** Evaluates a kubectl JSONPath template against an object (or a List). */
export function evaluateJsonPath(template: string, data: unknown): string {
  return render(parse(template), data);
}

/** True when the template's paths all find something (kubectl errors with "not found" else). */
export function jsonPathFinds(template: string, data: unknown): boolean {
  const check = (nodes: Node[], d: unknown): boolean =>
    nodes.every(
      (n) =>
        n.kind === 'text' ||
        (n.kind === 'path'
          ? select(d, n.path).length > 0
          : select(d, n.path).every((item) => check(n.body, item))),
    );
  return check(parse(template), data);
}
