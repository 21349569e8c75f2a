import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MemoryNetwork } from '../../../src/bgp/io/memory.js';
import {
  canonicalPeerAddress,
  parseTcpExtCounters,
  PeerOptionTable,
  sameSocketOptions,
} from '../../../src/bgp/io/peer-options.js';
import {
  bgpTtlOptions,
  encodeTcpMd5Sig,
  socketOptionsUnavailable,
  TCP_MD5SIG_SIZE,
} from '../../../src/bgp/io/socket-options.js';
import { TcpTransport } from '../../../src/bgp/io/tcp.js';
import type { Connection } from '../../../src/bgp/io/transport.js';
import { peerOptionsContract } from './peer-options-contract.js';

describe('struct tcp_md5sig (linux/tcp.h)', () => {
  it('IPv4 peer on an IPv4 socket', () => {
    const b = encodeTcpMd5Sig('ipv4', '198.18.0.1', 'abc');
    expect(b.length).toBe(TCP_MD5SIG_SIZE);
    expect(b.subarray(0, 8)).toEqual(
      Buffer.from([
        ...[0x02, 0x00], // sin_family AF_INET, host order
        ...[0x00, 0x00], // sin_port 0
        ...[198, 18, 0, 1], // sin_addr
      ]),
    );
    expect(b.subarray(8, 128).every((x) => x === 0)).toBe(true); // rest of sockaddr_storage
    expect([...b.subarray(128, 136)]).toEqual([
      0x00, // tcpm_flags
      0x00, // tcpm_prefixlen
      ...[0x03, 0x00], // tcpm_keylen 3
      ...[0, 0, 0, 0], // tcpm_ifindex
    ]);
    expect(b.subarray(136, 139).toString()).toBe('abc');
    expect(b.subarray(139).every((x) => x === 0)).toBe(true);
  });

  it('IPv6 peer, and an IPv4 peer on an IPv6 socket as ::ffff:a.b.c.d', () => {
    const b = encodeTcpMd5Sig('ipv6', '2001:db8::1', 'k');
    expect([...b.subarray(0, 8)]).toEqual([0x0a, 0x00, 0, 0, 0, 0, 0, 0]); // AF_INET6, port, flowinfo
    expect(b.subarray(8, 24).toString('hex')).toBe('20010db8000000000000000000000001');
    const m = encodeTcpMd5Sig('ipv6', '198.18.0.1', 'k');
    expect(m.subarray(8, 24).toString('hex')).toBe('00000000000000000000ffffc6120001');
  });

  it('an empty key deletes (keylen 0); over 80 bytes is refused', () => {
    expect(encodeTcpMd5Sig('ipv4', '198.18.0.1', '').readUInt16LE(130)).toBe(0);
    expect(() => encodeTcpMd5Sig('ipv4', '198.18.0.1', 'x'.repeat(81))).toThrow(
      expect.objectContaining({ code: 'ERR_TRANSPORT_IO' }),
    );
    expect(() => encodeTcpMd5Sig('ipv4', '2001:db8::1', 'k')).toThrow(
      expect.objectContaining({ code: 'ERR_TRANSPORT_IO' }),
    );
  });
});

describe('PeerOptionTable', () => {
  it('finds an exact local entry before a wildcard one, in any spelling', () => {
    const t = new PeerOptionTable();
    t.set({ peerAddress: '2001:DB8:0::1' }, { md5Key: 'any' });
    t.set({ localAddress: '2001:db8::101', peerAddress: '2001:db8::1' }, { md5Key: 'exact' });
    expect(t.lookup('2001:db8:0:0::101', '2001:db8::1')?.md5Key).toBe('exact');
    expect(t.lookup('2001:db8::102', '2001:db8::1')?.md5Key).toBe('any');
    expect(t.lookup(undefined, '::ffff:198.18.0.1')).toBeUndefined();
    t.set({ peerAddress: '::ffff:198.18.0.1' }, { ttl: 1 });
    expect(t.lookup('198.18.0.101', '198.18.0.1')).toEqual({ ttl: 1 });
    expect(t.forLocal('::').length).toBe(3);
    expect(t.forLocal('2001:db8::102').map((e) => e.options.md5Key ?? null)).toEqual(['any', null]);
    expect(canonicalPeerAddress('::FFFF:198.18.0.1')).toBe('198.18.0.1');
  });

  it("gives a listener the entries for any address, then its own (which win), never another's", () => {
    const t = new PeerOptionTable();
    t.set({ localAddress: '198.18.0.101', peerAddress: '198.18.0.1' }, { md5Key: 'exact' });
    t.set({ peerAddress: '198.18.0.1' }, { md5Key: 'any' });
    t.set({ localAddress: '198.18.0.102', peerAddress: '198.18.0.2' }, { md5Key: 'other' });
    expect(t.forLocal('198.18.0.101').map((e) => e.options.md5Key)).toEqual(['any', 'exact']);
    expect(t.forLocal('198.18.0.102').map((e) => e.options.md5Key)).toEqual(['any', 'other']);
    expect(t.forLocal('0.0.0.0')).toHaveLength(3);
    // Removing is per (local, peer); removing what is not there returns nothing and keeps the rest.
    expect(t.set({ localAddress: '198.18.0.103', peerAddress: '198.18.0.1' }, undefined)).toBe(
      undefined,
    );
    expect(t.set({ peerAddress: '198.18.0.1' }, undefined)?.options.md5Key).toBe('any');
    expect(t.forLocal('198.18.0.101').map((e) => e.options.md5Key)).toEqual(['exact']);
    expect(sameSocketOptions({ md5Key: 'a', ttl: 1 }, { ttl: 1, md5Key: 'a' })).toBe(true);
    expect(sameSocketOptions({ md5Key: 'a' }, { md5Key: 'a', minTtl: 254 })).toBe(false);
  });

  it('parses the TcpExt counters of /proc/net/netstat', () => {
    const text =
      'TcpExt: SyncookiesSent TCPMD5NotFound TCPMD5Unexpected TCPMD5Failure TCPMinTTLDrop\n' +
      'TcpExt: 0 1 2 3 4\nIpExt: InNoRoutes\nIpExt: 9\n';
    expect(parseTcpExtCounters(text)).toEqual({
      md5NotFound: 1,
      md5Unexpected: 2,
      md5Failure: 3,
      minTtlDrop: 4,
    });
  });
});

