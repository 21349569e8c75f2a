/**
 * Kubernetes manifests named by a scenario: `{file: path}` (relative to the scenario file),
 * an inline mapping, or a multi-document YAML string. Each becomes a ResourceSet of parsed
 * manifests; every manifest needs apiVersion and kind, as kubectl requires.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { LineCounter, parseAllDocuments } from 'yaml';
import { ScenarioError, ScenarioErrorCode } from './errors.js';
import type { SourceMap, YamlPath } from './source-map.js';
import type { Manifest, ResourceSet, SourcePosition } from './types.js';

export interface LoadContext {
  map: SourceMap;
  /** Directory that relative paths are resolved against (the scenario file's). */
  baseDir: string;
  errors: ScenarioError[];
}

export function fail(
  ctx: LoadContext,
  code: ScenarioError['code'],
  pos: SourcePosition,
  detail: string,
  extra: { subject?: string; suggestion?: string } = {},
): void {
  ctx.errors.push(new ScenarioError(code, pos.file, pos.line, pos.col, detail, extra));
}

/** Reads a file named at `path` in the scenario; reports file-not-found at the path's value. */
export function readReferencedFile(
  ctx: LoadContext,
  name: string,
  path: YamlPath,
): { file: string; text: string } | undefined {
  const file = resolve(ctx.baseDir, name);
  try {
    return { file, text: readFileSync(file, 'utf8') };
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : 'unreadable';
    fail(
      ctx,
      ScenarioErrorCode.FileNotFound,
      ctx.map.valueAt(path),
      `file '${name}' ${why} (looked at ${file})`,
    );
    return undefined;
  }
}

function isManifest(value: unknown): value is Manifest {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const v = value as Record<string, unknown>;
  return typeof v['apiVersion'] === 'string' && typeof v['kind'] === 'string';
}

/**
 * Parses YAML text holding one or more manifests. Positions of problems are inside `file`
 * when the text is a file of its own, else at `fallback` (a string inside the scenario).
 */
export function parseManifests(
  ctx: LoadContext,
  text: string,
  file: string | undefined,
  fallback: SourcePosition,
): Manifest[] {
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lines, prettyErrors: false });
  const where = (offset: number): SourcePosition => {
    if (!file) return fallback;
    const p = lines.linePos(offset);
    return { file, line: p.line, col: p.col };
  };
  if (!Array.isArray(docs)) {
    // parseAllDocuments returns an EmptyStream for text with no documents at all.
    return [];
  }
  const manifests: Manifest[] = [];
  for (const doc of docs) {
    if (doc.errors.length) {
      for (const e of doc.errors) {
        fail(
          ctx,
          ScenarioErrorCode.YamlSyntax,
          where(e.pos[0]),
          `YAML syntax: ${e.message.split('\n')[0]}`,
        );
      }
      continue;
    }
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue; // empty document, e.g. after `---`
    if (!isManifest(value)) {
      const start = doc.contents?.range?.[0] ?? 0;
      fail(
        ctx,
        ScenarioErrorCode.BadManifest,
        where(start),
        'expected a Kubernetes manifest with apiVersion and kind',
      );
      continue;
    }
    manifests.push(value);
  }
  return manifests;
}

/** Loads one resource source (file, inline mapping or YAML string) found at `path`. */
export function loadResourceSource(ctx: LoadContext, value: unknown, path: YamlPath): ResourceSet {
  const at = ctx.map.valueAt(path);
  if (typeof value === 'string') {
    return { manifests: parseManifests(ctx, value, undefined, at), at };
  }
  const obj = value as Record<string, unknown>;
  if (typeof obj['file'] === 'string') {
    const read = readReferencedFile(ctx, obj['file'], [...path, 'file']);
    if (!read) return { manifests: [], at };
    const before = ctx.errors.length;
    const manifests = parseManifests(ctx, read.text, read.file, at);
    if (manifests.length === 0 && ctx.errors.length === before) {
      fail(
        ctx,
        ScenarioErrorCode.BadManifest,
        ctx.map.valueAt([...path, 'file']),
        `file '${obj['file']}' holds no manifest`,
      );
    }
    return { file: read.file, manifests, at };
  }
  return { manifests: isManifest(obj) ? [obj] : [], at };
}
