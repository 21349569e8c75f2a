import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { SeededRandom } from '../../src/core/random.js';
import { ApiServer } from '../../src/k8s/api-server.js';
import { call as callServer, type StatusBody } from './helpers.js';

/**
 * Bad input gets what a real API server answers: the HTTP code and a Status body with the
 * same reason (and field causes for 422). The server keeps serving afterwards.
 */

let server: ApiServer;
const POOLS = '/apis/metallb.io/v1beta1/namespaces/metallb-system/ipaddresspools';

const call = (method: string, path: string, body?: string, contentType?: string) =>
  callServer(server, method, path, body, contentType);

const pool = (name: string, spec: unknown = { addresses: ['198.18.0.0/24'] }) =>
  JSON.stringify({
    apiVersion: 'metallb.io/v1beta1',
    kind: 'IPAddressPool',
    metadata: { name },
    spec,
  });

describe('bad input', () => {
  beforeAll(async () => {
    server = await ApiServer.start({
      clock: new ManualClock(),
      random: new SeededRandom(1),
      namespaces: ['metallb-system'],
    });
  });
  afterAll(async () => {
    await server.close();
  });

  it('a body that is neither JSON nor YAML is 400 BadRequest', async () => {
    const r = await call('POST', POOLS, '{"apiVersion": ', 'application/json');
    expect([r.code, r.body.kind, r.body.reason, r.body.code]).toEqual([
      400,
      'Status',
      'BadRequest',
      400,
    ]);
    const y = await call('POST', POOLS, 'a: [unclosed', 'application/yaml');
    expect([y.code, y.body.reason]).toEqual([400, 'BadRequest']);
  });

  it('a schema violation is 422 Invalid with field causes', async () => {
    const r = await call('POST', POOLS, pool('bad', { autoAssign: 'yes' }));
    expect([r.code, r.body.reason, r.body.status]).toEqual([422, 'Invalid', 'Failure']);
    expect(r.body.details?.kind).toBe('IPAddressPool');
    expect(r.body.details?.group).toBe('metallb.io');
    const causes = (r.body.details?.causes ?? []).map((c) => [c.reason, c.field]);
    expect(causes).toContainEqual(['FieldValueRequired', 'spec.addresses']);
    expect(causes).toContainEqual(['FieldValueTypeInvalid', 'spec.autoAssign']);
  });

  it('an enum and a bound violation name their fields', async () => {
    const peer = JSON.stringify({
      apiVersion: 'metallb.io/v1beta2',
      kind: 'BGPPeer',
      metadata: { name: 'p' },
      spec: {
        myASN: 64500,
        peerASN: 1,
        peerAddress: '192.0.2.1',
        dynamicASN: 'sideways',
        peerPort: 70000,
      },
    });
    const r = await call(
      'POST',
      '/apis/metallb.io/v1beta2/namespaces/metallb-system/bgppeers',
      peer,
    );
    expect(r.code).toBe(422);
    const causes = (r.body.details?.causes ?? []).map((c) => [c.reason, c.field]);
    expect(causes).toContainEqual(['FieldValueNotSupported', 'spec.dynamicASN']);
    expect(causes).toContainEqual(['FieldValueInvalid', 'spec.peerPort']);
  });

  it('an unknown resource is 404 NotFound', async () => {
    const r = await call('GET', '/apis/metallb.io/v1beta1/namespaces/metallb-system/widgets');
    expect([r.code, r.body.reason]).toEqual([404, 'NotFound']);
    const g = await call('GET', '/apis/nothing.example.com/v1');
    expect([g.code, g.body.reason]).toEqual([404, 'NotFound']);
  });

  it('a cluster-scoped kind under a namespace path is 404; a namespaced kind without one lists all', async () => {
    const r = await call(
      'GET',
      '/apis/frrk8s.metallb.io/v1beta1/namespaces/metallb-system/frrnodestates',
    );
    expect([r.code, r.body.reason]).toEqual([404, 'NotFound']);
    const all = await call('GET', '/apis/metallb.io/v1beta1/ipaddresspools');
    expect(all.code).toBe(200);
    expect(all.body['kind']).toBe('IPAddressPoolList');
  });

  it('a stale resourceVersion is 409 Conflict; an existing name is 409 AlreadyExists', async () => {
    const created = await call('POST', POOLS, pool('p1'));
    expect(created.code).toBe(201);
    const obj = created.body as unknown as { metadata: { resourceVersion: string } };
    const first = await call(
      'PUT',
      `${POOLS}/p1`,
      JSON.stringify({ ...obj, spec: { addresses: ['198.18.1.0/24'] } }),
    );
    expect(first.code).toBe(200);
    const stale = await call(
      'PUT',
      `${POOLS}/p1`,
      JSON.stringify({ ...obj, spec: { addresses: ['198.18.2.0/24'] } }),
    );
    expect([stale.code, stale.body.reason, stale.body.details?.name]).toEqual([
      409,
      'Conflict',
      'p1',
    ]);
    const again = await call('POST', POOLS, pool('p1'));
    expect([again.code, again.body.reason]).toEqual([409, 'AlreadyExists']);
  });

  it('a missing object is 404 NotFound naming plural, group and name', async () => {
    const r = await call('GET', `${POOLS}/absent`);
    expect([
      r.code,
      r.body.reason,
      r.body.details?.name,
      r.body.details?.group,
      r.body.details?.kind,
    ]).toEqual([404, 'NotFound', 'absent', 'metallb.io', 'ipaddresspools']);
    const d = await call('DELETE', `${POOLS}/absent`);
    expect([d.code, d.body.reason]).toEqual([404, 'NotFound']);
  });

  it('a namespace that does not exist is 404 NotFound', async () => {
    const r = await call(
      'POST',
      '/apis/metallb.io/v1beta1/namespaces/nowhere/ipaddresspools',
      pool('x'),
    );
    expect([r.code, r.body.reason, r.body.details?.kind]).toEqual([404, 'NotFound', 'namespaces']);
  });

  it('a body whose namespace differs from the URL is 400; a body of the wrong kind is 400', async () => {
    const other = JSON.stringify({
      apiVersion: 'metallb.io/v1beta1',
      kind: 'IPAddressPool',
      metadata: { name: 'n', namespace: 'default' },
      spec: { addresses: [] },
    });
    expect((await call('POST', POOLS, other)).body.reason).toBe('BadRequest');
    const kind = JSON.stringify({
      apiVersion: 'metallb.io/v1beta1',
      kind: 'Community',
      metadata: { name: 'n' },
    });
    expect((await call('POST', POOLS, kind)).code).toBe(400);
  });

  it('an unknown field is rejected under fieldValidation=Strict and pruned otherwise', async () => {
    const body = pool('strict', { addresses: ['198.18.3.0/24'], colour: 'red' });
    const strict = await call('POST', `${POOLS}?fieldValidation=Strict`, body);
    expect([strict.code, strict.body.reason]).toEqual([400, 'BadRequest']);
    const lax = await call('POST', POOLS, body);
    expect(lax.code).toBe(201);
    expect((lax.body['spec'] as Record<string, unknown>)['colour']).toBeUndefined();
  });

  it('an unsupported patch type is 415; strategic merge on a custom resource is 415', async () => {
    expect((await call('PATCH', `${POOLS}/p1`, '{}', 'text/plain')).code).toBe(415);
    const smp = await call(
      'PATCH',
      `${POOLS}/p1`,
      '{"spec":{}}',
      'application/strategic-merge-patch+json',
    );
    expect([smp.code, smp.body.reason]).toEqual([415, 'UnsupportedMediaType']);
  });

  it('a JSON patch that fails its test operation is 422 and changes nothing', async () => {
    const before = (await call('GET', `${POOLS}/p1`)).body as unknown as {
      metadata: { resourceVersion: string };
    };
    const r = await call(
      'PATCH',
      `${POOLS}/p1`,
      JSON.stringify([
        { op: 'test', path: '/spec/autoAssign', value: false },
        { op: 'remove', path: '/spec' },
      ]),
      'application/json-patch+json',
    );
    expect(r.code).toBe(422);
    const after = (await call('GET', `${POOLS}/p1`)).body as unknown as {
      metadata: { resourceVersion: string };
    };
    expect(after.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
  });

  it('an immutable status field (CEL self == oldSelf) cannot change', async () => {
    const path = '/apis/metallb.io/v1beta1/namespaces/metallb-system/servicebgpstatuses';
    const created = await call(
      'POST',
      path,
      JSON.stringify({
        apiVersion: 'metallb.io/v1beta1',
        kind: 'ServiceBGPStatus',
        metadata: { name: 's' },
        spec: {},
      }),
    );
    expect(created.code).toBe(201);
    const set = await call(
      'PATCH',
      `${path}/s/status`,
      JSON.stringify({ status: { node: 'worker0' } }),
      'application/merge-patch+json',
    );
    expect(set.code).toBe(200);
    const change = await call(
      'PATCH',
      `${path}/s/status`,
      JSON.stringify({ status: { node: 'worker1' } }),
      'application/merge-patch+json',
    );
    expect([change.code, change.body.reason, change.body.details?.causes?.[0]?.field]).toEqual([
      422,
      'Invalid',
      'status.node',
    ]);
  });

  it('a bad label selector is 400, a bad watch resourceVersion is a 410 ERROR event', async () => {
    expect(
      (await call('GET', `${POOLS}?labelSelector=${encodeURIComponent('a in (b')}`)).code,
    ).toBe(400);
    // A server that remembers only the last 2 events: resuming from an older one is 410.
    const short = await ApiServer.start({ historySize: 2, namespaces: ['metallb-system'] });
    try {
      const oldest = short.store.currentRv();
      for (const [i, name] of ['a', 'b', 'c'].entries()) {
        const res = await fetch(`${short.url}${POOLS}`, {
          method: 'POST',
          // Distinct ranges: MetalLB's webhook refuses overlapping pools.
          body: pool(name, { addresses: [`198.18.${i}.0/24`] }),
          headers: { 'Content-Type': 'application/json' },
        });
        expect(res.status).toBe(201);
      }
      const res = await fetch(`${short.url}${POOLS}?watch=true&resourceVersion=${oldest}`);
      const text = await res.text();
      const event = JSON.parse(text.trim().split('\n')[0] ?? '{}') as {
        type: string;
        object: StatusBody;
      };
      expect([event.type, event.object.code, event.object.reason]).toEqual([
        'ERROR',
        410,
        'Expired',
      ]);
    } finally {
      await short.close();
    }
  });

  it('a field selector on a label the kind does not support is 400, like the real server', async () => {
    const bad = await call(
      'GET',
      `${POOLS}?fieldSelector=${encodeURIComponent('status.assignedIPv4=1')}`,
    );
    expect([bad.code, bad.body.reason]).toEqual([400, 'BadRequest']);
    expect(
      (await call('GET', `${POOLS}?fieldSelector=${encodeURIComponent('metadata.name=p1')}`)).code,
    ).toBe(200);
    const events = await call(
      'GET',
      `/api/v1/namespaces/default/events?fieldSelector=${encodeURIComponent('involvedObject.name=x,type=Normal')}`,
    );
    expect(events.code).toBe(200);
  });

  it('random paths, methods, content types and bodies never break the server', async () => {
    const random = new SeededRandom(99);
    const pick = <T>(xs: T[]): T => xs[Math.floor(random.next() * xs.length)] as T;
    const paths = [
      POOLS,
      `${POOLS}/p1`,
      `${POOLS}/p1/status`,
      '/api/v1/namespaces',
      '/api/v1/namespaces/x/services/y',
      '/apis/apps/v1/namespaces/default/deployments/d/scale',
      '/apis//v1',
      '/api/v1/namespaces/%ZZ',
      '/openapi/v3/apis/x/y',
    ];
    const types = [
      'application/json',
      'application/yaml',
      'application/merge-patch+json',
      'application/json-patch+json',
      'application/apply-patch+yaml',
      'application/strategic-merge-patch+json',
      'application/vnd.kubernetes.protobuf',
    ];
    const bodies = [
      '',
      '{',
      '[]',
      'null',
      '"x"',
      '{"metadata":{"name":5}}',
      '{"metadata":{"labels":{"a":1}}}',
      'k8s\u0000\u0012\u0003abc',
      '- op: remove\n  path: /spec',
      '{"spec":{"addresses":"x"}}',
      '&a [*a, *a]',
    ];
    for (let i = 0; i < 150; i++) {
      const method = pick(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);
      const contentType = pick(types);
      const path = pick(paths);
      const init: RequestInit = { method, headers: { 'Content-Type': contentType } };
      if (method !== 'GET') init.body = pick(bodies);
      const res = await fetch(server.url + path, init);
      const text = await res.text();
      expect(
        res.status,
        `${method} ${path} ${contentType} ${String(init.body)}: ${text}`,
      ).toBeLessThan(500);
    }
    expect((await fetch(`${server.url}/version`)).status).toBe(200);
  });

  it('a port in use is a typed start error', async () => {
    await expect(ApiServer.start({ port: server.port, crdDir: false })).rejects.toMatchObject({
      code: 'ERR_K8S_LISTEN_FAILED',
    });
  });

  it('requires the bearer token when one is set', async () => {
    const guarded = await ApiServer.start({ token: 's3cret', crdDir: false });
    try {
      const res = await fetch(`${guarded.url}/api/v1/namespaces`);
      expect(res.status).toBe(401);
      const ok = await fetch(`${guarded.url}/api/v1/namespaces`, {
        headers: { Authorization: 'Bearer s3cret' },
      });
      expect(ok.status).toBe(200);
    } finally {
      await guarded.close();
    }
  });
});
