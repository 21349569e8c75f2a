import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { SeededRandom } from '../../src/core/random.js';
import { ApiServer } from '../../src/k8s/api-server.js';
import { ApiStatusError } from '../../src/k8s/errors.js';
import type { KubeObject, ResourceType } from '../../src/k8s/resource-type.js';

/** The API contract, exercised through ResourceService (no HTTP). */

let server: ApiServer;
const clock = new ManualClock(Date.parse('2026-04-21T09:00:00Z'));
const NS = 'metallb-system';

function type(group: string, version: string, plural: string): ResourceType {
  const t = server.registry.find(group, version, plural);
  if (!t) throw new Error(`${plural} not served`);
  return t;
}

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof ApiStatusError) return err.code;
    throw err;
  }
  return 'OK';
}

describe('API semantics', () => {
  beforeAll(async () => {
    server = await ApiServer.start({ clock, random: new SeededRandom(11), namespaces: [NS] });
  });
  afterAll(async () => {
    await server.close();
  });

  it('defaults, generation on spec changes only, status only through the subresource', () => {
    const pools = type('metallb.io', 'v1beta1', 'ipaddresspools');
    const created = server.service.create(pools, NS, {
      metadata: { name: 'p' },
      spec: { addresses: ['198.18.0.0/24'] },
      status: { assignedIPv4: 9 },
    });
    expect(created['spec']).toEqual({
      addresses: ['198.18.0.0/24'],
      autoAssign: true,
      avoidBuggyIPs: false,
    });
    expect(created['status']).toBeUndefined();
    expect(created.metadata?.generation).toBe(1);
    expect(created.metadata?.creationTimestamp).toBe('2026-04-21T09:00:00Z');

    const status = { assignedIPv4: 0, assignedIPv6: 0, availableIPv4: 256, availableIPv6: 0 };
    const withStatus = server.service.patch(pools, NS, 'p', 'merge', { status }, 'status').object;
    expect(withStatus['status']).toEqual(status);
    expect(withStatus.metadata?.generation).toBe(1);
    expect(Number(withStatus.metadata?.resourceVersion)).toBeGreaterThan(
      Number(created.metadata?.resourceVersion),
    );

    // The main resource ignores .status; a spec change bumps generation.
    const changed = server.service.patch(
      pools,
      NS,
      'p',
      'merge',
      { spec: { autoAssign: false }, status: { assignedIPv4: 7 } },
      undefined,
    ).object;
    expect(changed.metadata?.generation).toBe(2);
    expect((changed['status'] as { assignedIPv4: number }).assignedIPv4).toBe(0);
    // A label change is not a spec change.
    const labelled = server.service.patch(
      pools,
      NS,
      'p',
      'merge',
      { metadata: { labels: { a: 'b' } } },
      undefined,
    ).object;
    expect(labelled.metadata?.generation).toBe(2);
    // A no-op write keeps the resourceVersion.
    const same = server.service.patch(
      pools,
      NS,
      'p',
      'merge',
      { metadata: { labels: { a: 'b' } } },
      undefined,
    ).object;
    expect(same.metadata?.resourceVersion).toBe(labelled.metadata?.resourceVersion);
    // The status schema requires all four counters.
    expect(
      codeOf(() =>
        server.service.patch(pools, NS, 'p', 'merge', { status: { assignedIPv4: null } }, 'status'),
      ),
    ).toBe('ERR_K8S_INVALID');
  });

  it('generateName draws a 5-character suffix; cluster-scoped kinds drop a namespace', () => {
    const sessions = type('frrk8s.metallb.io', 'v1beta1', 'bgpsessionstates');
    const a = server.service.create(sessions, NS, {
      metadata: { generateName: 'worker-' },
      spec: {},
    });
    expect(a.metadata?.name).toMatch(/^worker-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    const nodes = type('frrk8s.metallb.io', 'v1beta1', 'frrnodestates');
    const n = server.service.create(nodes, NS, {
      metadata: { name: 'worker0', namespace: NS },
      spec: {},
    });
    expect(n.metadata?.namespace).toBeUndefined();
    expect(server.service.get(nodes, 'anything', 'worker0').metadata?.name).toBe('worker0');
  });

  it('server-side apply merges conditions by type per manager, removes what a manager drops, and reports conflicts', () => {
    const states = type('metallb.io', 'v1beta1', 'configurationstates');
    server.service.create(states, NS, { metadata: { name: 'speaker-w0' } });
    const cond = (t: string, status: string) => ({
      type: t,
      status,
      reason: status === 'True' ? 'Reconciled' : 'ConfigurationError',
      message: '',
      lastTransitionTime: '2026-04-21T09:00:00Z',
    });
    const apply = (manager: string, status: unknown, force = false) =>
      server.service.patch(
        states,
        NS,
        'speaker-w0',
        'apply',
        {
          apiVersion: 'metallb.io/v1beta1',
          kind: 'ConfigurationState',
          metadata: { name: 'speaker-w0' },
          status,
        },
        'status',
        { fieldManager: manager, force },
      ).object;
    apply('configReconciler', {
      conditions: [cond('configReconcilerValid', 'True')],
      result: 'Valid',
    });
    const both = apply('poolReconciler', { conditions: [cond('poolReconcilerValid', 'True')] });
    const conditionTypes = (o: KubeObject) =>
      ((o['status'] as { conditions: Array<{ type: string }> }).conditions ?? []).map(
        (c) => c.type,
      );
    expect(conditionTypes(both)).toEqual(['configReconcilerValid', 'poolReconcilerValid']);
    expect((both['status'] as { result: string }).result).toBe('Valid');
    const managers = (both.metadata?.managedFields ?? []).map(
      (m) => `${m.manager}/${m.operation}/${m.subresource}`,
    );
    expect(managers).toEqual(
      expect.arrayContaining(['configReconciler/Apply/status', 'poolReconciler/Apply/status']),
    );

    // configReconciler stops setting `result`: the field goes (nobody else owns it).
    const dropped = apply('configReconciler', {
      conditions: [cond('configReconcilerValid', 'True')],
    });
    expect((dropped['status'] as { result?: string }).result).toBeUndefined();
    expect(conditionTypes(dropped)).toEqual(['configReconcilerValid', 'poolReconcilerValid']);

    // poolReconciler changing configReconciler's condition is a conflict unless forced.
    const steal = { conditions: [cond('configReconcilerValid', 'False')] };
    expect(codeOf(() => apply('poolReconciler', steal))).toBe('ERR_K8S_CONFLICT');
    const forced = apply('poolReconciler', steal, true);
    expect(
      (forced['status'] as { conditions: Array<{ type: string; status: string }> }).conditions.find(
        (c) => c.type === 'configReconcilerValid',
      )?.status,
    ).toBe('False');
  });

  it('update with a stale resourceVersion is a conflict; delete with finalizers waits for them', () => {
    const communities = type('metallb.io', 'v1beta1', 'communities');
    const c = server.service.create(communities, NS, {
      metadata: { name: 'c', finalizers: ['x/y'] },
      spec: {},
    });
    server.service.update(communities, NS, 'c', { ...c, spec: { communities: [] } }, undefined);
    expect(
      codeOf(() =>
        server.service.update(
          communities,
          NS,
          'c',
          { ...c, spec: { communities: [{ name: 'n', value: '1:1' }] } },
          undefined,
        ),
      ),
    ).toBe('ERR_K8S_CONFLICT');
    clock.advance(5000);
    const marked = server.service.delete(communities, NS, 'c');
    expect(marked.metadata?.deletionTimestamp).toBe('2026-04-21T09:00:05Z');
    expect(server.service.get(communities, NS, 'c').metadata?.name).toBe('c');
    server.service.patch(
      communities,
      NS,
      'c',
      'json',
      [{ op: 'remove', path: '/metadata/finalizers' }],
      undefined,
    );
    expect(codeOf(() => server.service.get(communities, NS, 'c'))).toBe('ERR_K8S_NOTFOUND');
  });

  it('deleting an owner deletes its dependents; deleting a namespace deletes its contents', () => {
    const pods = type('', 'v1', 'pods');
    const statuses = type('metallb.io', 'v1beta1', 'servicebgpstatuses');
    const namespaces = type('', 'v1', 'namespaces');
    server.service.create(namespaces, '', { metadata: { name: 'scratch' } });
    const pod = server.service.create(pods, 'scratch', {
      metadata: { name: 'speaker-x' },
      spec: { containers: [{ name: 's', image: 'i' }] },
    });
    server.service.create(statuses, 'scratch', {
      metadata: {
        name: 'bgp-owned',
        ownerReferences: [
          { apiVersion: 'v1', kind: 'Pod', name: 'speaker-x', uid: pod.metadata?.uid },
        ],
      },
      spec: {},
    });
    server.service.delete(pods, 'scratch', 'speaker-x');
    expect(codeOf(() => server.service.get(statuses, 'scratch', 'bgp-owned'))).toBe(
      'ERR_K8S_NOTFOUND',
    );
    // propagationPolicy=Orphan keeps the dependent and drops its owner reference.
    const pod2 = server.service.create(pods, 'scratch', {
      metadata: { name: 'speaker-y' },
      spec: { containers: [{ name: 's', image: 'i' }] },
    });
    server.service.create(statuses, 'scratch', {
      metadata: {
        name: 'bgp-orphan',
        ownerReferences: [
          { apiVersion: 'v1', kind: 'Pod', name: 'speaker-y', uid: pod2.metadata?.uid },
        ],
      },
      spec: {},
    });
    server.service.delete(pods, 'scratch', 'speaker-y', { orphan: true });
    expect(
      server.service.get(statuses, 'scratch', 'bgp-orphan').metadata?.ownerReferences,
    ).toBeUndefined();
    server.service.create(statuses, 'scratch', { metadata: { name: 'bgp-2' }, spec: {} });
    server.service.delete(namespaces, '', 'scratch');
    expect(codeOf(() => server.service.get(statuses, 'scratch', 'bgp-2'))).toBe('ERR_K8S_NOTFOUND');
    expect(codeOf(() => server.service.get(namespaces, '', 'scratch'))).toBe('ERR_K8S_NOTFOUND');
  });

  it('services get a clusterIP in 172.30.0.0/16 and distinct nodePorts in 30000-32767', () => {
    const services = type('', 'v1', 'services');
    const seen = new Set<number>();
    for (let i = 0; i < 20; i++) {
      const svc = server.service.create(services, 'default', {
        metadata: { name: `s${i}` },
        spec: { type: 'LoadBalancer', ports: [{ port: 80 }, { port: 443 }] },
      });
      const spec = svc['spec'] as {
        clusterIP: string;
        ports: Array<{ nodePort: number; targetPort: number; protocol: string }>;
      };
      expect(spec.clusterIP).toMatch(/^172\.30\.\d+\.\d+$/);
      for (const p of spec.ports) {
        expect(p.nodePort).toBeGreaterThanOrEqual(30000);
        expect(p.nodePort).toBeLessThanOrEqual(32767);
        expect(seen.has(p.nodePort)).toBe(false);
        seen.add(p.nodePort);
        expect(p.protocol).toBe('TCP');
      }
      expect(svc['status']).toEqual({ loadBalancer: {} });
    }
  });

  it('a CRD created at run time is served at once', () => {
    const crds = type('apiextensions.k8s.io', 'v1', 'customresourcedefinitions');
    server.service.create(crds, '', {
      metadata: { name: 'widgets.example.com' },
      spec: {
        group: 'example.com',
        names: { kind: 'Widget', plural: 'widgets', singular: 'widget', listKind: 'WidgetList' },
        scope: 'Namespaced',
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            schema: {
              openAPIV3Schema: {
                type: 'object',
                properties: { spec: { type: 'object', properties: { size: { type: 'integer' } } } },
              },
            },
          },
        ],
      },
    });
    const widgets = type('example.com', 'v1', 'widgets');
    expect(
      server.service.create(widgets, NS, { metadata: { name: 'w' }, spec: { size: 3 } })['spec'],
    ).toEqual({ size: 3 });
    expect(
      codeOf(() =>
        server.service.create(widgets, NS, { metadata: { name: 'v' }, spec: { size: 'big' } }),
      ),
    ).toBe('ERR_K8S_INVALID');
    const crd = server.service.get(crds, '', 'widgets.example.com');
    const conditions = (crd['status'] as { conditions: Array<{ type: string; status: string }> })
      .conditions;
    expect(conditions.find((c) => c.type === 'Established')?.status).toBe('True');
    // Deleting the CRD removes its kind and its objects.
    server.service.delete(crds, '', 'widgets.example.com');
    expect(server.registry.find('example.com', 'v1', 'widgets')).toBeUndefined();
    expect(server.store.list('example.com/widgets')).toEqual([]);
  });

  it('list pages with limit and continue', () => {
    const sessions = type('frrk8s.metallb.io', 'v1beta1', 'bgpsessionstates');
    for (let i = 0; i < 5; i++)
      server.service.create(sessions, NS, { metadata: { name: `page-${i}` }, spec: {} });
    const names: string[] = [];
    let token: string | undefined;
    do {
      const page = server.service.list(
        sessions,
        NS,
        token ? { limit: 2, continueToken: token } : { limit: 2 },
      );
      names.push(...page.items.map((o) => o.metadata?.name ?? ''));
      token = page.continueToken;
    } while (token);
    expect(names.filter((n) => n.startsWith('page-'))).toEqual([
      'page-0',
      'page-1',
      'page-2',
      'page-3',
      'page-4',
    ]);
  });
});
