import { expect, it, describe } from 'vitest';
import type { TcpOptionDropCounters } from '../../../src/bgp/io/peer-options.js';
import type { Connection, Transport } from '../../../src/bgp/io/transport.js';

export interface OptionPair {
  /** The listening side and the connecting side, each with its own options. */
  server: Transport;
  client: Transport;
  /** The drop counters of the network they share (the kernel's TcpExt, or the memory twin's). */
  counters(): Promise<TcpOptionDropCounters>;
}

/**
 * RFC 2385 keys and RFC 5082 minimum TTLs, run against the real transport and its twin: the
 * same outcomes, the same counters.
 */
export function peerOptionsContract(
  name: string,
  makePair: () => OptionPair,
  hosts: { ipv4: string; ipv6?: string },
): void {
  async function attempt(
    p: OptionPair,
    host: string,
    timeoutMs = 400,
  ): Promise<{ ok: boolean; code?: string; accepted: number }> {
    let accepted = 0;
    const conns: Connection[] = [];
    const listener = await p.server.listen({ host, port: 0 }, (c) => {
      accepted++;
      conns.push(c);
    });
    try {
      const c = await p.client.connect({
        host,
        port: listener.port,
        localAddress: host,
        timeoutMs,
      });
      conns.push(c);
      // The accept arrives beside the connect.
      for (let i = 0; i < 200 && accepted === 0; i++) await new Promise((r) => setImmediate(r));
      return { ok: true, accepted };
    } catch (e) {
      return { ok: false, code: (e as { code?: string }).code, accepted };
    } finally {
      for (const c of conns) c.destroy();
      await listener.close();
    }
  }

  /**
   * Whether a byte written after the handshake reaches the listener's side. The kernel checks
   * the minimum TTL on what arrives after the accept (the option goes on the accepted socket);
   * the memory twin already drops the SYN.
   */
  async function exchange(p: OptionPair, host: string): Promise<boolean> {
    let received = 0;
    let accept!: (c: Connection) => void;
    const accepted = new Promise<Connection>((r) => (accept = r));
    const conns: Connection[] = [];
    const listener = await p.server.listen({ host, port: 0 }, (c) => {
      conns.push(c);
      c.attach({ data: (b) => (received += b.length), drain: () => {}, close: () => {} });
      accept(c);
    });
    try {
      const c = await p.client.connect({
        host,
        port: listener.port,
        localAddress: host,
        timeoutMs: 400,
      });
      conns.push(c);
      await accepted;
      c.write(Buffer.from('x'));
      await new Promise((r) => setTimeout(r, 400));
      return received > 0;
    } catch {
      return false;
    } finally {
      for (const c of conns) c.destroy();
      await listener.close();
    }
  }

  const delta = async (
    p: OptionPair,
    run: () => Promise<unknown>,
  ): Promise<TcpOptionDropCounters> => {
    const before = await p.counters();
    await run();
    const after = await p.counters();
    return {
      md5NotFound: after.md5NotFound - before.md5NotFound,
      md5Unexpected: after.md5Unexpected - before.md5Unexpected,
      md5Failure: after.md5Failure - before.md5Failure,
      minTtlDrop: after.minTtlDrop - before.minTtlDrop,
    };
  };

  describe(`peer socket options: ${name}`, () => {
    for (const [family, host] of Object.entries(hosts)) {
      it(`the same MD5 key on both sides connects (${family})`, async () => {
        const p = makePair();
        p.server.socketOptions!.set({ peerAddress: host }, { md5Key: 'metallb-secret' });
        p.client.socketOptions!.set({ peerAddress: host }, { md5Key: 'metallb-secret' });
        expect(await attempt(p, host)).toEqual({ ok: true, accepted: 1 });
      });

      it(`a different key gives no connection and counts TCPMD5Failure (${family})`, async () => {
        const p = makePair();
        p.server.socketOptions!.set({ peerAddress: host }, { md5Key: 'right' });
        p.client.socketOptions!.set({ peerAddress: host }, { md5Key: 'wrong' });
        let r: Awaited<ReturnType<typeof attempt>> | undefined;
        const d = await delta(p, async () => (r = await attempt(p, host)));
        expect(r).toEqual({ ok: false, code: 'ERR_TRANSPORT_TIMEOUT', accepted: 0 });
        expect(d.md5Failure).toBeGreaterThanOrEqual(1);
      });
    }

    it.each([
      ['the listener only: the unsigned SYN is dropped', 'server', 'md5NotFound'],
      ['the connecting side only: the signed SYN is dropped', 'client', 'md5Unexpected'],
    ] as const)('a key on %s (%s side, %s)', async (_, side, counter) => {
      const p = makePair();
      p[side].socketOptions!.set({ peerAddress: hosts.ipv4 }, { md5Key: 'k' });
      let r: Awaited<ReturnType<typeof attempt>> | undefined;
      const d = await delta(p, async () => (r = await attempt(p, hosts.ipv4)));
      expect(r?.ok).toBe(false);
      expect(d[counter]).toBeGreaterThanOrEqual(1);
    });

    it('clearing the keys on both sides connects again', async () => {
      const p = makePair();
      p.server.socketOptions!.set({ peerAddress: hosts.ipv4 }, { md5Key: 'a' });
      p.client.socketOptions!.set({ peerAddress: hosts.ipv4 }, { md5Key: 'b' });
      p.server.socketOptions!.set({ peerAddress: hosts.ipv4 }, undefined);
      p.client.socketOptions!.set({ peerAddress: hosts.ipv4 }, undefined);
      expect(await attempt(p, hosts.ipv4)).toEqual({ ok: true, accepted: 1 });
    });

    it('RFC 5082: below the minimum TTL no byte gets through (TCPMinTTLDrop); TTL 255 does', async () => {
      const p = makePair();
      p.server.socketOptions!.set({ peerAddress: hosts.ipv4 }, { ttl: 255, minTtl: 255 });
      // The default TTL (64) is below the listener's minimum.
      let got: boolean | undefined;
      const d = await delta(p, async () => (got = await exchange(p, hosts.ipv4)));
      expect(got).toBe(false);
      expect(d.minTtlDrop).toBeGreaterThanOrEqual(1);
      p.client.socketOptions!.set({ peerAddress: hosts.ipv4 }, { ttl: 255 });
      expect(await exchange(p, hosts.ipv4)).toBe(true);
    });

    it('an entry for another local address does not apply', async () => {
      const p = makePair();
      p.client.socketOptions!.set(
        { localAddress: '198.18.9.9', peerAddress: hosts.ipv4 },
        { md5Key: 'k' },
      );
      expect(await attempt(p, hosts.ipv4)).toEqual({ ok: true, accepted: 1 });
    });
  });
}
