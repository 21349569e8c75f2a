import net from 'node:net';
import { expect, it } from 'vitest';
import { TcpTransport } from '../../../src/bgp/io/tcp.js';
import { transportContract } from './contract.js';

transportContract('tcp (node:net on loopback)', () => new TcpTransport());

it('closes a gracefully ended connection within a bound when the peer never ends its side', async () => {
  // The peer keeps its half open forever (as a router whose namespace is gone never answers):
  // without a bound the socket, and the process, would stay alive.
  const held: net.Socket[] = [];
  const server = net.createServer({ allowHalfOpen: true }, (s) => held.push(s));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  try {
    const client = await new TcpTransport().connect({ host: '127.0.0.1', port });
    const closed = new Promise<number>((resolve) => {
      const t0 = Date.now();
      client.attach({
        data: () => undefined,
        drain: () => undefined,
        close: () => resolve(Date.now() - t0),
      });
    });
    client.end();
    // 3 s linger; generous upper bound for a loaded machine.
    expect(await closed).toBeLessThan(15_000);
  } finally {
    for (const s of held) s.destroy();
    server.close();
  }
}, 20_000);

it('scopes connects and listeners by their local address (zoneOf) and reports addresses unscoped', async () => {
  // Loopback stands in for a node port's link-local address: `::1%lo` is a valid scoped form.
  const asked: string[] = [];
  const t = new TcpTransport(undefined, undefined, undefined, (a) => {
    asked.push(a);
    return a === '::1' ? 'lo' : undefined;
  });
  const accepted: { local: string; remote: string }[] = [];
  const open: { destroy(): void }[] = [];
  const l = await t.listen({ host: '::1', port: 0 }, (c) => {
    accepted.push({ local: c.localAddress, remote: c.remoteAddress });
    open.push(c);
  });
  try {
    expect(l.address).toBe('::1');
    const c = await t.connect({ host: '::1', port: l.port, localAddress: '::1' });
    expect([c.localAddress, c.remoteAddress]).toEqual(['::1', '::1']);
    c.destroy();
    await expect.poll(() => accepted).toEqual([{ local: '::1', remote: '::1' }]);
    // The listener's host, then the connect's local address (for its peer and for itself).
    expect(asked).toEqual(['::1', '::1', '::1']);
  } finally {
    for (const c of open) c.destroy();
    await l.close();
  }
});
