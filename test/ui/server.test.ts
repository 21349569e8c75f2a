import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiServer } from '../../src/k8s/api-server.js';
import { KubeClient } from '../../src/k8s/client.js';
import { loadScenario } from '../../src/scenario/load.js';
import { viewTopology, type FaultRequest } from '../../src/ui/model.js';
import { LiveViewServer } from '../../src/ui/server.js';

// The live view server without a browser: the page, the event stream fed by a real API
// server's watch, the fault endpoint and the loopback-only rules.
let api: ApiServer;
let client: KubeClient;
let view: LiveViewServer;
const injected: FaultRequest[] = [];

beforeAll(async () => {
  api = await ApiServer.start({ port: 0, namespaces: ['openshift-frr-k8s', 'metallb-system'] });
  client = KubeClient.fromKubeconfigFile(api.kubeconfigPath);
  view = await LiveViewServer.start();
  const scenario = await loadScenario(path.join(import.meta.dirname, 'fixtures/live-view.yaml'));
  await view.attach({
    client,
    topology: viewTopology(scenario, 'builtin'),
    inject: async (r) => {
      injected.push(r);
    },
  });
});
afterAll(async () => {
  await view?.close();
  await api?.close();
});

/** Reads server-sent events until `until` returns true for one; all events read so far. */
async function readEvents(
  until: (e: { event: string; data: unknown }) => boolean,
): Promise<{ event: string; data: unknown }[]> {
  const res = await fetch(new URL('/events', view.url));
  expect(res.headers.get('content-type')).toBe('text/event-stream');
  const reader = res.body!.getReader();
  const events: { event: string; data: unknown }[] = [];
  let buf = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) throw new Error('stream ended');
      buf += Buffer.from(value).toString();
      let end: number;
      while ((end = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, end);
        buf = buf.slice(end + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (!event || data === undefined) continue;
        const e = { event, data: JSON.parse(data) as unknown };
        events.push(e);
        if (until(e)) return events;
      }
    }
  } finally {
    await reader.cancel();
  }
}

function raw(
  method: string,
  route: string,
  headers: Record<string, string>,
  body?: string,
): Promise<{ status: number; body: string }> {
  const u = new URL(route, view.url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: u.hostname, port: u.port, path: u.pathname, method, headers },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('live view server', () => {
  it('serves one self-contained page whose only script is allowed by hash', async () => {
    const res = await fetch(view.url);
    const html = await res.text();
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(/default-src 'none'/);
    expect(csp).toMatch(
      /script-src 'sha256-[A-Za-z0-9+/=]+'$|script-src 'sha256-[A-Za-z0-9+/=]+';/,
    );
    expect(html.match(/<script/g)).toHaveLength(1);
    // Nothing loaded from anywhere: no src= or href= to another place.
    expect(html).not.toMatch(/\s(src|href)=/);
    expect(html).toContain('<title>uiview: speakersim live view</title>');
  });

  it('streams the topology, then BGPSessionState changes as the API server has them', async () => {
    const created = await client.create({
      apiVersion: 'frrk8s.metallb.io/v1beta1',
      kind: 'BGPSessionState',
      metadata: { name: 'worker0-abcde', namespace: 'openshift-frr-k8s' },
      spec: {},
    });
    await client.patchStatus(created, {
      status: { node: 'worker0', peer: '198.18.0.1', bgpStatus: 'Established', bfdStatus: 'Up' },
    });
    const events = await readEvents(
      (e) => e.event === 'watch' && (e.data as { object: { bfd?: string } }).object.bfd === 'Up',
    );
    expect(events[0]!.event).toBe('hello');
    expect((events[0]!.data as { topology: { lab: string } }).topology.lab).toBe('uiview');
    expect(events.at(-1)!.data).toMatchObject({
      kind: 'BGPSessionState',
      object: { node: 'worker0', peer: '198.18.0.1', bgp: 'Established', bfd: 'Up' },
    });
    // A client that connects later gets the current objects at once.
    const late = await readEvents((e) => e.event === 'watch');
    expect(late.at(-1)!.data).toMatchObject({ object: { name: 'worker0-abcde', bfd: 'Up' } });
  });

  it('runs a valid fault request through the source, refuses the rest with codes', async () => {
    const post = (body: string, headers: Record<string, string> = {}) =>
      raw(
        'POST',
        '/api/inject',
        {
          host: new URL(view.url).host,
          'content-type': 'application/json',
          ...headers,
        },
        body,
      ).then((r) => ({ status: r.status, code: (JSON.parse(r.body) as { code?: string }).code }));
    expect(await post('{"fault":"link-down","router":"r2","node":"worker1"}')).toEqual({
      status: 200,
      code: undefined,
    });
    expect(injected).toEqual([{ fault: 'link-down', router: 'r2', node: 'worker1' }]);
    expect(await post('{"fault":"kill","router":"r1"}')).toEqual({
      status: 400,
      code: 'ERR_UI_BAD_REQUEST',
    });
    expect(await post('x'.repeat(10_000))).toEqual({ status: 400, code: 'ERR_UI_BAD_REQUEST' });
    // DNS rebinding: another host name for our address.
    expect(await post('{"fault":"link-up","router":"r2"}', { host: 'attacker.example' })).toEqual({
      status: 403,
      code: 'ERR_UI_FORBIDDEN',
    });
    expect(
      await post('{"fault":"link-up","router":"r2"}', { origin: 'http://attacker.example' }),
    ).toEqual({ status: 403, code: 'ERR_UI_FORBIDDEN' });
    expect(injected).toHaveLength(1);
    expect((await raw('GET', '/nope', { host: new URL(view.url).host })).status).toBe(404);
  });

  it('after detach, says no lab is attached and refuses faults', async () => {
    view.detach();
    const events = await readEvents((e) => e.event === 'hello');
    expect(events[0]!.data).toEqual({ topology: null });
    const r = await raw(
      'POST',
      '/api/inject',
      { host: new URL(view.url).host, 'content-type': 'application/json' },
      '{"fault":"link-up","router":"r2"}',
    );
    expect({ status: r.status, code: (JSON.parse(r.body) as { code: string }).code }).toEqual({
      status: 409,
      code: 'ERR_UI_NO_LAB',
    });
  });
});
