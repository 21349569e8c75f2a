import { badRequest, ApiStatusError } from '../errors.js';
import { isRecord } from '../resource-type.js';

/**
 * RFC 6902 JSON Patch (add, remove, replace, move, copy, test) with RFC 6901 pointers. A
 * failing operation rejects the whole patch (RFC 6902 5: operations apply atomically).
 */

function decodePointer(pointer: string): string[] {
  if (pointer === '') return [];
  // RFC 6901 3: a pointer is empty or starts with '/'.
  if (!pointer.startsWith('/')) throw badRequest(`invalid JSON pointer "${pointer}"`);
  return pointer
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

type Container = Record<string, unknown> | unknown[];

function parentOf(doc: unknown, tokens: string[]): { parent: Container; key: string } {
  let cur: unknown = doc;
  for (const t of tokens.slice(0, -1)) {
    if (Array.isArray(cur)) cur = cur[Number(t)];
    else if (isRecord(cur)) cur = cur[t];
    else cur = undefined;
    if (cur === undefined) throw unprocessable(`missing path segment "${t}"`);
  }
  if (!Array.isArray(cur) && !isRecord(cur)) throw unprocessable('path parent is not a container');
  return { parent: cur, key: tokens[tokens.length - 1] as string };
}

function unprocessable(message: string): ApiStatusError {
  return new ApiStatusError(
    422,
    'Invalid',
    `the server rejected our request due to an error in our request: ${message}`,
  );
}

function arrayIndex(arr: unknown[], key: string, forInsert: boolean): number {
  if (forInsert && key === '-') return arr.length;
  if (!/^(0|[1-9]\d*)$/.test(key)) throw unprocessable(`invalid array index "${key}"`);
  const i = Number(key);
  if (i > arr.length || (!forInsert && i === arr.length))
    throw unprocessable(`index ${i} out of range`);
  return i;
}

function getAt(doc: unknown, tokens: string[]): unknown {
  let cur = doc;
  for (const t of tokens) {
    if (Array.isArray(cur)) cur = cur[arrayIndex(cur, t, false)];
    else if (isRecord(cur) && Object.hasOwn(cur, t)) cur = cur[t];
    else throw unprocessable(`path not found`);
  }
  return cur;
}

function add(doc: unknown, tokens: string[], value: unknown): unknown {
  if (tokens.length === 0) return value;
  const { parent, key } = parentOf(doc, tokens);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, key, true), 0, value);
  else parent[key] = value;
  return doc;
}

function remove(doc: unknown, tokens: string[]): unknown {
  if (tokens.length === 0) throw unprocessable('cannot remove the root');
  const { parent, key } = parentOf(doc, tokens);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, key, false), 1);
  else {
    if (!Object.hasOwn(parent, key)) throw unprocessable(`path not found`);
    delete parent[key];
  }
  return doc;
}

export function applyJsonPatch(document: unknown, patch: unknown): unknown {
  if (!Array.isArray(patch)) throw badRequest('json patch must be an array of operations');
  let doc = structuredClone(document);
  for (const raw of patch) {
    if (!isRecord(raw) || typeof raw['op'] !== 'string' || typeof raw['path'] !== 'string') {
      throw badRequest('json patch operation needs "op" and "path"');
    }
    const tokens = decodePointer(raw['path']);
    switch (raw['op']) {
      case 'add':
        doc = add(doc, tokens, structuredClone(raw['value']));
        break;
      case 'remove':
        doc = remove(doc, tokens);
        break;
      case 'replace':
        getAt(doc, tokens);
        doc =
          tokens.length === 0
            ? structuredClone(raw['value'])
            : add(remove(doc, tokens), tokens, structuredClone(raw['value']));
        break;
      case 'move': {
        const from = decodePointer(String(raw['from'] ?? ''));
        const value = getAt(doc, from);
        doc = add(remove(doc, from), tokens, value);
        break;
      }
      case 'copy': {
        const from = decodePointer(String(raw['from'] ?? ''));
        doc = add(doc, tokens, structuredClone(getAt(doc, from)));
        break;
      }
      case 'test':
        if (JSON.stringify(getAt(doc, tokens)) !== JSON.stringify(raw['value'])) {
          throw unprocessable('test operation failed');
        }
        break;
      default:
        throw badRequest(`unknown json patch operation "${raw['op']}"`);
    }
  }
  return doc;
}
