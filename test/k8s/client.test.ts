import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiServer } from '../../src/k8s/api-server.js';
import { KubeClient, KubeClientError } from '../../src/k8s/client.js';
import { kubectlAvailable, KUBECTL } from './helpers.js';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * KubeClient, the module the rest of speakersim reads config and writes status with: the same
 * tests over HTTP and over the in-process transport (KubeClient.embedded).
 */

const hasOpenssl = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    console.warn('skipping TLS test: openssl not found');
    return false;
  }
})();

const API = 'frrk8s.metallb.io/v1beta1';
const NS = 'frr-k8s-system';

describe.each(['http', 'in-process'] as const)('KubeClient (%s)', (transport) => {
  let server: ApiServer;
  let client: KubeClient;
  beforeAll(async () => {
    server = await ApiServer.start({ namespaces: [NS] });
    client = KubeClient.embedded(server, transport);
    expect(client.transport).toBe(transport);
  });
  afterAll(async () => {
    await server.close();
  });

  it('creates with generateName, reads, pages through lists, and returns undefined for a missing object', async () => {
    const names: string[] = [];
    for (let i = 0; i < 5; i++) {
      const s = await client.create({
        apiVersion: API,
        kind: 'BGPSessionState',
        metadata: {
          generateName: 'worker-',
          namespace: NS,
          labels: { 'frrk8s.metallb.io/node': 'worker' },
        },
        spec: {},
      });
      names.push(String(s.metadata?.name));
    }
    expect(new Set(names).size).toBe(5);
    const listed = await client.list(API, 'BGPSessionState', {
      namespace: NS,
      pageSize: 2,
      labelSelector: 'frrk8s.metallb.io/node=worker',
    });
    expect(listed.map((o) => o.metadata?.name).sort()).toEqual([...names].sort());
    expect(listed[0]?.kind).toBe('BGPSessionState');
    expect(
      await client.get({
        apiVersion: API,
        kind: 'BGPSessionState',
        metadata: { name: 'absent', namespace: NS },
      }),
    ).toBeUndefined();
    const one = await client.get({
      apiVersion: API,
      kind: 'BGPSessionState',
      metadata: { name: names[0], namespace: NS },
    });
    expect(one?.metadata?.name).toBe(names[0]);
  });

  it('updates status, reports stale writes as ERR_K8S_CONFLICT and duplicates as ERR_K8S_ALREADYEXISTS', async () => {
    const created = await client.create({
      apiVersion: API,
      kind: 'BGPSessionState',
      metadata: { name: 'w-1', namespace: NS },
      spec: {},
    });
    const withStatus = await client.updateStatus({
      ...created,
      status: { bgpStatus: 'Active', bfdStatus: 'N/A' },
    });
    expect(withStatus['status']).toEqual({ bgpStatus: 'Active', bfdStatus: 'N/A' });
    await expect(
      client.updateStatus({ ...created, status: { bgpStatus: 'Established' } }),
    ).rejects.toMatchObject({ code: 'ERR_K8S_CONFLICT', httpCode: 409 });
    const again = client.create({
      apiVersion: API,
      kind: 'BGPSessionState',
      metadata: { name: 'w-1', namespace: NS },
      spec: {},
    });
    await expect(again).rejects.toBeInstanceOf(KubeClientError);
    await expect(again).rejects.toMatchObject({ code: 'ERR_K8S_ALREADYEXISTS' });
    const patched = await client.patchStatus(
      created,
      [{ op: 'replace', path: '/status/bgpStatus', value: 'Established' }],
      'json',
    );
    expect((patched['status'] as { bgpStatus: string }).bgpStatus).toBe('Established');
  });

  it('server-side applies objects and status, and deletes', async () => {
    const node = { apiVersion: API, kind: 'FRRNodeState', metadata: { name: 'worker0' }, spec: {} };
    const applied = await client.apply(node, { fieldManager: 'frr-k8s' });
    expect(applied.metadata?.name).toBe('worker0');
    const status = await client.applyStatus(
      { ...node, status: { runningConfig: 'router bgp 64512\n', lastReloadResult: 'success' } },
      { fieldManager: 'frr-k8s' },
    );
    expect((status['status'] as { lastReloadResult: string }).lastReloadResult).toBe('success');
    expect(await client.delete(node)).toBe(true);
    expect(await client.delete(node)).toBe(false);
  });

  it('watches a kind', async () => {
    const seen: string[] = [];
    const stop = await client.watch(
      API,
      'BGPSessionState',
      { namespace: NS, labelSelector: 'watch=me' },
      (type, obj) => seen.push(`${type} ${obj.metadata?.name}`),
    );
    await client.create({
      apiVersion: API,
      kind: 'BGPSessionState',
      metadata: { name: 'w-2', namespace: NS, labels: { watch: 'me' } },
      spec: {},
    });
    await client.create({
      apiVersion: API,
      kind: 'BGPSessionState',
      metadata: { name: 'w-3', namespace: NS },
      spec: {},
    });
    const start = Date.now();
    while (seen.length < 1 && Date.now() - start < 5000)
      await new Promise((r) => setTimeout(r, 10));
    stop();
    expect(seen).toEqual(['ADDED w-2']);
  });
});