peerOptionsContract(
  'memory',
  () => {
    const net = new MemoryNetwork();
    return {
      server: net.transport(),
      client: net.transport(),
      counters: async () => ({ ...net.tcpCounters }),
    };
  },
  { ipv4: '127.0.0.1', ipv6: '::1' },
);

const why = socketOptionsUnavailable();
if (why) {
  describe.skip(`peer socket options: tcp (skipped: ${why})`, () => undefined);
} else {
  peerOptionsContract(
    'tcp (Linux setsockopt through koffi, loopback)',
    () => ({
      server: new TcpTransport(),
      client: new TcpTransport(),
      counters: async () => parseTcpExtCounters(readFileSync('/proc/net/netstat', 'utf8')),
    }),
    { ipv4: '127.0.0.1', ipv6: '::1' },
  );
}

it('the memory twin retries a held SYN when the keys are fixed', async () => {
  const net = new MemoryNetwork();
  const server = net.transport();
  const client = net.transport();
  server.socketOptions!.set({ peerAddress: '127.0.0.1' }, { md5Key: 'right' });
  client.socketOptions!.set({ peerAddress: '127.0.0.1' }, { md5Key: 'wrong' });
  let accepted = 0;
  const l = await server.listen({ host: '127.0.0.1', port: 0 }, () => accepted++);
  const pending = client.connect({ host: '127.0.0.1', port: l.port, localAddress: '127.0.0.1' });
  await new Promise((r) => setImmediate(r));
  expect(accepted).toBe(0);
  client.socketOptions!.set({ peerAddress: '127.0.0.1' }, { md5Key: 'right' });
  (await pending).destroy();
  expect(accepted).toBe(1);
});

describe('BGP TTL rules (as FRR)', () => {
  it('eBGP single hop 1, multihop its count, iBGP 255; GTSM sends 255 and accepts 256 - hops', () => {
    expect(bgpTtlOptions({ internal: false })).toEqual({ ttl: 1 });
    expect(bgpTtlOptions({ internal: false, ebgpMultihop: 2 })).toEqual({ ttl: 2 });
    expect(bgpTtlOptions({ internal: true })).toEqual({ ttl: 255 });
    // RFC 5082 3: TTL 255 out; a peer one hop away arrives with 255, so the minimum is 255.
    expect(bgpTtlOptions({ internal: false, ttlSecurityHops: 1 })).toEqual({
      ttl: 255,
      minTtl: 255,
    });
    expect(bgpTtlOptions({ internal: true, ttlSecurityHops: 3 })).toEqual({
      ttl: 255,
      minTtl: 253,
    });
  });
});

describe('TcpTransport where socket options cannot be set', () => {
  const t = new TcpTransport(undefined, () => 'not Linux here');

  it('says why, refuses an MD5 key or a minimum TTL, and connects plainly without a TTL', async () => {
    expect(t.socketOptions.unavailable()).toBe('not Linux here');
    for (const options of [{ md5Key: 'k' }, { minTtl: 255 }]) {
      expect(() => t.socketOptions.set({ peerAddress: '127.0.0.1' }, options)).toThrow(
        expect.objectContaining({ code: 'ERR_TRANSPORT_UNSUPPORTED' }),
      );
    }
    t.socketOptions.set({ peerAddress: '127.0.0.1' }, { ttl: 1 });
    const accepted: Connection[] = [];
    const l = await t.listen({ host: '127.0.0.1', port: 0 }, (c) => accepted.push(c));
    const c = await t.connect({ host: '127.0.0.1', port: l.port, timeoutMs: 2000 });
    for (const x of [c, ...accepted]) x.destroy();
    await l.close();
  });
});
