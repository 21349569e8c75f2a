import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Connection, Transport, TransportError } from '../../../src/bgp/io/transport.js';

/** One suite, run against every transport: the real one and its in-memory twin. */
export function transportContract(name: string, makeTransport: () => Transport): void {
  interface Collected {
    bytes: Buffer[];
    closed: Promise<TransportError | undefined>;
    drains: number;
  }

  function collect(c: Connection): Collected {
    const out: Collected = { bytes: [], closed: Promise.resolve(undefined), drains: 0 };
    out.closed = new Promise((resolve) =>
      c.attach({
        data: (chunk) => out.bytes.push(chunk),
        drain: () => out.drains++,
        close: (err) => resolve(err),
      }),
    );
    return out;
  }

  async function pair(t: Transport, localAddress?: string) {
    let accept!: (c: Connection) => void;
    const accepted = new Promise<Connection>((r) => (accept = r));
    const listener = await t.listen({ host: '127.0.0.1', port: 0 }, accept);
    const client = await t.connect({
      host: '127.0.0.1',
      port: listener.port,
      localAddress,
      timeoutMs: 5000,
    });
    const server = await accepted;
    return { listener, client, server };
  }

  const until = async (cond: () => boolean): Promise<void> => {
    for (let i = 0; i < 2000 && !cond(); i++) await new Promise((r) => setImmediate(r));
    expect(cond()).toBe(true);
  };

  describe(`transport contract: ${name}`, () => {
    it('carries bytes both ways and reports consistent endpoints', async () => {
      const t = makeTransport();
      const { listener, client, server } = await pair(t);
      expect(client.remotePort).toBe(listener.port);
      expect(server.localPort).toBe(listener.port);
      expect(server.remotePort).toBe(client.localPort);
      expect(server.remoteAddress).toBe('127.0.0.1');
      const c = collect(client);
      const s = collect(server);
      client.write(Buffer.from('hello'));
      server.write(Buffer.from('world'));
      await until(() => Buffer.concat(s.bytes).length === 5 && Buffer.concat(c.bytes).length === 5);
      expect(Buffer.concat(s.bytes).toString()).toBe('hello');
      expect(Buffer.concat(c.bytes).toString()).toBe('world');
      client.destroy();
      server.destroy();
      await listener.close();
    });

    it('delivers bytes that arrived before attach, in order', async () => {
      const t = makeTransport();
      const { listener, client, server } = await pair(t);
      client.write(Buffer.from('a'));
      client.write(Buffer.from('b'));
      await new Promise((r) => setTimeout(r, 20));
      const s = collect(server);
      client.write(Buffer.from('c'));
      await until(() => Buffer.concat(s.bytes).length === 3);
      expect(Buffer.concat(s.bytes).toString()).toBe('abc');
      client.destroy();
      await listener.close();
    });

    it('binds the chosen local address', async () => {
      const t = makeTransport();
      const { listener, client, server } = await pair(t, '127.0.0.2');
      expect(client.localAddress).toBe('127.0.0.2');
      expect(server.remoteAddress).toBe('127.0.0.2');
      client.destroy();
      await listener.close();
    });

    it('refuses a connect where nothing listens', async () => {
      const t = makeTransport();
      const listener = await t.listen({ host: '127.0.0.1', port: 0 }, () => undefined);
      const port = listener.port;
      await listener.close();
      await expect(t.connect({ host: '127.0.0.1', port, timeoutMs: 5000 })).rejects.toMatchObject({
        code: 'ERR_TRANSPORT_REFUSED',
      });
    });

    it('reports a port in use', async () => {
      const t = makeTransport();
      const listener = await t.listen({ host: '127.0.0.1', port: 0 }, () => undefined);
      await expect(
        t.listen({ host: '127.0.0.1', port: listener.port }, () => undefined),
      ).rejects.toMatchObject({
        code: 'ERR_TRANSPORT_ADDRESS_IN_USE',
      });
      await listener.close();
    });

    it('end flushes then closes cleanly on both sides', async () => {
      const t = makeTransport();
      const { listener, client, server } = await pair(t);
      const s = collect(server);
      const c = collect(client);
      client.write(Buffer.from('last words'));
      client.end();
      expect(await s.closed).toBeUndefined();
      expect(Buffer.concat(s.bytes).toString()).toBe('last words');
      server.end();
      expect(await c.closed).toBeUndefined();
      await listener.close();
    });

    it('destroy resets the peer', async () => {
      const t = makeTransport();
      const { listener, client, server } = await pair(t);
      const s = collect(server);
      collect(client);
      client.destroy();
      expect((await s.closed)?.code).toBe('ERR_TRANSPORT_RESET');
      expect(server.write(Buffer.from('x'))).toBe(false);
      await listener.close();
    });

    it('applies back-pressure and keeps every byte in order', async () => {
      const t = makeTransport();
      const { listener, client, server } = await pair(t);
      const s = collect(server);
      const c = collect(client);
      const sent = createHash('sha256');
      let total = 0;
      let sawFalse = false;
      for (let i = 0; i < 64; i++) {
        const chunk = Buffer.alloc(64 * 1024, i);
        sent.update(chunk);
        total += chunk.length;
        if (!client.write(chunk)) sawFalse = true;
      }
      expect(sawFalse).toBe(true);
      await until(() => s.bytes.reduce((n, b) => n + b.length, 0) === total && c.drains > 0);
      expect(createHash('sha256').update(Buffer.concat(s.bytes)).digest('hex')).toBe(
        sent.digest('hex'),
      );
      client.destroy();
      await listener.close();
    });
  });
}
