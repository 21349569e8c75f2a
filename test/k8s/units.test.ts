import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SeededRandom } from '../../src/core/random.js';
import { GENERATE_NAME_ALPHABET, generateNameSuffix, randomUid } from '../../src/k8s/api/names.js';
import { ApiStatusError } from '../../src/k8s/errors.js';
import { applyJsonPatch } from '../../src/k8s/patch/json-patch.js';
import { applyMergePatch } from '../../src/k8s/patch/merge-patch.js';
import { applyStrategicMergePatch } from '../../src/k8s/patch/strategic-merge.js';
import { compareKubeVersions } from '../../src/k8s/registry.js';
import {
  matchesFields,
  matchesLabels,
  parseFieldSelector,
  parseLabelSelector,
} from '../../src/k8s/selectors.js';
import { humanDuration } from '../../src/k8s/table/human-duration.js';
import { ObjectStore } from '../../src/k8s/store/object-store.js';
import { columnText, evaluateColumnPath } from '../../src/k8s/table/jsonpath.js';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

describe('humanDuration (apimachinery duration.HumanDuration)', () => {
  it.each([
    [-2 * S, '<invalid>'],
    [0, '0s'],
    [119 * S, '119s'],
    [2 * M, '2m'],
    [5 * M + 30 * S, '5m30s'],
    [28 * M, '28m'],
    [75 * M, '75m'],
    [179 * M, '179m'],
    [3 * H, '3h'],
    [7 * H + 59 * M, '7h59m'],
    [8 * H, '8h'],
    [47 * H, '47h'],
    [2 * D + 3 * H, '2d3h'],
    [8 * D, '8d'],
    [730 * D, '2y'],
    [731 * D, '2y1d'],
  ])('%i ms -> %s', (ms, text) => {
    expect(humanDuration(ms)).toBe(text);
  });
});

describe('selectors', () => {
  const obj = {
    metadata: { name: 'a', namespace: 'ns', labels: { app: 'x', tier: 'web' } },
    status: { phase: 'Up' },
  };
  it.each([
    ['app=x', true],
    ['app==x', true],
    ['app!=x', false],
    ['app in (y, x)', true],
    ['app notin (x)', false],
    ['tier', true],
    ['!tier', false],
    ['app=x,tier=db', false],
    ['missing!=v', true],
  ])('label selector %s -> %s', (sel, want) => {
    expect(matchesLabels(parseLabelSelector(sel), obj)).toBe(want);
  });
  it('field selectors address dotted paths', () => {
    expect(matchesFields(parseFieldSelector('metadata.name=a,status.phase=Up'), obj)).toBe(true);
    expect(matchesFields(parseFieldSelector('metadata.namespace!=ns'), obj)).toBe(false);
  });
  it('the store filters a list before sorting it by namespace, then name', () => {
    const store = new ObjectStore();
    for (const [ns, name, app] of [
      ['b', 'z', 'x'],
      ['a', 'y', 'x'],
      ['a', 'c', 'other'],
      ['a', 'b', 'x'],
    ] as const) {
      store.put('cm', { metadata: { namespace: ns, name, labels: { app } } }, 'ADDED');
    }
    const sel = parseLabelSelector('app=x');
    const ids = (objs: { metadata?: { namespace?: string; name?: string } }[]) =>
      objs.map((o) => `${o.metadata?.namespace}/${o.metadata?.name}`);
    expect(ids(store.list('cm', undefined, (o) => matchesLabels(sel, o)))).toEqual([
      'a/b',
      'a/y',
      'b/z',
    ]);
    expect(ids(store.list('cm', 'a'))).toEqual(['a/b', 'a/c', 'a/y']);
  });
  it('a malformed selector is a 400 BadRequest', () => {
    try {
      parseLabelSelector('a in (b');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ApiStatusError);
      expect((err as ApiStatusError).httpCode).toBe(400);
      expect((err as ApiStatusError).code).toBe('ERR_K8S_BADREQUEST');
    }
  });
});

describe('JSON merge patch (RFC 7386)', () => {
  // RFC 7386 Appendix A examples.
  it.each([
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [
      ['a', 'b'],
      ['c', 'd'],
      ['c', 'd'],
    ],
    [{ a: 'b' }, ['c'], ['c']],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
  ])('%j + %j = %j', (target, patch, result) => {
    expect(applyMergePatch(target, patch)).toEqual(result);
  });
});

