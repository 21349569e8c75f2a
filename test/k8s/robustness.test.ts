import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiServer } from '../../src/k8s/api-server.js';
import type { PatchType } from '../../src/k8s/api/resource-service.js';
import { ApiStatusError } from '../../src/k8s/errors.js';

/**
 * Arbitrary bodies and patches through every write path: the only failures allowed are
 * ApiStatusErrors (a Status answer), never another exception.
 */

let server: ApiServer;
const NS = 'metallb-system';

function onlyStatusErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof ApiStatusError)) throw err;
    expect(err.httpCode).toBeGreaterThanOrEqual(400);
    expect(err.httpCode).toBeLessThan(500);
  }
}

const plurals: Array<[string, string, string]> = [
  ['metallb.io', 'v1beta1', 'ipaddresspools'],
  ['metallb.io', 'v1beta1', 'configurationstates'],
  ['metallb.io', 'v1beta2', 'bgppeers'],
  ['', 'v1', 'services'],
  ['apps', 'v1', 'deployments'],
  ['', 'v1', 'secrets'],
];

describe('robustness of the write paths', () => {
  beforeAll(async () => {
    server = await ApiServer.start({ namespaces: [NS] });
  });
  afterAll(async () => {
    await server.close();
  });

  it('create, update, every patch type and apply with arbitrary JSON', () => {
    const body = fc.oneof(
      fc.jsonValue(),
      fc.record({
        metadata: fc.record(
          { name: fc.constantFrom('x', 'y'), labels: fc.jsonValue() },
          { requiredKeys: ['name'] },
        ),
        spec: fc.jsonValue(),
        status: fc.jsonValue(),
      }),
    );
    const patchType = fc.constantFrom<PatchType>('merge', 'json', 'strategic', 'apply');
    fc.assert(
      fc.property(
        fc.constantFrom(...plurals),
        body,
        body,
        patchType,
        fc.boolean(),
        ([g, v, p], first, second, pt, status) => {
          const type = server.registry.find(g, v, p);
          if (!type) throw new Error(`${p} not served`);
          onlyStatusErrors(() => server.service.create(type, NS, first));
          onlyStatusErrors(() =>
            server.service.update(
              type,
              NS,
              'x',
              second,
              status && type.statusSubresource ? 'status' : undefined,
            ),
          );
          onlyStatusErrors(() =>
            server.service.patch(
              type,
              NS,
              'x',
              pt,
              second,
              status && type.statusSubresource ? 'status' : undefined,
              { fieldManager: 'fuzz' },
            ),
          );
          onlyStatusErrors(() => server.service.delete(type, NS, 'y'));
        },
      ),
      { numRuns: 400 },
    );
  });

  it('server-side apply of arbitrary condition lists from several managers', () => {
    const type = server.registry.find('metallb.io', 'v1beta1', 'configurationstates');
    if (!type) throw new Error('configurationstates not served');
    onlyStatusErrors(() => server.service.create(type, NS, { metadata: { name: 'ssa' } }));
    const condition = fc.record(
      {
        type: fc.constantFrom('a', 'b', 'c', 7),
        status: fc.constantFrom('True', 'False', 'Maybe'),
        reason: fc.constantFrom('Reconciled', 'x y'),
        message: fc.string(),
        lastTransitionTime: fc.constantFrom('2026-01-01T00:00:00Z', 'yesterday'),
      },
      { requiredKeys: [] },
    );
    const status = fc.record(
      {
        conditions: fc.array(fc.oneof(condition, fc.jsonValue()), { maxLength: 4 }),
        result: fc.constantFrom('Valid', 'Invalid', 'Nope'),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.constantFrom('m1', 'm2', 'm3'), status, fc.boolean(), (manager, st, force) => {
        onlyStatusErrors(() =>
          server.service.patch(
            type,
            NS,
            'ssa',
            'apply',
            {
              apiVersion: 'metallb.io/v1beta1',
              kind: 'ConfigurationState',
              metadata: { name: 'ssa' },
              status: st,
            },
            'status',
            { fieldManager: manager, force },
          ),
        );
      }),
      { numRuns: 400 },
    );
  });
});
