import { describe, expect, it } from 'vitest';
import { formatCIDR } from '../../src/metallb/ip.js';
import {
  INT64_MAX,
  parseAddressEntry,
  poolCounters,
  poolCounts,
  poolStatusJson,
} from '../../src/metallb/pool.js';

function cidrsOf(entries: string[]) {
  return entries.flatMap((e) => {
    const r = parseAddressEntry(e);
    if (!r.ok) throw new Error(r.message);
    return r.cidrs;
  });
}

describe('addresses parsing (reference §8)', () => {
  it.each([
    ['192.168.10.0/24', ['192.168.10.0/24']],
    ['192.168.10.7/24', ['192.168.10.0/24']],
    ['192.168.10.0-192.168.10.10', ['192.168.10.0/29', '192.168.10.8/31', '192.168.10.10/32']],
    [
      '192.168.122.200-192.168.122.220',
      ['192.168.122.200/29', '192.168.122.208/29', '192.168.122.216/30', '192.168.122.220/32'],
    ],
    [
      '192.168.122.210 - 192.168.122.220',
      ['192.168.122.210/31', '192.168.122.212/30', '192.168.122.216/30', '192.168.122.220/32'],
    ],
    ['10.0.0.5-10.0.0.5', ['10.0.0.5/32']],
    ['0.0.0.0-255.255.255.255', ['0.0.0.0/0']],
    ['2001:db8::1-2001:db8::4', ['2001:db8::1/128', '2001:db8::2/127', '2001:db8::4/128']],
    ['2001:db8::/64', ['2001:db8::/64']],
    ['10.0.0.1/32', ['10.0.0.1/32']],
  ])('%s', (entry, expected) => {
    const r = parseAddressEntry(entry);
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.cidrs.map(formatCIDR)).toEqual(expected);
  });

  it.each([
    ['10.0.0.1', 'invalid CIDR "10.0.0.1"'],
    ['10.0.0.0/33', 'invalid CIDR "10.0.0.0/33"'],
    ['300.1.1.1/24', 'invalid CIDR "300.1.1.1/24"'],
    [
      '10.0.0.9-10.0.0.1',
      'invalid IP range "10.0.0.9-10.0.0.1": start IP "10.0.0.9" is after the end IP "10.0.0.1"',
    ],
    ['x-10.0.0.1', 'invalid IP range "x-10.0.0.1": invalid start IP "x"'],
    ['10.0.0.1-', 'invalid IP range "10.0.0.1-": invalid end IP ""'],
    ['2001:db8::1%eth0/64', 'invalid CIDR "2001:db8::1%eth0/64"'],
  ])('rejects %s', (entry, message) => {
    const r = parseAddressEntry(entry);
    expect(r).toEqual({ ok: false, message });
  });
});

describe('pool counts (reference §8 examples)', () => {
  it.each([
    [['192.168.10.0/24'], false, 256n],
    [['192.168.10.0/24'], true, 254n],
    [['192.168.10.0-192.168.10.10'], false, 11n],
    [['192.168.10.0-192.168.10.10'], true, 10n],
    [['192.168.122.200-192.168.122.220'], false, 21n],
    [['192.168.122.210-192.168.122.220'], false, 11n],
    [['10.0.0.0/16'], true, 65536n - 512n],
    // first and last are the same buggy address: counted twice, as upstream does
    [['10.0.0.255/32'], true, -1n],
    [['10.0.0.254/31'], true, 1n],
    [['10.0.0.0/32'], true, -1n],
  ] as const)('%j avoidBuggyIPs=%s -> %s', (entries, avoid, expected) => {
    expect(poolCounts(cidrsOf([...entries]), avoid).ipv4).toBe(expected);
  });

  it('21 -> 20 after one assignment (seed L2 example)', () => {
    const c = cidrsOf(['192.168.122.200-192.168.122.220']);
    expect(poolCounters(c, false, 0, 0)).toEqual({
      assignedIPv4: 0n,
      assignedIPv6: 0n,
      availableIPv4: 21n,
      availableIPv6: 0n,
    });
    expect(poolCounters(c, false, 1, 0)).toEqual({
      assignedIPv4: 1n,
      assignedIPv6: 0n,
      availableIPv4: 20n,
      availableIPv6: 0n,
    });
  });

  it('IPv6 /66 or wider saturates to int64 max, narrower is exact', () => {
    expect(poolCounts(cidrsOf(['2001:db8::/66']), false).ipv6).toBe(INT64_MAX);
    expect(poolCounts(cidrsOf(['2001:db8::/64']), false).ipv6).toBe(9223372036854775807n);
    expect(poolCounts(cidrsOf(['2001:db8::/67']), false).ipv6).toBe(2n ** 61n);
    expect(poolCounts(cidrsOf(['2001:db8::/120']), true).ipv6).toBe(256n);
    // Saturated sums stay at the maximum instead of wrapping like Go's int64.
    expect(poolCounts(cidrsOf(['2001:db8::/64', '2001:db9::/120']), false).ipv6).toBe(INT64_MAX);
  });

  it('dual-stack pool counts each family apart', () => {
    const c = poolCounts(cidrsOf(['10.0.0.0/30', '2001:db8::/126']), false);
    expect([c.ipv4, c.ipv6, c.total]).toEqual([4n, 4n, 8n]);
  });

  it('exact JSON keeps int64 digits', () => {
    const s = poolCounters(cidrsOf(['2001:db8::/64']), false, 0, 1);
    expect(poolStatusJson(s)).toBe(
      '{"assignedIPv4":0,"assignedIPv6":1,"availableIPv4":0,"availableIPv6":9223372036854775806}',
    );
  });
});
