import { ApiStatusError, badRequest } from '../errors.js';
import type { ApiRequest } from './exchange.js';
import { YamlWorker } from './yaml-worker.js';

/**
 * Request bodies: JSON, or YAML for apply patches and `Content-Type: application/yaml`.
 *
 * Limits are the real server's: a write body over 3 MiB is 413 before it is decoded (the
 * apiserver's MaxRequestBodyBytes, twice etcd's 1.5 MiB request limit to allow for JSON being
 * larger than the protobuf stored). Nesting deeper than 1,000 levels is 400: the real decoder
 * (Go's encoding/json) stops at 10,000, but speakersim's field sets, merges and validation are
 * recursive and exhaust the stack near 2,000, and no Kubernetes object nests beyond a few dozen.
 * JSON depth is checked by a linear scan before JSON.parse runs, so a hostile body costs one
 * pass over at most 3 MiB; YAML is lexed, parsed and measured on a worker thread
 * (yaml-worker.ts), so a slow or hostile YAML body never holds the server's thread.
 */

export const MAX_REQUEST_BODY_BYTES = 3 * 1024 * 1024;
export const MAX_NESTING_DEPTH = 1_000;

export async function readBody(req: ApiRequest): Promise<string> {
  return (await readRawBody(req)).toString('utf8');
}

export function readRawBody(req: ApiRequest): Promise<Buffer> {
  // An in-process request comes whole: the same limit, without the stream.
  if (req.body) {
    return req.body.length > MAX_REQUEST_BODY_BYTES
      ? Promise.reject(tooLarge())
      : Promise.resolve(req.body);
  }
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_REQUEST_BODY_BYTES) {
    // Refuse before reading; the rest of the body is drained and dropped by node:http.
    req.resume();
    return Promise.reject(tooLarge());
  }
  // Events rather than `for await`: an async iterator per request was a measurable part of a
  // status write, whose body is one small chunk.
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > MAX_REQUEST_BODY_BYTES) {
        req.off('data', onData);
        req.resume();
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    req.once('error', reject);
    req.once('close', () => {
      if (!req.complete) reject(badRequest('the request body ended early'));
    });
  });
}

function tooLarge(): ApiStatusError {
  return new ApiStatusError(
    413,
    'RequestEntityTooLarge',
    `Request entity too large: limit is ${MAX_REQUEST_BODY_BYTES}`,
  );
}

function tooDeep(): ApiStatusError {
  return badRequest(`the request body is nested deeper than ${MAX_NESTING_DEPTH} levels`);
}

const yamlWorker = new YamlWorker(MAX_NESTING_DEPTH);

/**
 * Parses a body. Keys that appear twice in one JSON object are appended to `duplicates` as
 * dotted paths (the last one wins, as in JSON.parse; fieldValidation decides what to do).
 */
export async function parseBody(
  text: string,
  contentType: string,
  duplicates?: string[],
): Promise<unknown> {
  if (/protobuf|cbor/i.test(contentType)) {
    // Only JSON and YAML bodies are understood; a real server would decode these too.
    throw new ApiStatusError(
      415,
      'UnsupportedMediaType',
      `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml (got ${contentType})`,
    );
  }
  if (!text.trim()) throw badRequest('the request body is empty');
  const yaml = /yaml/i.test(contentType);
  // kubectl sends apply patches as JSON under a YAML content type: JSON is YAML, and the
  // native JSON parser is two orders of magnitude faster than a YAML parser.
  if (!yaml || /^\s*[[{]/.test(text)) {
    const found = scanJson(text);
    try {
      const value = JSON.parse(text) as unknown;
      duplicates?.push(...found);
      return value;
    } catch {
      if (!yaml) {
        throw badRequest(
          `the request body is not valid JSON (${contentType || 'no content type'})`,
        );
      }
    }
  }
  const parsed = await yamlWorker.parse(text);
  if (parsed.ok) return parsed.value;
  if (parsed.why === 'too-deep') throw tooDeep();
  if (parsed.why === 'too-slow') {
    throw badRequest('the request body is YAML that takes too long to parse');
  }
  throw badRequest('the request body is not valid YAML');
}

/**
 * One pass over JSON text: refuses nesting deeper than the limit and collects keys repeated
 * within one object. Tolerant of malformed text (JSON.parse reports that afterwards).
 */
export function scanJson(text: string): string[] {
  const duplicates: string[] = [];
  // Per open container: the keys seen so far (objects) or undefined (arrays).
  const keys: Array<Set<string> | undefined> = [];
  const path: string[] = [];
  let pendingKey: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      const start = i;
      let escaped = false;
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c /* \ */) {
          escaped = true;
          i++;
        } else if (d === 0x22) break;
      }
      const top = keys[keys.length - 1];
      if (top) {
        // A string in an object is a key when a colon follows it.
        let j = i + 1;
        while (j < text.length && /\s/.test(text[j] as string)) j++;
        if (text[j] === ':') {
          const raw = text.slice(start, i + 1);
          let key = raw.slice(1, -1);
          if (escaped) {
            try {
              key = JSON.parse(raw) as string;
            } catch {
              // malformed: JSON.parse of the whole body reports it
            }
          }
          if (top.has(key)) duplicates.push([...path, key].join('.'));
          top.add(key);
          pendingKey = key;
        }
      }
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (keys.length >= MAX_NESTING_DEPTH) throw tooDeep();
      path.push(pendingKey ?? '');
      pendingKey = undefined;
      keys.push(c === 0x7b ? new Set() : undefined);
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      keys.pop();
      path.pop();
      pendingKey = undefined;
    } else if (c === 0x2c /* , */) {
      pendingKey = undefined;
    }
  }
  // The outermost container is not part of a field path.
  return duplicates.map((d) => d.replace(/^\./, ''));
}
