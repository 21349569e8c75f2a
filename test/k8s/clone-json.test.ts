import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cloneJson } from '../../src/k8s/resource-type.js';

describe('cloneJson', () => {
  it('copies JSON data deeply: equal, and sharing no object or array', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const copy = cloneJson(value);
        expect(JSON.stringify(copy)).toBe(JSON.stringify(value));
        const shared = (a: unknown, b: unknown): boolean =>
          a !== null &&
          typeof a === 'object' &&
          (a === b ||
            Object.keys(a).some((k) =>
              shared((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]),
            ));
        expect(shared(copy, value)).toBe(false);
      }),
      { numRuns: 500 },
    );
  });

  it('keeps a "__proto__" key as data instead of setting the prototype', () => {
    const parsed = JSON.parse('{"__proto__":{"polluted":true},"a":1}') as Record<string, unknown>;
    const copy = cloneJson(parsed);
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect((copy as { polluted?: unknown }).polluted).toBeUndefined();
    expect(JSON.stringify(copy)).toBe('{"__proto__":{"polluted":true},"a":1}');
  });

  it('copies what is not plain JSON data (a Date) as structuredClone does', () => {
    const copy = cloneJson({ when: new Date(5) });
    expect(copy.when).toBeInstanceOf(Date);
    expect(copy.when.getTime()).toBe(5);
  });
});
