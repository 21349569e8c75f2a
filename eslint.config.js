// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// The protocol cores must stay pure (ARCHITECTURE.md): Buffer in, typed value out;
// (state, event) in, (state, actions) out. Time and I/O come from outside.
const pureDirs = [
  'src/bgp/wire/**',
  'src/bgp/fsm/**',
  'src/bfd/wire/**',
  'src/bfd/fsm/**',
  'src/l2/wire/**',
];
const impure = [
  'net',
  'dgram',
  'timers',
  'timers/promises',
  'fs',
  'fs/promises',
  'child_process',
  'http',
  'https',
  'tls',
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: pureDirs,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: impure
            .flatMap((m) => [m, `node:${m}`])
            .map((name) => ({ name, message: 'protocol cores are pure: inject I/O' })),
        },
      ],
      'no-restricted-globals': [
        'error',
        ...[
          'Date',
          'setTimeout',
          'setInterval',
          'setImmediate',
          'clearTimeout',
          'clearInterval',
          'performance',
          'process',
        ].map((name) => ({
          name,
          message: 'protocol cores are pure: time comes from the injected clock',
        })),
      ],
    },
  },
);
