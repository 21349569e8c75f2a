import { describe, expect, it } from 'vitest';
import { MemoryNetwork } from '../../../src/bgp/io/memory.js';
import { LabGuard } from '../../../src/scenario/runner/lab-guard.js';

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
});
