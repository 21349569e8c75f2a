import { afterEach, describe, expect, it } from 'vitest';
import { SpeakersimError } from '../../../src/core/errors.js';
import { SeededRandom } from '../../../src/core/random.js';
import type { KubeResource } from '../../../src/k8s/client.js';
import { MemorySegment } from '../../../src/l2/io/memory-segment.js';
import { NeighborCache } from '../../../src/l2/neighbor-cache.js';
import type { L2Port } from '../../../src/l2/port.js';
import { SystemClock } from '../../../src/core/clock.js';
import { startHarness } from '../../k8s/helpers.js';
import { startRuntimeLab, webServiceWithEndpoints } from './lab.js';
import { waitFor } from './wait-for.js';

// The node speakers put the L2 election on the wire through the port the runtime is given:
// the leader answers, the others do not; a port that cannot open is reported once, and the
// ServiceL2Status is written all the same.
const NS = 'metallb-system';
const NODES = [
  { name: 'worker0', ip: '198.18.0.10' },
  { name: 'worker1', ip: '198.18.0.11' },
];
const MACS: Record<string, string> = { worker0: '02:00:00:00:00:10', worker1: '02:00:00:00:00:11' };
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const objects: KubeResource[] = [
  {
    apiVersion: 'metallb.io/v1beta1',
    kind: 'IPAddressPool',
    metadata: { name: 'pool', namespace: NS },
    spec: { addresses: ['198.18.0.200/32'] },
  },
  {
    apiVersion: 'metallb.io/v1beta1',
    kind: 'L2Advertisement',
    metadata: { name: 'l2', namespace: NS },
    spec: { ipAddressPools: ['pool'] },
  },
  ...webServiceWithEndpoints(NODES),
];

async function setup(l2Port: (node: string) => Promise<L2Port>) {
  const h = await startHarness(Date.UTC(2026, 3, 21, 9, 0, 0), { namespaces: [NS, 'default'] });
  cleanups.push(() => h.close());
  const lab = await startRuntimeLab({
    kubeconfigPath: h.server.kubeconfigPath,
    nodes: NODES,
    random: new SeededRandom(5),
    cleanups,
    l2Port,
  });
  for (const o of objects) await lab.client.create(o);
  return lab;
}

describe('node speakers at layer 2', () => {
  it('the leader answers for the service IP with its MAC; after it stops, the other does', async () => {
    const seg = new MemorySegment();
    const router = new NeighborCache(seg.attach('02:00:00:00:00:01'), new SystemClock(), {
      ipv4: '198.18.0.1',
    });
    const { rt } = await setup(async (node) => seg.attach(MACS[node]!));
    const leader = await waitFor('a leader on the wire', () =>
      NODES.map((n) => n.name).find((n) => rt.speaker(n)?.l2Addresses().includes('198.18.0.200')),
    );
    const other = NODES.map((n) => n.name).find((n) => n !== leader)!;
    expect(rt.speaker(other)?.l2Addresses()).toEqual([]);
    router.resolve('198.18.0.200');
    await waitFor('resolved', () => router.lookup('198.18.0.200')?.mac === MACS[leader]);
    await rt.stopNode(leader);
    await waitFor('failover', () => router.lookup('198.18.0.200')?.mac === MACS[other]);
    expect(rt.speaker(other)?.l2Mac).toBe(MACS[other]);
  });

  it('a port that cannot open is reported once; ServiceL2Status is still written', async () => {
    let tries = 0;
    const { rt, client } = await setup(async () => {
      tries++;
      throw new SpeakersimError('ERR_L2_SOCKET', 'socket(AF_PACKET): errno 1 (EPERM)');
    });
    await waitFor(
      'ServiceL2Status',
      async () =>
        (await client.list('metallb.io/v1beta1', 'ServiceL2Status', { namespace: NS })).length ===
        1,
    );
    for (let i = 0; i < 3; i++) {
      rt.schedule();
      await waitFor('idle', () => !rt.busy);
    }
    expect(tries).toBeGreaterThan(1);
    expect(rt.problems.filter((p) => p.what.startsWith('ERR_L2_SOCKET'))).toHaveLength(1);
  });
});
