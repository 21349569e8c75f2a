import { describe, expect, it } from 'vitest';
import { stableJson } from '../../src/core/stable-json.js';

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
