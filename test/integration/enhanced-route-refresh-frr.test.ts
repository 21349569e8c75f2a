import { join, resolve } from 'node:path';
import { expect, it } from 'vitest';
import { loadScenario } from '../../src/scenario/load.js';
import { runScenario } from '../../src/scenario/runner/run.js';
import { EXPECTED_REFRESH, refreshExchange } from '../scenario/refresh-exchange.js';
import { integration, serialLabFile } from './require.js';

// RFC 7313 against FRR 8.4: `clear bgp ipv4 unicast X soft in` on r1 makes FRR send a
// ROUTE-REFRESH; the speaker answers BoRR, the IPv4 routes, EoRR, and FRR keeps the route.
const file = join(
  resolve(import.meta.dirname, '../..'),
  'scenarios',
  'enhanced-route-refresh.yaml',
);

integration(['root', 'frr', 'vtysh', 'ip', 'nft'])('enhanced route refresh against FRR 8.4', () => {
  serialLabFile();
  it('FRR asks, the speaker answers BoRR, the IPv4 route, EoRR', async () => {
    const out = await runScenario(await loadScenario(file), { backend: 'netns' });
    const why = out.failures.map((f) => `${f.name}: expected ${f.expected} got ${f.actual}`);
    expect({ error: out.error, why }).toEqual({ error: undefined, why: [] });
    expect(refreshExchange(out.run.events)).toEqual(EXPECTED_REFRESH);
  }, 300_000);
});
