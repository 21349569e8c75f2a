import * as net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { SeededRandom } from '../../src/core/random.js';
import { ApiServer } from '../../src/k8s/api-server.js';
import { call as callServer } from './helpers.js';
import { MAX_NESTING_DEPTH, MAX_REQUEST_BODY_BYTES } from '../../src/k8s/api/request-body.js';
import { ObjectStore } from '../../src/k8s/store/object-store.js';

/**
 * The API server's contract under abuse (issue 15): the limits and answers of a real
 * kube-apiserver for oversized and hostile bodies, server-side apply by several managers,
 * fieldValidation on builtin kinds, and label selector syntax.
 */

let server: ApiServer;
const CM = '/api/v1/namespaces/default/configmaps';
const POOLS = '/apis/metallb.io/v1beta1/namespaces/metallb-system/ipaddresspools';

const call = (method: string, path: string, body?: string, contentType?: string) =>
  callServer(server, method, path, body, contentType);

const configMap = (name: string, data: Record<string, string>, extra: object = {}): string =>
  JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data, ...extra });

describe('API server under abuse', () => {
  beforeAll(async () => {
    server = await ApiServer.start({
      clock: new ManualClock(),
      random: new SeededRandom(15),
      namespaces: ['metallb-system'],
    });
  });
  afterAll(async () => {
    await server.close();
  });

  it('a body over 3 MiB is 413 RequestEntityTooLarge, as the real server answers', async () => {
    const r = await call('POST', CM, configMap('big', { x: 'a'.repeat(7 * 1024 * 1024) }));
    expect([r.code, r.body.reason, r.body.code]).toEqual([413, 'RequestEntityTooLarge', 413]);
    expect(r.body.message).toContain(String(MAX_REQUEST_BODY_BYTES));
    expect((await call('GET', `${CM}/big`)).code).toBe(404);
  });

  it('requests the HTTP parser refuses get 400 or 431 instead of a reset connection', async () => {
    const raw = (request: string): Promise<string> =>
      new Promise((resolve, reject) => {
        const socket = net.connect(server.port, '127.0.0.1', () => socket.end(request));
        let answer = '';
        socket.setEncoding('utf8').on('data', (d: string) => (answer += d));
        socket.on('close', () => resolve(answer.split('\r\n')[0] ?? ''));
        socket.on('error', reject);
      });
    expect(await raw('BREW /api/v1/namespaces HTTP/1.1\r\nHost: x\r\n\r\n')).toBe(
      'HTTP/1.1 400 Bad Request',
    );
    expect(await raw(`GET / HTTP/1.1\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`)).toBe(
      'HTTP/1.1 431 Request Header Fields Too Large',
    );
  });

  it('ConfigMap data over 1 MiB is 422 Invalid on data', async () => {
    const r = await call('POST', CM, configMap('mib', { x: 'a'.repeat(1024 * 1024 + 1) }));
    expect([r.code, r.body.reason]).toEqual([422, 'Invalid']);
    expect(r.body.details?.causes?.map((c) => [c.reason, c.field])).toEqual([
      ['FieldValueTooLong', 'data'],
    ]);
    const ok = await call('POST', CM, configMap('mib', { x: 'a'.repeat(1024 * 1024) }));
    expect(ok.code).toBe(201);
  });

  it('an object over etcd 1.5 MiB is refused as etcd refuses it and nothing is stored', async () => {
    const node = '/api/v1/nodes/n1';
    expect((await call('POST', '/api/v1/nodes', '{"metadata":{"name":"n1"}}')).code).toBe(201);
    const images = Array.from({ length: 20_000 }, (_, i) => ({
      names: [`registry.example/image-${i}:${'v'.repeat(60)}`],
      sizeBytes: i,
    }));
    const r = await call(
      'PATCH',
      `${node}/status`,
      JSON.stringify({ status: { images } }),
      'application/merge-patch+json',
    );
    // kube-apiserver passes etcd's error through: 500, no reason (kubernetes#112152).
    expect([r.code, r.body.code, r.body.reason]).toEqual([500, 500, undefined]);
    expect(r.body.message).toBe('etcdserver: request is too large');
    const after = await call('GET', node);
    expect(after.body['status']).toBeUndefined();
  });

  it('JSON nested 10^6 deep is 400 quickly, and a depth at the limit is accepted', async () => {
    const deep = (n: number): string => '['.repeat(n) + ']'.repeat(n);
    const started = performance.now();
    const r = await call(
      'PATCH',
      `${CM}/deep?fieldManager=t`,
      `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"deep"},"x":${deep(1_000_000)}}`,
      'application/apply-patch+yaml',
    );
    const elapsed = performance.now() - started;
    expect([r.code, r.body.reason]).toEqual([400, 'BadRequest']);
    // 2 MB scanned once (the stall was 10.8 s); a generous bound for a loaded machine.
    expect(elapsed).toBeLessThan(2_000);
    const yamlDash = await call(
      'PATCH',
      `${CM}/deep?fieldManager=t`,
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: deep\nx:\n${'- '.repeat(500_000)}a\n`,
      'application/apply-patch+yaml',
    );
    expect([yamlDash.code, yamlDash.body.reason]).toEqual([400, 'BadRequest']);
    const flowYaml = await call('POST', CM, `x: ${'{a: '.repeat(20_000)}`, 'application/yaml');
    expect(flowYaml.code).toBe(400);
    // Nesting hidden from a scan that is not a YAML lexer: quotes in plain scalars, quoted ']'.
    const hidden = await call(
      'POST',
      CM,
      `x: it's\ny: [${"a', ']', b', [".repeat(200_000)}`,
      'application/yaml',
    );
    expect([hidden.code, hidden.body.reason]).toEqual([400, 'BadRequest']);
    // Wide is not deep: 5,000 keys of one flow mapping on one line are one level.
    const keys = Array.from({ length: 5_000 }, (_, i) => `k${i}: v`).join(', ');
    const wide = await call(
      'POST',
      CM,
      `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: wide}\ndata: {${keys}}\n`,
      'application/yaml',
    );
    expect(wide.code).toBe(201);
    // At the limit (the body's outer object is one level): accepted; the unknown field goes.
    const limit = await call(
      'POST',
      POOLS,
      JSON.stringify({
        metadata: { name: 'deep' },
        spec: { addresses: ['198.18.0.0/24'] },
        x: JSON.parse(deep(MAX_NESTING_DEPTH - 1)) as unknown,
      }),
    );
    expect(limit.code).toBe(201);
    expect(limit.body['x']).toBeUndefined();
    const over = await call('POST', POOLS, `{"x":${deep(MAX_NESTING_DEPTH)}}`);
    expect([over.code, over.body.reason]).toEqual([400, 'BadRequest']);
  });

  it('a large YAML body is parsed off the server thread: other clients are answered meanwhile', async () => {
    const lines = Array.from({ length: 20_000 }, (_, i) => `  k${i}: "value ${i}"`).join('\n');
    const yaml = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: slow-yaml}\ndata:\n${lines}\n`;
    let answeredAt = 0;
    let probes = 0;
    const posting = call('POST', CM, yaml, 'application/yaml').then((r) => {
      answeredAt = performance.now();
      return r;
    });
    // Probe until the YAML request is answered; each probe must be answered on its own.
    while (answeredAt === 0) {
      const probe = await call('GET', '/api/v1/namespaces/default');
      expect(probe.code).toBe(200);
      if (answeredAt === 0) probes++;
    }
    expect((await posting).code).toBe(201);
    // Parsing ~0.5 MB of YAML takes hundreds of ms: probes got answers while it ran.
    expect(probes).toBeGreaterThan(1);
  });

  it('a second field manager applies its own fields without a conflict on .metadata', async () => {
    const apply = (manager: string, data: Record<string, string>, force = false) =>
      call(
        'PATCH',
        `${CM}/shared?fieldManager=${manager}${force ? '&force=true' : ''}`,
        configMap('shared', data),
        'application/apply-patch+yaml',
      );
    expect((await apply('alice', { a: '1' })).code).toBe(201);
    const bob = await apply('bob', { b: '2' });
    expect(bob.code).toBe(200);
    expect(bob.body['data']).toEqual({ a: '1', b: '2' });
    const managers = (bob.body['metadata'] as { managedFields: Array<{ manager: string }> })
      .managedFields;
    expect(managers.map((m) => m.manager)).toEqual(['alice', 'bob']);
    // A real conflict still is one: a field alice owns, with another value.
    const clash = await apply('bob', { a: '9' });
    expect([clash.code, clash.body.reason]).toEqual([409, 'Conflict']);
    expect(clash.body.details?.causes?.map((c) => c.field)).toEqual(['.data.a']);
    expect((await apply('bob', { a: '9' }, true)).code).toBe(200);
  });

  it('apply without fieldManager, or force on another patch, is 422 Invalid PatchOptions', async () => {
    const r = await call(
      'PATCH',
      `${CM}/nomgr`,
      configMap('nomgr', {}),
      'application/apply-patch+yaml',
    );
    expect([r.code, r.body.reason, r.body.details?.kind, r.body.details?.group]).toEqual([
      422,
      'Invalid',
      'PatchOptions',
      'meta.k8s.io',
    ]);
    expect(r.body.details?.causes?.map((c) => [c.reason, c.field])).toEqual([
      ['FieldValueRequired', 'fieldManager'],
    ]);
    expect((await call('GET', `${CM}/nomgr`)).code).toBe(404);
    const force = await call(
      'PATCH',
      `${CM}/shared?force=true`,
      '{"data":{"c":"3"}}',
      'application/merge-patch+json',
    );
    expect(force.body.details?.causes?.map((c) => c.field)).toEqual(['force']);
  });

  it('fieldValidation on a builtin kind: Strict refuses unknown and duplicate fields, Warn warns, Ignore drops', async () => {
    const body = configMap(
      'strict',
      { a: '1' },
      { bogus: 1, metadata: { name: 'strict', nope: 2 } },
    );
    const strict = await call('POST', `${CM}?fieldValidation=Strict`, body);
    expect([strict.code, strict.body.reason]).toEqual([400, 'BadRequest']);
    expect(strict.body.message).toContain('unknown field "bogus"');
    expect(strict.body.message).toContain('unknown field "metadata.nope"');
    const dup = '{"metadata":{"name":"dup"},"data":{"a":"1","a":"2"}}';
    const strictDup = await call('POST', `${CM}?fieldValidation=Strict`, dup);
    expect([strictDup.code, strictDup.body.message]).toEqual([
      400,
      expect.stringContaining('duplicate field "data.a"'),
    ]);
    const warn = await call('POST', `${CM}?fieldValidation=Warn`, dup);
    expect(warn.code).toBe(201);
    expect(warn.warning).toContain('duplicate field \\"data.a\\"');
    expect(warn.body['data']).toEqual({ a: '2' });
    const ignore = await call('POST', CM, body);
    expect(ignore.code).toBe(201);
    expect(ignore.body['bogus']).toBeUndefined();
    expect((ignore.body['metadata'] as Record<string, unknown>)['nope']).toBeUndefined();
  });

  it('a typo in a Service spec is dropped as the real server drops it, and refused under Strict', async () => {
    const svc = JSON.stringify({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'typo' },
      spec: {
        type: 'LoadBalancer',
        loadBalancerIp: '198.18.0.10',
        ports: [{ port: 80, protocl: 'TCP' }],
      },
    });
    const strict = await call(
      'POST',
      '/api/v1/namespaces/default/services?fieldValidation=Strict',
      svc,
    );
    expect([strict.code, strict.body.message]).toEqual([
      400,
      'Service in version "v1" cannot be handled as a Service: strict decoding error: unknown field "spec.loadBalancerIp", unknown field "spec.ports[0].protocl"',
    ]);
    const ignored = await call('POST', '/api/v1/namespaces/default/services', svc);
    expect(ignored.code).toBe(201);
    const spec = ignored.body['spec'] as Record<string, unknown>;
    expect(spec['loadBalancerIp']).toBeUndefined();
    expect(spec['ports']).toEqual([expect.not.objectContaining({ protocl: 'TCP' })]);
  });

  it('invalid label selectors are 400, valid ones still select', async () => {
    for (const bad of [
      'a===b!',
      'a=b=c',
      'a,',
      ',a',
      'a/b/c=d',
      `a=${'v'.repeat(100)}`,
      `${'k'.repeat(64)}=v`,
      'a in ()',
      'a in (b,c!)',
      'a>b',
      'a b',
    ]) {
      const r = await call('GET', `${CM}?labelSelector=${encodeURIComponent(bad)}`);
      expect([bad, r.code, r.body.reason]).toEqual([bad, 400, 'BadRequest']);
    }
    await call(
      'POST',
      CM,
      JSON.stringify({ metadata: { name: 'sel', labels: { tier: '3', 'example.com/app': 'x' } } }),
    );
    for (const [good, count] of [
      ['example.com/app=x', 1],
      ['tier>2', 1],
      ['tier<3', 0],
      ['tier in (1,3),!missing', 1],
      ['example.com/app', 1],
    ] as const) {
      const r = await call('GET', `${CM}?labelSelector=${encodeURIComponent(good)}`);
      expect([good, r.code, (r.body['items'] as unknown[]).length]).toEqual([good, 200, count]);
    }
  });
});

describe('watch history bounds', () => {
  it('keeps at most historyBytes of versions; resuming before them is 410', async () => {
    const store = new ObjectStore({ historyBytes: 1024 * 1024 });
    const big = 'x'.repeat(100 * 1024);
    for (let i = 0; i < 50; i++) {
      store.put(
        'configmaps',
        { metadata: { namespace: 'd', name: 'c' }, data: { big, i: String(i) } },
        i === 0 ? 'ADDED' : 'MODIFIED',
      );
    }
    expect(store.historyByteCount()).toBeLessThanOrEqual(1024 * 1024);
    expect(store.eventsSince(1)).toBeUndefined();
    const resumable = store.eventsSince(store.oldestRv());
    expect(resumable?.length).toBeGreaterThan(0);
    store.remove('configmaps', 'd', 'c');
    for (let i = 0; i < 20; i++) store.put('x', { metadata: { name: `s${i}` } }, 'ADDED');
    // The deleted object's versions age out as later writes arrive.
    expect(store.historyByteCount()).toBeLessThanOrEqual(1024 * 1024);
  });

  it('compaction forgets what is older than one interval, a deleted object too; resuming there is 410', async () => {
    const timers = new ManualClock();
    const compacting = await ApiServer.start({
      crdDir: false,
      timers,
      compactionIntervalMs: 300_000,
    });
    try {
      const send = (method: string, path: string, body?: string) =>
        callServer(compacting, method, path, body);
      const created = await send('POST', CM, configMap('gone', { x: 'g'.repeat(512 * 1024) }));
      const rv = Number((created.body['metadata'] as { resourceVersion: string }).resourceVersion);
      await send('DELETE', `${CM}/gone`);
      expect(compacting.store.historyByteCount()).toBeGreaterThan(1024 * 1024);
      timers.advance(300_000); // compacts to where the server started: the big versions stay
      expect(compacting.store.eventsSince(rv)).toBeDefined();
      timers.advance(300_000); // compacts past them
      expect(compacting.store.historyByteCount()).toBeLessThan(1024);
      expect(compacting.store.eventsSince(rv)).toBeUndefined();
      const watch = await fetch(`${compacting.url}${CM}?watch=true&resourceVersion=${rv}`);
      const event = JSON.parse((await watch.text()).split('\n')[0] ?? '{}') as {
        type: string;
        object: { code: number };
      };
      expect([event.type, event.object.code]).toEqual(['ERROR', 410]);
    } finally {
      await compacting.close();
    }
  });

  it('a watcher that stops reading is disconnected after 32 MiB of events instead of buffering all', async () => {
    const watched = await ApiServer.start({ crdDir: false });
    try {
      const socket = net.connect(watched.port, '127.0.0.1');
      await new Promise((r) => socket.once('connect', r));
      socket.write(`GET ${CM}?watch=true HTTP/1.1\r\nHost: x\r\n\r\n`);
      socket.pause(); // reads nothing from here on
      await new Promise((r) => setTimeout(r, 100));
      const UPDATES = 60;
      for (let i = 0; i < UPDATES; i++) {
        const body = configMap('flood', {
          x: String(i).padStart(4, '0') + 'f'.repeat(2 ** 20 - 100),
        });
        const r = await callServer(watched, i ? 'PUT' : 'POST', i ? `${CM}/flood` : CM, body);
        expect(r.code).toBe(i ? 200 : 201);
      }
      // The stream was ended: reading now gets what was queued, then the end, not 60 events.
      let text = '';
      socket.setEncoding('utf8').on('data', (d: string) => (text += d));
      socket.resume();
      const ended = await Promise.race([
        new Promise((r) => socket.once('end', () => r(true))),
        new Promise((r) => setTimeout(() => r(false), 20_000)),
      ]);
      socket.destroy();
      expect(ended).toBe(true);
      const events = text.split('\n').filter((l) => l.includes('"type":"')).length;
      expect(events).toBeGreaterThan(0);
      expect(events).toBeLessThan(UPDATES);
    } finally {
      await watched.close();
    }
  }, 60_000);

  it('refuses an object over maxObjectBytes and leaves the store as it was', () => {
    const store = new ObjectStore({ maxObjectBytes: 1000 });
    store.put('k', { metadata: { name: 'a' } }, 'ADDED');
    const rv = store.currentRv();
    expect(() =>
      store.put('k', { metadata: { name: 'a' }, data: { x: 'y'.repeat(1000) } }, 'MODIFIED'),
    ).toThrow(expect.objectContaining({ code: 'ERR_K8S_STORAGE_REQUEST_TOO_LARGE' }));
    expect(store.currentRv()).toBe(rv);
    expect(store.get('k', '', 'a')?.['data']).toBeUndefined();
  });
});
