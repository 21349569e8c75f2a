import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildConfig } from '../../src/metallb/config.js';
import { parseCommunity } from '../../src/metallb/community.js';
import { formatGoDuration, parseGoDuration } from '../../src/metallb/duration.js';
import { MetallbInputError } from '../../src/metallb/errors.js';
import {
  cidrFirst,
  cidrLast,
  formatIP,
  parseCIDR,
  parseIP,
  summarizeRange,
} from '../../src/metallb/ip.js';
import { parseAddressEntry } from '../../src/metallb/pool.js';
import { resources } from './fixtures.js';

describe('bad input never crashes', () => {
  it('string parsers return a value or a refusal for any text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (s) => {
        parseIP(s);
        parseCIDR(s);
        parseAddressEntry(s);
        parseCommunity(s);
        parseGoDuration(s);
      }),
      { numRuns: 2000 },
    );
  });

  it('buildConfig on arbitrary JSON: a result, or MetallbInputError with its code', () => {
    fc.assert(
      fc.property(
        fc.array(fc.jsonValue(), { maxLength: 3 }),
        fc.array(fc.jsonValue(), { maxLength: 3 }),
        (pools, peers) => {
          try {
            buildConfig(resources({ pools: pools as never, peers: peers as never }), {
              component: 'speaker',
              node: 'n',
            });
          } catch (e) {
            expect(e).toBeInstanceOf(MetallbInputError);
            expect((e as MetallbInputError).code).toBe('ERR_METALLB_MALFORMED_INPUT');
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('properties', () => {
  it('summarizeRange covers exactly [start, end] with aligned, contiguous prefixes', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 2n ** 32n - 1n }),
        fc.bigInt({ min: 0n, max: 2n ** 32n - 1n }),
        (a, b) => {
          const [lo, hi] = a <= b ? [a, b] : [b, a];
          const cidrs = summarizeRange(
            { family: 'ipv4', value: lo },
            { family: 'ipv4', value: hi },
          );
          expect(cidrFirst(cidrs[0]!).value).toBe(lo);
          expect(cidrLast(cidrs[cidrs.length - 1]!).value).toBe(hi);
          for (let i = 1; i < cidrs.length; i++) {
            expect(cidrFirst(cidrs[i]!).value).toBe(cidrLast(cidrs[i - 1]!).value + 1n);
          }
          expect(cidrs.length).toBeLessThanOrEqual(62);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('IPv6 text round-trips through parse and RFC 5952 format', () => {
    fc.assert(
      fc.property(fc.ipV6(), (s) => {
        const ip = parseIP(s);
        expect(ip).toBeDefined();
        const again = parseIP(formatIP(ip!));
        expect(again?.value).toBe(ip!.value);
      }),
      { numRuns: 1000 },
    );
  });

  it('Go duration text round-trips', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 ** 12 }), (ms) => {
        const ns = ms * 1e6;
        expect(parseGoDuration(formatGoDuration(ns))).toBe(ns);
      }),
    );
    expect(formatGoDuration(90e9)).toBe('1m30s');
    expect(formatGoDuration(3600e9)).toBe('1h0m0s');
    expect(formatGoDuration(1.5e9)).toBe('1.5s');
    expect(formatGoDuration(500e6)).toBe('500ms');
    expect(parseGoDuration('1h2m3.5s')).toBe(3723.5e9);
    expect(parseGoDuration('10')).toBeUndefined();
  });
});
