import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { TcpTransport } from '../../src/bgp/io/tcp.js';
import { createUdpBfdTransport } from '../../src/bfd/io/udp-transport.js';
import { integration } from './require.js';

// Sockets made inside another network namespace (a node's VRF as a routing instance of its
// own): a listener there is not in the host's namespace, a connect from there reaches it, and
// a BFD UDP listener and channel made there talk to each other only there.
integration(['root', 'ip'])('transports in another network namespace', () => {
  const ns = `hvrf-t${process.pid}`;
  const path = `/run/netns/${ns}`;
  beforeAll(() => {
    execFileSync('ip', ['netns', 'add', ns]);
    execFileSync('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
  });
  afterAll(() => {
    execFileSync('ip', ['netns', 'del', ns]);
  });

  it('TCP: listen and connect inside it; the host namespace has no such listener', async () => {
    const inside = new TcpTransport(undefined, undefined, path);
    const got: Buffer[] = [];
    const listener = await inside.listen({ host: '127.0.0.1', port: 17917 }, (c) =>
      c.attach({ data: (b) => got.push(b), drain: () => undefined, close: () => undefined }),
    );
    try {
      const ss = execFileSync('ip', ['netns', 'exec', ns, 'ss', '-ltnH', 'sport = :17917']);
      expect(ss.toString()).toContain('127.0.0.1:17917');
      await expect(
        new TcpTransport().connect({ host: '127.0.0.1', port: 17917, timeoutMs: 2000 }),
      ).rejects.toMatchObject({ code: 'ERR_TRANSPORT_REFUSED' });
      const c = await inside.connect({
        host: '127.0.0.1',
        port: 17917,
        localAddress: '127.0.0.1',
        timeoutMs: 2000,
      });
      c.write(Buffer.from('open'));
      for (let i = 0; i < 50 && got.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(Buffer.concat(got).toString()).toBe('open');
      c.destroy();
    } finally {
      await listener.close();
    }
  });

  it('BFD UDP: a listener and a channel made inside it reach each other', async () => {
    const rx = await createUdpBfdTransport({
      localAddress: '127.0.0.1',
      listenPort: 0,
      netns: path,
    });
    const tx = await createUdpBfdTransport({
      localAddress: '127.0.0.1',
      listenPort: 0,
      netns: path,
    });
    try {
      const ss = execFileSync('ip', ['netns', 'exec', ns, 'ss', '-lunH']).toString();
      expect(ss).toContain(`127.0.0.1:${rx.local.port}`);
      const seen: number[] = [];
      rx.onDatagram((d) => seen.push(d.payload.length));
      const ch = await tx.openTxChannel();
      ch.send(Buffer.alloc(24), rx.local);
      for (let i = 0; i < 50 && seen.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(seen).toEqual([24]);
    } finally {
      await tx.close();
      await rx.close();
    }
  });
});
