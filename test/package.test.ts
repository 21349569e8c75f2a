import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

// The package's one entry point: `import ... from 'speakersim'` resolves through package.json
// `exports` (a package can import itself by name) to the built dist/index.js, which `npm ci`
// builds (prepare -> build).
const root = resolve(import.meta.dirname, '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  name: string;
  exports: Record<string, { types: string; import: string }>;
};
const entry = join(root, pkg.exports['.']!.import);

describe.skipIf(!existsSync(entry))(`the package entry point (${pkg.exports['.']!.import})`, () => {
  it('imports by name and exposes the library API, with its types beside it', () => {
    const script = `const m = await import('${pkg.name}');
      const names = ['Speaker', 'Neighbor', 'BgpSession', 'ApiServer', 'KubeClient',
        'MetallbRuntime', 'loadScenario', 'runScenario', 'createPeerBackend', 'SpeakersimError'];
      console.log(JSON.stringify({
        missing: names.filter((n) => typeof m[n] !== 'function'),
        codec: typeof m.codec.decodeMessage,
        bfd: typeof m.bfd.BfdSessionTable,
      }));`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(JSON.parse(out)).toEqual({ missing: [], codec: 'function', bfd: 'function' });
    expect(existsSync(join(root, pkg.exports['.']!.types))).toBe(true);
  });

  it('keeps deep paths out of the API (only "." and package.json are exported)', () => {
    expect(Object.keys(pkg.exports).sort()).toEqual(['.', './package.json']);
    expect(() =>
      execFileSync(
        process.execPath,
        ['--input-type=module', '-e', `await import('${pkg.name}/dist/bgp/speaker.js')`],
        { cwd: root, stdio: 'pipe' },
      ),
    ).toThrow(/ERR_PACKAGE_PATH_NOT_EXPORTED/);
  });
});
if (!existsSync(entry)) console.warn(`[skip] ${entry} is not built: run npm ci or npm run build`);
