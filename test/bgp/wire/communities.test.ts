import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CommunityParseError,
  WellKnownCommunity,
  formatCommunity,
  formatExtendedCommunity,
  formatLargeCommunity,
  parseCommunity,
  parseExtendedCommunity,
  parseLargeCommunity,
} from '../../../src/bgp/wire/index.js';

describe('RFC 1997 communities', () => {
  const rows: [string, number][] = [
    ['65000:100', 0xfde80064],
    ['0:0', 0],
    ['65535:65535', 0xffffffff],
    ['NO_EXPORT', 0xffffff01],
    ['no-export', 0xffffff01],
    ['NO_ADVERTISE', 0xffffff02],
    ['NO_EXPORT_SUBCONFED', 0xffffff03],
    ['local-AS', 0xffffff03],
    ['NO_PEER', 0xffffff04],
    ['BLACKHOLE', 0xffff029a],
    ['GRACEFUL_SHUTDOWN', 0xffff0000],
    ['ACCEPT_OWN', 0xffff0001],
    ['LLGR_STALE', 0xffff0006],
    ['NO_LLGR', 0xffff0007],
    ['4294967041', 0xffffff01],
  ];
  for (const [text, value] of rows) {
    it(`parses ${text}`, () => expect(parseCommunity(text)).toBe(value));
  }
  it('formats well-known values by name unless numeric is asked for', () => {
    expect(formatCommunity(WellKnownCommunity.NO_EXPORT)).toBe('NO_EXPORT');
    expect(formatCommunity(WellKnownCommunity.NO_EXPORT, { numeric: true })).toBe('65535:65281');
    expect(formatCommunity(0xfde80064)).toBe('65000:100');
  });
  it('round-trips every 32-bit value', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (v) => {
        expect(parseCommunity(formatCommunity(v))).toBe(v);
      }),
    );
  });
  for (const bad of ['65536:1', '1:65536', '1:2:3', 'abc', '', '-1:5', '1.5:2', 'NO_SUCH']) {
    it(`refuses ${JSON.stringify(bad)}`, () => {
      expect(() => parseCommunity(bad)).toThrow(CommunityParseError);
      try {
        parseCommunity(bad);
      } catch (e) {
        expect((e as CommunityParseError).code).toBe('ERR_BGP_COMMUNITY_SYNTAX');
      }
    });
  }
});

describe('RFC 8092 large communities', () => {
  it('parses and formats "a:b:c" with 32-bit parts', () => {
    expect(parseLargeCommunity('4294967295:0:1')).toEqual([4294967295, 0, 1]);
    expect(formatLargeCommunity([65000, 1, 2])).toBe('65000:1:2');
    for (const bad of ['1:2', '1:2:4294967296', 'a:b:c'])
      expect(() => parseLargeCommunity(bad)).toThrow(CommunityParseError);
  });
});

describe('RFC 4360 extended communities', () => {
  const rows: [string, string][] = [
    ['RT:65000:100', '0002fde800000064'],
    ['SoO:65000:7', '0003fde800000007'],
    ['RT:198.18.0.1:7', '0102c61200010007'],
    ['RT:4200000000:7', '0202fa56ea000007'],
  ];
  for (const [text, hex] of rows) {
    it(`${text} <-> ${hex}`, () => {
      expect(parseExtendedCommunity(text).toString('hex')).toBe(hex);
      expect(formatExtendedCommunity(Buffer.from(hex, 'hex'))).toBe(text);
    });
  }
  it('shows other types as hex and parses hex back', () => {
    expect(formatExtendedCommunity(Buffer.from('4004fde84b7423f0', 'hex'))).toBe(
      '4004fde84b7423f0',
    );
    expect(parseExtendedCommunity('4004fde84b7423f0').toString('hex')).toBe('4004fde84b7423f0');
  });
});
