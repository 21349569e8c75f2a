import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { jsonEqual, stableJson } from '../../src/core/stable-json.js';

describe('stableJson', () => {
  it('sorts keys at every level and leaves undefined fields out', () => {
    expect(stableJson({ b: 1, a: { d: [{ z: 1, y: 2 }], c: undefined } })).toBe(
      '{"a":{"d":[{"y":2,"z":1}]},"b":1}',
    );
  });

  it('sorts integer-like keys as strings, as Go encoding/json does ("10" before "2")', () => {
    expect(stableJson({ '2': 'b', '10': 'a', x: 1 })).toBe('{"10":"a","2":"b","x":1}');
  });

  it('serialises what JSON.stringify would, apart from key order', () => {
    const value = { when: new Date(0), list: [undefined, () => 1, 'x'], f: () => 1, n: null };
    expect(JSON.parse(stableJson(value))).toEqual(JSON.parse(JSON.stringify(value)));
    expect(stableJson(undefined)).toBe('null');
  });
});

describe('jsonEqual', () => {
  it('agrees with comparing stableJson texts', () => {
    const value = fc.oneof(
      fc.jsonValue(),
      fc.constantFrom(undefined, () => 1, new Date(0), [undefined, 1]),
    );
    // A copy with every object's keys in reverse order.
    const mutate = (v: unknown): unknown => {
      if (Array.isArray(v)) return v.map(mutate);
      if (v === null || typeof v !== 'object' || v instanceof Date) return v;
      return Object.fromEntries(
        Object.entries(v)
          .reverse()
          .map(([k, x]) => [k, mutate(x)]),
      );
    };
    fc.assert(
      fc.property(value, value, fc.boolean(), (a, b, same) => {
        const x = a;
        const y = same ? mutate(a) : b;
        expect(jsonEqual(x, y)).toBe(stableJson(x) === stableJson(y));
      }),
      { numRuns: 2000 },
    );
  });

  it('ignores key order and undefined fields; sees every other difference', () => {
    expect(jsonEqual({ a: 1, b: { c: [1, 2] } }, { b: { c: [1, 2] }, a: 1 })).toBe(true);
    expect(jsonEqual({ a: 1, u: undefined }, { a: 1 })).toBe(true);
    expect(jsonEqual({ a: 1 }, { a: 1, b: null })).toBe(false);
    expect(jsonEqual([undefined], [null])).toBe(true);
    expect(jsonEqual({ a: [1, 2] }, { a: [2, 1] })).toBe(false);
    expect(jsonEqual({ a: '1' }, { a: 1 })).toBe(false);
    expect(jsonEqual({}, [])).toBe(false);
  });
});
