import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/clock.js';
import { MemoryNetwork } from '../../../src/bgp/io/memory.js';
import type { Connection } from '../../../src/bgp/io/transport.js';
import { transportContract } from './contract.js';

transportContract('memory', () => new MemoryNetwork().transport());

const flush = async (): Promise<void> => {
  for (let i = 0; i < 20; i++) await Promise.resolve();
};

describe('memory network faults', () => {
  it('stalls a dropped stream and resumes it when the path passes again, like TCP retransmission', async () => {
    const net = new MemoryNetwork();
    const t = net.transport();
    let server!: Connection;
    const l = await t.listen({ host: '198.18.0.1', port: 179 }, (c) => (server = c));
    const client = await t.connect({ host: '198.18.0.1', port: 179, localAddress: '198.18.0.10' });
    const got: string[] = [];
    server.attach({
      data: (b) => got.push(b.toString()),
      drain: () => undefined,
      close: () => undefined,
    });
    net.setFilter((from) => (from === '198.18.0.10' ? 'drop' : 'pass'));
    client.write(Buffer.from('held'));
    await flush();
    expect(got).toEqual([]);
    net.setFilter(() => 'pass');
    await flush();
    expect(got).toEqual(['held']);
    await l.close();
  });

  it('times a connect out over a dropped path in virtual time', async () => {
    const clock = new ManualClock();
    const net = new MemoryNetwork(clock);
    const t = net.transport();
    await t.listen({ host: '198.18.0.1', port: 179 }, () => undefined);
    net.setFilter(() => 'drop');
    const p = t.connect({
      host: '198.18.0.1',
      port: 179,
      localAddress: '198.18.0.10',
      timeoutMs: 3000,
    });
    await flush();
    clock.advance(2999);
    let settled = false;
    p.catch(() => undefined).finally(() => (settled = true));
    await flush();
    expect(settled).toBe(false);
    clock.advance(1);
    await expect(p).rejects.toMatchObject({ code: 'ERR_TRANSPORT_TIMEOUT' });
  });

  it('completes a waiting connect once the path passes', async () => {
    const net = new MemoryNetwork(new ManualClock());
    const t = net.transport();
    await t.listen({ host: '198.18.0.1', port: 179 }, () => undefined);
    net.setFilter(() => 'drop');
    const p = t.connect({ host: '198.18.0.1', port: 179, localAddress: '198.18.0.10' });
    await flush();
    net.setFilter(() => 'pass');
    const c = await p;
    expect(c.localAddress).toBe('198.18.0.10');
    expect(net.openConnections()).toBe(2);
  });
});
