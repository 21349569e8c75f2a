import { defineConfig } from 'vitest/config';

// Unit tests are pure and fast; integration tests (test/integration) need root and FRR and say
// why they skip when those are missing. Both run under `npm test`.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default', './test/support/summary-reporter.ts'],
  },
});