describe('JSON patch (RFC 6902)', () => {
  it('applies add, remove, replace, move, copy and test', () => {
    const doc = { a: { b: [1, 2] }, c: 'x' };
    const out = applyJsonPatch(doc, [
      { op: 'add', path: '/a/b/1', value: 9 },
      { op: 'add', path: '/a/b/-', value: 3 },
      { op: 'remove', path: '/c' },
      { op: 'replace', path: '/a/b/0', value: 0 },
      { op: 'copy', from: '/a/b', path: '/d' },
      { op: 'move', from: '/d', path: '/e~1f' },
      { op: 'test', path: '/e~1f/1', value: 9 },
    ]);
    expect(out).toEqual({ a: { b: [0, 9, 2, 3] }, 'e/f': [0, 9, 2, 3] });
    expect(doc).toEqual({ a: { b: [1, 2] }, c: 'x' });
  });
  it('rejects an index out of range and a failed test with 422', () => {
    for (const patch of [
      [{ op: 'add', path: '/a/5', value: 1 }],
      [{ op: 'test', path: '/a/0', value: 2 }],
      [{ op: 'remove', path: '/nope' }],
    ]) {
      try {
        applyJsonPatch({ a: [1] }, patch);
        expect.unreachable();
      } catch (err) {
        expect((err as ApiStatusError).httpCode).toBe(422);
      }
    }
  });
  it('never throws anything but ApiStatusError on arbitrary patches', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (doc, patch) => {
        try {
          applyJsonPatch(doc, patch);
        } catch (err) {
          if (!(err instanceof ApiStatusError)) throw err;
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('strategic merge patch', () => {
  it('merges containers by name and service ports by port, honours $patch: delete', () => {
    const deployment = {
      spec: {
        template: {
          spec: {
            containers: [
              { name: 'a', image: 'a:1' },
              { name: 'b', image: 'b:1' },
            ],
          },
        },
      },
    };
    const out = applyStrategicMergePatch(deployment, {
      spec: {
        template: {
          spec: {
            containers: [
              { name: 'b', image: 'b:2' },
              { name: 'a', $patch: 'delete' },
            ],
            '$setElementOrder/containers': [{ name: 'b' }],
          },
        },
      },
    });
    expect(out).toEqual({
      spec: { template: { spec: { containers: [{ name: 'b', image: 'b:2' }] } } },
    });
    const svc = applyStrategicMergePatch(
      { spec: { ports: [{ port: 80, nodePort: 30001 }] } },
      { spec: { ports: [{ port: 80, targetPort: 8080 }] } },
    );
    expect(svc).toEqual({ spec: { ports: [{ port: 80, nodePort: 30001, targetPort: 8080 }] } });
  });
  it('unions finalizers and deletes from primitive lists', () => {
    const out = applyStrategicMergePatch(
      { metadata: { finalizers: ['a', 'b'] } },
      { metadata: { finalizers: ['c'], '$deleteFromPrimitiveList/finalizers': ['a'] } },
    );
    expect(out).toEqual({ metadata: { finalizers: ['b', 'c'] } });
  });
});

describe('names and versions', () => {
  it('generateName suffixes use only the apiserver alphabet', () => {
    const r = new SeededRandom(3);
    for (let i = 0; i < 200; i++) {
      const s = generateNameSuffix(r);
      expect(s).toHaveLength(5);
      for (const c of s) expect(GENERATE_NAME_ALPHABET).toContain(c);
    }
  });
  it('uids are RFC 4122 version 4', () => {
    expect(randomUid(new SeededRandom(1))).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });
  it('orders versions GA > beta > alpha, higher first', () => {
    expect(
      ['v1beta1', 'v1', 'v1alpha1', 'v1beta2', 'v2'].sort((a, b) => compareKubeVersions(b, a)),
    ).toEqual(['v2', 'v1', 'v1beta2', 'v1beta1', 'v1alpha1']);
  });
});

describe('printer column paths', () => {
  const obj = { status: { peer: '10.0.0.1', list: ['a', 'b'], 'dot.key': 'd' }, spec: { n: 3 } };
  it('evaluates simple JSONPath, blank (undefined) when missing', () => {
    expect(evaluateColumnPath(obj, '.status.peer')).toBe('10.0.0.1');
    expect(evaluateColumnPath(obj, '.status.list[1]')).toBe('b');
    expect(evaluateColumnPath(obj, '.status.dot\\.key')).toBe('d');
    expect(evaluateColumnPath(obj, '.status.vrf')).toBeUndefined();
    expect(evaluateColumnPath(obj, '.status.peer.deeper')).toBeUndefined();
  });
  it('prints arrays as JSON in string columns', () => {
    expect(columnText(['bgp-pool'])).toBe('["bgp-pool"]');
    expect(columnText(3)).toBe('3');
  });
});
