import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/clock.js';
import { SeededRandom } from '../../../src/core/random.js';
import { BuiltinBackend } from '../../../src/lab/builtin/backend.js';
import { labMac, nodeMac, routerMac } from '../../../src/lab/names.js';
import { parseIpNeigh } from '../../../src/lab/netns-backend.js';
import { defaultTopology } from '../../../src/lab/topology.js';
import { L2Responder } from '../../../src/l2/responder.js';

const flush = () => new Promise<void>((r) => setImmediate(r));

describe('builtin backend at layer 2', () => {
  async function lab() {
    const clock = new ManualClock();
    const b = new BuiltinBackend(defaultTopology({ labName: 'u' }), clock, new SeededRandom(1));
    await b.up();
    const node1 = new L2Responder(await b.l2Port('node1'), clock);
    const node2 = new L2Responder(await b.l2Port('node2'), clock);
    return { clock, b, node1, node2 };
  }

  it("a router resolves a service IP to the leader's MAC (each node its own)", async () => {
    const { b, node1 } = await lab();
    node1.announce(['198.18.0.200', '2001:db8::200']);
    expect(node1.mac).toBe(nodeMac('u', 'node1'));
    expect(await b.neighbor('r1', '198.18.0.200', true)).toEqual({
      address: '198.18.0.200',
      mac: nodeMac('u', 'node1'),
      state: 'REACHABLE',
    });
    expect((await b.neighbor('r1', '2001:db8::200', true))?.mac).toBe(nodeMac('u', 'node1'));
    expect(await b.neighbor('r1', '198.18.0.201', false)).toBeUndefined();
    expect(await b.neighbor('r1', '198.18.0.201', true)).toEqual({
      address: '198.18.0.201',
      state: 'INCOMPLETE',
    });
    await b.down();
  });

  it("failover moves the router's entry; with r1's link down it does not, until the link is back", async () => {
    const { clock, b, node1, node2 } = await lab();
    node1.announce(['198.18.0.200']);
    await b.neighbor('r1', '198.18.0.200', true);
    await b.link('r1', 'down');
    node1.announce([]);
    node2.announce(['198.18.0.200']);
    await flush();
    expect((await b.neighbor('r1', '198.18.0.200', false))?.mac).toBe(nodeMac('u', 'node1'));
    await b.link('r1', 'up');
    clock.advance(1100); // the next gratuitous ARP of node2's 5 s burst
    await flush();
    expect((await b.neighbor('r1', '198.18.0.200', false))?.mac).toBe(nodeMac('u', 'node2'));
    await b.down();
  });

  it('unknown nodes and routers are refused with codes', async () => {
    const { b } = await lab();
    await expect(b.l2Port('nope')).rejects.toMatchObject({ code: 'ERR_UNKNOWN_NODE' });
    await expect(b.neighbor('r9', '198.18.0.200', true)).rejects.toMatchObject({
      code: 'ERR_UNKNOWN_ROUTER',
    });
    await b.down();
  });
});

describe('lab MACs', () => {
  it('are locally administered unicast, stable, and differ by lab and station', () => {
    const m = nodeMac('lab', 'worker0');
    expect(m).toMatch(/^02(:[0-9a-f]{2}){5}$/);
    expect(nodeMac('lab', 'worker0')).toBe(m);
    expect(nodeMac('lab2', 'worker0')).not.toBe(m);
    expect(nodeMac('lab', 'worker1')).not.toBe(m);
    expect(routerMac('lab', 'worker0')).not.toBe(m);
    expect(labMac('lab', 'node/worker0')).toBe(m);
  });
});

describe('parseIpNeigh (ip -j neigh)', () => {
  const out = JSON.stringify([
    { dst: '2001:db8:0::200', dev: 'eth0', lladdr: '02:AA:bb:cc:dd:ee', state: ['STALE'] },
    { dst: '198.18.0.209', dev: 'eth0', state: ['FAILED'] },
  ]);
  it('finds the entry by canonical address, with its MAC and state', () => {
    expect(parseIpNeigh(out, '2001:db8::200')).toEqual({
      address: '2001:db8::200',
      mac: '02:aa:bb:cc:dd:ee',
      state: 'STALE',
    });
    expect(parseIpNeigh(out, '198.18.0.209')).toEqual({ address: '198.18.0.209', state: 'FAILED' });
  });
  it('no entry, empty or broken output: undefined', () => {
    expect(parseIpNeigh(out, '198.18.0.1')).toBeUndefined();
    expect(parseIpNeigh('', '198.18.0.1')).toBeUndefined();
    expect(parseIpNeigh('{oops', '198.18.0.1')).toBeUndefined();
  });
});
