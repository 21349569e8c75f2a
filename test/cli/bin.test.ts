import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

// `npx speakersim` runs package.json's bin directly: it must exist after `npm ci` (prepare ->
// build), start with a node shebang and be executable.
const root = resolve(import.meta.dirname, '../..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  bin: Record<string, string>;
};
const bin = join(root, pkg.bin['speakersim']!);

describe.skipIf(!existsSync(bin))(`the speakersim bin (${pkg.bin['speakersim']})`, () => {
  it('is an executable node script', () => {
    expect(readFileSync(bin, 'utf8').startsWith('#!/usr/bin/env node')).toBe(true);
    expect(statSync(bin).mode & 0o111).toBe(0o111);
  });
});
if (!existsSync(bin)) console.warn(`[skip] ${bin} is not built: run npm ci or npm run build`);