describe.skipIf(!hasOpenssl)('TLS and bearer token', () => {
  it('serves https with a self-signed certificate that kubectl and KubeClient accept', async () => {
    const server = await ApiServer.start({ tls: true, token: 'tok-123', crdDir: false });
    try {
      expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const client = KubeClient.fromKubeconfigFile(server.kubeconfigPath);
      const ns = await client.list('v1', 'Namespace');
      expect(ns.map((n) => n.metadata?.name)).toContain('default');
      if (kubectlAvailable()) {
        const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'speakersim-kubecache-'));
        const { stdout } = await promisify(execFile)(KUBECTL, [
          '--kubeconfig',
          server.kubeconfigPath,
          '--cache-dir',
          cache,
          'get',
          'ns',
          'default',
          '-o',
          'name',
        ]);
        fs.rmSync(cache, { recursive: true, force: true });
        expect(stdout).toBe('namespace/default\n');
      }
    } finally {
      await server.close();
    }
  });
});

describe('KubeClient.embedded: transport choice and what both transports share', () => {
  it('answers in process exactly as over HTTP: objects, resourceVersions, Status errors', async () => {
    const server = await ApiServer.start({ namespaces: [NS] });
    try {
      const local = KubeClient.embedded(server, 'in-process');
      const remote = KubeClient.embedded(server, 'http');
      const ref = {
        apiVersion: API,
        kind: 'BGPSessionState',
        metadata: { name: 'x', namespace: NS },
      };
      await local.create({ ...ref, spec: {} });
      const written = await local.patchStatus(ref, { status: { bgpStatus: 'Active' } });
      expect(await remote.get(ref)).toEqual(written);
      expect(await local.get(ref)).toEqual(await remote.get(ref));
      const stale = { ...written, status: { bgpStatus: 'Idle' } };
      await remote.patchStatus(ref, { status: { bgpStatus: 'Established' } });
      for (const client of [local, remote]) {
        await expect(client.updateStatus(stale)).rejects.toMatchObject({
          code: 'ERR_K8S_CONFLICT',
          httpCode: 409,
        });
        await expect(
          client.create({ ...ref, metadata: { ...ref.metadata, name: 'Not_A_Name' }, spec: {} }),
        ).rejects.toMatchObject({ code: 'ERR_K8S_INVALID', httpCode: 422 });
      }
    } finally {
      await server.close();
    }
  });

  it('sends the kubeconfig token in process too: a wrong one is 401 on both transports', async () => {
    const server = await ApiServer.start({ token: 'tok-123', crdDir: false });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'speakersim-kc-'));
    try {
      const good = KubeClient.embedded(server);
      expect(good.transport).toBe('in-process');
      expect((await good.list('v1', 'Namespace')).map((n) => n.metadata?.name)).toContain(
        'default',
      );
      const wrong = path.join(dir, 'kubeconfig');
      fs.writeFileSync(
        wrong,
        fs.readFileSync(server.kubeconfigPath, 'utf8').replace('tok-123', 'tok-999'),
      );
      for (const transport of ['http', 'in-process'] as const) {
        const bad = KubeClient.embedded(
          { kubeconfigPath: wrong, inProcessEndpoint: () => server.inProcessEndpoint() },
          transport,
        );
        await expect(bad.list('v1', 'Namespace')).rejects.toMatchObject({
          code: 'ERR_K8S_UNAUTHORIZED',
          httpCode: 401,
        });
      }
    } finally {
      await server.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('follows SPEAKERSIM_KUBE_TRANSPORT, refuses an unknown transport, and fails once the server is closed', async () => {
    const server = await ApiServer.start({ crdDir: false });
    const saved = process.env['SPEAKERSIM_KUBE_TRANSPORT'];
    try {
      process.env['SPEAKERSIM_KUBE_TRANSPORT'] = 'http';
      expect(KubeClient.embedded(server).transport).toBe('http');
      delete process.env['SPEAKERSIM_KUBE_TRANSPORT'];
      expect(KubeClient.embedded(server).transport).toBe('in-process');
      expect(() => KubeClient.embedded(server, 'carrier-pigeon')).toThrow(
        expect.objectContaining({ code: 'ERR_K8S_BAD_TRANSPORT' }),
      );
    } finally {
      if (saved === undefined) delete process.env['SPEAKERSIM_KUBE_TRANSPORT'];
      else process.env['SPEAKERSIM_KUBE_TRANSPORT'] = saved;
    }
    const client = KubeClient.embedded(server, 'in-process');
    await client.list('v1', 'Namespace');
    await server.close();
    await expect(client.list('v1', 'Namespace')).rejects.toMatchObject({
      code: 'ERR_K8S_SERVER_CLOSED',
    });
  });
});
