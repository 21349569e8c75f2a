import type { IncomingMessage } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { ApiStatusError, badRequest } from '../errors.js';

/** Request bodies: JSON, or YAML for apply patches and `Content-Type: application/yaml`. */

const MAX_BODY = 8 * 1024 * 1024;

export async function readBody(req: IncomingMessage): Promise<string> {
  return (await readRawBody(req)).toString('utf8');
}

export async function readRawBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > MAX_BODY) {
      throw new ApiStatusError(413, 'RequestEntityTooLarge', 'the request body is too large');
    }
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

export function parseBody(text: string, contentType: string): unknown {
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
  try {
    if (!yaml) return JSON.parse(text) as unknown;
  } catch {
    throw badRequest(`the request body is not valid JSON (${contentType || 'no content type'})`);
  }
  try {
    const docs = parseYaml(text, { uniqueKeys: false, maxAliasCount: 100 }) as unknown;
    return docs;
  } catch {
    throw badRequest('the request body is not valid YAML');
  }
}
