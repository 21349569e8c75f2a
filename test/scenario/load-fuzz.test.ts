import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../src/scenario/load.js';
import { ScenarioErrorCode } from '../../src/scenario/errors.js';

const scenarioDir = resolve(import.meta.dirname, '../../scenarios');
const texts = readdirSync(scenarioDir)
  .filter((f) => f.endsWith('.yaml'))
  .sort()
  .map((f) => ({ file: join(scenarioDir, f), text: readFileSync(join(scenarioDir, f), 'utf8') }));
const codes = new Set<string>(Object.values(ScenarioErrorCode));

describe('scenario loader under mutation', () => {
  it('never throws, and every error has a known code and a position inside the file', () => {
    const piece = fc.constantFrom(
      '',
      ':',
      '- ',
      '{',
      '}',
      '[',
      ']',
      '"',
      "'",
      '\n',
      '  ',
      '#',
      '&a',
      '*a',
      '!!int ',
      'true',
      '3x',
      'foo: 1\n',
    );
    fc.assert(
      fc.property(
        fc.nat(texts.length - 1),
        fc.nat(),
        fc.nat(40),
        piece,
        (which, at, drop, insert) => {
          const { file, text } = texts[which]!;
          const pos = at % (text.length + 1);
          const mutated = text.slice(0, pos) + insert + text.slice(pos + drop);
          const result = parseScenario(mutated, file);
          if (result.ok) return;
          const lines = mutated.split('\n').length;
          for (const e of result.errors) {
            expect(codes.has(e.code)).toBe(true);
            expect(e.line).toBeGreaterThanOrEqual(1);
            expect(e.col).toBeGreaterThanOrEqual(1);
            // Errors inside referenced manifest files carry that file's own positions.
            if (e.file === file) expect(e.line).toBeLessThanOrEqual(lines + 1);
          }
        },
      ),
      { numRuns: 300, seed: 4271 },
    );
  });
});
