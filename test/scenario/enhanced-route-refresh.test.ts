import { join, resolve } from 'node:path';
import { expect, it } from 'vitest';
import { loadScenario } from '../../src/scenario/load.js';
import { runScenario } from '../../src/scenario/runner/run.js';
import { EXPECTED_REFRESH, refreshExchange } from './refresh-exchange.js';

const file = join(
  resolve(import.meta.dirname, '../..'),
  'scenarios',
  'enhanced-route-refresh.yaml',
);

it('enhanced route refresh on builtin peers: request, BoRR, the IPv4 route, EoRR (RFC 7313 4)', async () => {
  const out = await runScenario(await loadScenario(file), { backend: 'builtin' });
  expect(out.failures).toEqual([]);
  expect(refreshExchange(out.run.events)).toEqual(EXPECTED_REFRESH);
});
