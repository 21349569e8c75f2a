import { describe, expect, it } from 'vitest';
import { MemoryNetwork } from '../../../src/bgp/io/memory.js';
import { LabGuard } from '../../../src/scenario/runner/lab-guard.js';
import type {
  BfdEndpointAddress,
  BfdTransport,
  BfdTxChannel,
} from '../../../src/bfd/io/transport.js';

describe('LabGuard: real sockets reach only the lab', () => {
  const guard = new LabGuard(['198.18.0.0/24', '2001:db8::/64']);

  it('allows lab addresses only', () => {
    expect(guard.allows('198.18.0.1')).toBe(true);
    expect(guard.allows('2001:db8::1')).toBe(true);
    expect(guard.allows('198.18.1.1')).toBe(false);
    expect(guard.allows('192.168.1.1')).toBe(false);
    expect(guard.allows('8.8.8.8')).toBe(false);
    expect(guard.allows('2001:db9::1')).toBe(false);
    expect(guard.allows('not an address')).toBe(false);
  });

  it('refuses to connect outside the lab, with a typed error, and connects inside', async () => {
    const net = new MemoryNetwork();
    const t = guard.bgp(net.transport());
    await net.transport().listen({ host: '198.18.0.1', port: 179 }, () => undefined);
    await expect(t.connect({ host: '192.168.1.1', port: 179 })).rejects.toMatchObject({
      code: 'ERR_TRANSPORT_UNREACHABLE',
    });
    const c = await t.connect({ host: '198.18.0.1', port: 179, localAddress: '198.18.0.10' });
    expect(c.remoteAddress).toBe('198.18.0.1');
  });

  it('sends BFD only to lab addresses, and passes the session peer down to the transport', async () => {
    const sent: string[] = [];
    const opened: (BfdEndpointAddress | undefined)[] = [];
    const inner: BfdTransport = {
      local: { address: '198.18.0.10', port: 3784 },
      onDatagram: () => undefined,
      openTxChannel: (peer) => {
        opened.push(peer);
        const channel: BfdTxChannel = {
          local: { address: '198.18.0.10', port: 49152 },
          send: (_payload, to) => void sent.push(to.address),
          sendErrors: 0,
          close: async () => undefined,
        };
        return Promise.resolve(channel);
      },
      settleReceive: (fn) => fn(),
      close: async () => undefined,
    };
    const t = guard.bfd(inner);
    const c = await t.openTxChannel({ address: '198.18.0.1', port: 3784 });
    c.send(Buffer.alloc(24), { address: '198.18.0.1', port: 3784 });
    c.send(Buffer.alloc(24), { address: '192.168.1.1', port: 3784 });
    c.send(Buffer.alloc(24), { address: '198.18.0.1', port: 3784 });
    expect(sent).toEqual(['198.18.0.1', '198.18.0.1']);
    expect(opened).toEqual([{ address: '198.18.0.1', port: 3784 }]);
    expect(c.local).toEqual({ address: '198.18.0.10', port: 49152 });
  });
});
