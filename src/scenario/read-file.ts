/**
 * Reading the files a scenario names, safely: the tool often runs as root (netns labs), so a
 * scenario must not make it read /dev/zero until memory runs out, block forever on a FIFO, or
 * read ../../etc/shadow. Only regular files, at most MAX_SCENARIO_FILE_BYTES, and (for files a
 * scenario references) only inside the scenario's folder unless the caller allows more. YAML
 * documents are turned into values with alias expansion bounded and the offending alias located.
 */
import { closeSync, constants, fstatSync, openSync, readSync, realpathSync } from 'node:fs';
import { relative, isAbsolute } from 'node:path';
import { isAlias, visit, type Document } from 'yaml';

/** Scenario and manifest files larger than this are refused (CRD bundles are ~1 MiB). */
export const MAX_SCENARIO_FILE_BYTES = 4 * 1024 * 1024;

/** YAML aliases one document may expand (yaml's default; a billion-laughs bomb needs more). */
export const MAX_YAML_ALIASES = 100;

export type ReadOutcome = { ok: true; text: string } | { ok: false; why: string; missing: boolean };

/**
 * Reads a regular file of at most `limit` bytes. Opening is non-blocking, so a FIFO or a
 * device cannot hang the open; its type is checked on the open descriptor (no race with a
 * swap of the path), and at most `limit` + 1 bytes are ever read.
 */
export function readRegularFile(file: string, limit = MAX_SCENARIO_FILE_BYTES): ReadOutcome {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { ok: false, why: 'not found', missing: true };
    return { ok: false, why: `unreadable (${code ?? 'error'})`, missing: false };
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) return { ok: false, why: 'is not a regular file', missing: false };
    if (stat.size > limit) {
      return { ok: false, why: `is larger than ${limit} bytes (${stat.size})`, missing: false };
    }
    const buf = Buffer.alloc(Math.min(stat.size, limit) + 1);
    let length = 0;
    for (;;) {
      const n = readSync(fd, buf, length, buf.length - length, null);
      if (n === 0) break;
      length += n;
      if (length === buf.length) {
        // The file grew past the limit while being read.
        return { ok: false, why: `is larger than ${limit} bytes`, missing: false };
      }
    }
    return { ok: true, text: buf.subarray(0, length).toString('utf8') };
  } catch (err) {
    return {
      ok: false,
      why: `unreadable (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
      missing: false,
    };
  } finally {
    closeSync(fd);
  }
}

/**
 * True when `file` (after following symlinks) lies inside `folder`. A path that does not
 * resolve is judged by its text; reading it then reports not found.
 */
export function isInsideFolder(folder: string, file: string): boolean {
  const real = (p: string): string => {
    try {
      return realpathSync(p);
    } catch {
      return p;
    }
  };
  const rel = relative(real(folder), real(file));
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}

export type YamlValue = { ok: true; value: unknown } | { ok: false; offset: number; why: string };

/**
 * A document's value with alias expansion bounded. yaml throws a ReferenceError without a
 * position when the bound is passed; this reports the offset of the first alias instead.
 */
export function yamlValue(doc: Document): YamlValue {
  try {
    return { ok: true, value: doc.toJS({ maxAliasCount: MAX_YAML_ALIASES }) };
  } catch (err) {
    let offset = doc.contents?.range?.[0] ?? 0;
    let found = false;
    visit(doc, {
      Alias(_key, node) {
        if (found || !isAlias(node) || !node.range) return;
        offset = node.range[0];
        found = true;
        return visit.BREAK;
      },
    });
    const why =
      err instanceof ReferenceError
        ? `aliases expand beyond the limit of ${MAX_YAML_ALIASES} (a resource exhaustion attack?)`
        : `cannot be read: ${err instanceof Error ? err.message : String(err)}`;
    return { ok: false, offset, why };
  }
}
