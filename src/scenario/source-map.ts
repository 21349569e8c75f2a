/**
 * Maps paths inside a parsed YAML document (`['steps', 3, 'expect']`) back to 1-based line and
 * column numbers, so that schema and semantic errors point at the text the user wrote.
 */
import { isMap, isNode, isPair, isScalar, isSeq, type Document, type LineCounter } from 'yaml';
import type { SourcePosition } from './types.js';

export type YamlPath = (string | number)[];

export class SourceMap {
  constructor(
    readonly file: string,
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  /** Position of an offset into the file. */
  at(offset: number): SourcePosition {
    const { line, col } = this.lines.linePos(offset);
    return { file: this.file, line, col };
  }

  /**
   * Position of the value at `path`; when that value does not exist (a missing field), the
   * position of the closest ancestor that does.
   */
  valueAt(path: YamlPath): SourcePosition {
    for (let n = path.length; n >= 0; n--) {
      const node = this.doc.getIn(path.slice(0, n), true);
      if (isNode(node) && node.range) return this.at(node.range[0]);
    }
    return { file: this.file, line: 1, col: 1 };
  }

  /** Position of the key `key` in the mapping at `path` (for unknown properties). */
  keyAt(path: YamlPath, key: string): SourcePosition {
    const map = path.length === 0 ? this.doc.contents : this.doc.getIn(path, true);
    if (isMap(map)) {
      for (const pair of map.items) {
        if (
          isPair(pair) &&
          isScalar(pair.key) &&
          String(pair.key.value) === key &&
          pair.key.range
        ) {
          return this.at(pair.key.range[0]);
        }
      }
    }
    return this.valueAt(path);
  }

  /** The keys of the mapping at `path`, in source order ([] when it is not a mapping). */
  keysAt(path: YamlPath): string[] {
    const map = path.length === 0 ? this.doc.contents : this.doc.getIn(path, true);
    if (!isMap(map)) return [];
    return map.items.flatMap((p) => (isScalar(p.key) ? [String(p.key.value)] : []));
  }

  /** Number of items of the sequence at `path` (0 when it is not a sequence). */
  lengthAt(path: YamlPath): number {
    const seq = this.doc.getIn(path, true);
    return isSeq(seq) ? seq.items.length : 0;
  }
}

/** Turns an ajv instancePath (`/steps/3/expect`) into a YAML path (`['steps', 3, 'expect']`). */
export function pointerToPath(pointer: string, data: unknown): YamlPath {
  if (pointer === '') return [];
  const path: YamlPath = [];
  let cur: unknown = data;
  for (const raw of pointer.slice(1).split('/')) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    const key: string | number = Array.isArray(cur) && /^\d+$/.test(seg) ? Number(seg) : seg;
    path.push(key);
    cur =
      cur !== null && typeof cur === 'object' ? (cur as Record<string, unknown>)[key] : undefined;
  }
  return path;
}
