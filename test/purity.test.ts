import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// The protocol cores import no sockets, timers or Date. The lint rule enforces
// it while editing; this test enforces it in `npm test` too, so it cannot be switched off quietly.
const pureDirs = ['src/bgp/wire', 'src/bgp/fsm', 'src/bfd/wire', 'src/bfd/fsm', 'src/l2/wire'];
const forbiddenModules =
  /from\s+['"](node:)?(net|dgram|timers|timers\/promises|fs|fs\/promises|child_process|http|https|tls)['"]/;
const forbiddenGlobals =
  /\b(Date|setTimeout|setInterval|setImmediate|clearTimeout|clearInterval|performance|process)\b/;

function tsFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? tsFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** Drops comments and string literals so that a word in a comment does not count. */
function code(source: string): string {
  return source
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/\/\/.*$/gm, '')
    .replace(/'(?:\\.|[^'\\])*'|"(?:\\.|[^"\\])*"|`(?:\\.|[^`\\])*`/g, '""');
}

describe('protocol cores are pure', () => {
  const files = pureDirs.flatMap(tsFiles);
  it('finds the core sources', () => {
    expect(files.length).toBeGreaterThan(0);
  });
  for (const file of files) {
    it(`${file} imports no I/O and reads no clock`, () => {
      const raw = readFileSync(file, 'utf8');
      expect(raw).not.toMatch(forbiddenModules);
      expect(code(raw)).not.toMatch(forbiddenGlobals);
    });
  }
});
