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
