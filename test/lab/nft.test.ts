import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { faultTag, nftFaultRules, nftTableRuleset, rulesWithTag } from '../../src/lab/nft.js';

describe('nft rules for packet faults', () => {
  it('drops BGP to and from one IPv4 peer on TCP 179, both directions and both port sides', () => {
    expect(nftFaultRules('ssim_t', { kind: 'drop-bgp', peer: '198.18.0.2' }).split('\n')).toEqual([
      'add rule inet ssim_t input ip saddr 198.18.0.2 tcp dport 179 counter drop comment "ssim:drop-bgp:198.18.0.2:179"',
      'add rule inet ssim_t output ip daddr 198.18.0.2 tcp dport 179 counter drop comment "ssim:drop-bgp:198.18.0.2:179"',
      'add rule inet ssim_t input ip saddr 198.18.0.2 tcp sport 179 counter drop comment "ssim:drop-bgp:198.18.0.2:179"',
      'add rule inet ssim_t output ip daddr 198.18.0.2 tcp sport 179 counter drop comment "ssim:drop-bgp:198.18.0.2:179"',
    ]);
  });

  it("uses the neighbor's port and matches any peer when none is given", () => {
    const rules = nftFaultRules('ssim_t', { kind: 'drop-bgp', port: 1790 });
    expect(rules).toContain('input tcp dport 1790 counter drop');
    expect(rules).not.toMatch(/saddr|daddr|\b179\b/);
  });

  it('drops BFD control, echo and multihop ports (RFC 5881 4, RFC 5883 5) for an IPv6 peer', () => {
    const rules = nftFaultRules('ssim_t', { kind: 'drop-bfd', peer: '2001:db8::2' }).split('\n');
    expect(rules).toEqual([
      'add rule inet ssim_t input ip6 saddr 2001:db8::2 udp dport { 3784, 3785, 4784 } counter drop comment "ssim:drop-bfd:2001:db8::2"',
      'add rule inet ssim_t output ip6 daddr 2001:db8::2 udp dport { 3784, 3785, 4784 } counter drop comment "ssim:drop-bfd:2001:db8::2"',
    ]);
  });

  it('drops everything to and from one node address (a link down towards that node only)', () => {
    expect(nftFaultRules('ssim_t', { kind: 'drop-all', peer: '2001:db8::10' }).split('\n')).toEqual(
      [
        'add rule inet ssim_t input ip6 saddr 2001:db8::10 counter drop comment "ssim:drop-all:2001:db8::10"',
        'add rule inet ssim_t output ip6 daddr 2001:db8::10 counter drop comment "ssim:drop-all:2001:db8::10"',
      ],
    );
  });

  it('tags are stable and distinct per fault', () => {
    expect(faultTag({ kind: 'drop-bgp' })).toBe(faultTag({ kind: 'drop-bgp', port: 179 }));
    expect(faultTag({ kind: 'drop-bgp', peer: '198.18.0.2' })).not.toBe(
      faultTag({ kind: 'drop-bgp' }),
    );
    expect(faultTag({ kind: 'drop-bfd' })).not.toBe(faultTag({ kind: 'drop-bgp' }));
  });

  it('creates a table with input and output filter chains', () => {
    const t = nftTableRuleset('ssim_t');
    expect(t).toContain('table inet ssim_t {');
    expect(t).toMatch(/chain input \{\s+type filter hook input priority -10; policy accept;/);
    expect(t).toMatch(/chain output \{\s+type filter hook output priority -10; policy accept;/);
  });
});

describe('rulesWithTag', () => {
  // Captured from `nft -j -a list table inet ssim_cap` (nft 1.0.6) after loading the rules of
  // three faults generated above.
  const json = readFileSync(
    resolve(import.meta.dirname, '../fixtures/frr/nft-list-table.json'),
    'utf8',
  );

  it('finds the handles of one fault in both chains', () => {
    expect(rulesWithTag(json, 'ssim:drop-bgp:198.18.0.2:179')).toEqual([
      { chain: 'input', handle: 3 },
      { chain: 'input', handle: 5 },
      { chain: 'output', handle: 4 },
      { chain: 'output', handle: 6 },
    ]);
    expect(rulesWithTag(json, 'ssim:drop-bfd:2001:db8::2').map((r) => r.handle)).toEqual([8, 10]);
    expect(rulesWithTag(json)).toHaveLength(10);
  });

  it('returns nothing for unreadable output', () => {
    expect(rulesWithTag('x')).toEqual([]);
    expect(rulesWithTag('{"nftables": 3}')).toEqual([]);
  });
});
