/**
 * Kubernetes manifests named by a scenario: `{file: path}` (relative to the scenario file),
 * an inline mapping, or a multi-document YAML string. Each becomes a ResourceSet of parsed
 * manifests; every manifest needs apiVersion and kind, as kubectl requires.
 */
import { resolve } from 'node:path';
import { LineCounter, parseAllDocuments } from 'yaml';
import { ScenarioError, ScenarioErrorCode } from './errors.js';
import { isInsideFolder, readRegularFile, yamlValue } from './read-file.js';
import type { SourceMap, YamlPath } from './source-map.js';
import type { Manifest, ResourceSet, SourcePosition } from './types.js';

export interface LoadContext {
  map: SourceMap;
  /** Directory that relative paths are resolved against (the scenario file's). */
  baseDir: string;
  /** Files outside baseDir may be named (--allow-outside-files); refused otherwise. */
  allowOutside?: boolean;
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

/**
 * Reads a file named at `path` in the scenario: a regular file of bounded size inside the
 * scenario's folder (unless ctx.allowOutside). Problems are reported at the path's value.
 */
export function readReferencedFile(
  ctx: LoadContext,
  name: string,
  path: YamlPath,
): { file: string; text: string } | undefined {
  const file = resolve(ctx.baseDir, name);
  const at = ctx.map.valueAt(path);
  if (!ctx.allowOutside && !isInsideFolder(ctx.baseDir, file)) {
    fail(
      ctx,
      ScenarioErrorCode.FileRefused,
      at,
      `file '${name}' is outside the scenario's folder ${ctx.baseDir} (--allow-outside-files permits it)`,
    );
    return undefined;
  }
  const read = readRegularFile(file);
  if (!read.ok) {
    fail(
      ctx,
      read.missing ? ScenarioErrorCode.FileNotFound : ScenarioErrorCode.FileRefused,
      at,
      `file '${name}' ${read.why} (looked at ${file})`,
    );
    return undefined;
  }
  return { file, text: read.text };
}

function isManifest(value: unknown): value is Manifest {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const v = value as Record<string, unknown>;
  return typeof v['apiVersion'] === 'string' && typeof v['kind'] === 'string';
}

/** kubectl apply needs metadata.name; what is missing, or undefined when the manifest is whole. */
function manifestProblem(value: unknown): string | undefined {
  if (!isManifest(value)) return 'expected a Kubernetes manifest with apiVersion and kind';
  const meta = (value as Record<string, unknown>)['metadata'];
  const name =
    meta !== null && typeof meta === 'object'
      ? (meta as Record<string, unknown>)['name']
      : undefined;
  if (typeof name !== 'string' || name.length === 0) {
    return `expected metadata.name in the ${value.kind} manifest`;
  }
  return undefined;
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
    const read = yamlValue(doc);
    if (!read.ok) {
      fail(ctx, ScenarioErrorCode.YamlSyntax, where(read.offset), `YAML: ${read.why}`);
      continue;
    }
    const value = read.value;
    if (value === null || value === undefined) continue; // empty document, e.g. after `---`
    const problem = manifestProblem(value);
    if (problem) {
      const start = doc.contents?.range?.[0] ?? 0;
      fail(ctx, ScenarioErrorCode.BadManifest, where(start), problem);
      continue;
    }
    manifests.push(value as Manifest);
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
  const problem = manifestProblem(obj);
  if (problem) fail(ctx, ScenarioErrorCode.BadManifest, at, problem);
  return { manifests: problem ? [] : [obj as Manifest], at };
}
