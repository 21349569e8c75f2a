import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { KubeClient } from '../../src/k8s/client.js';
import { MAX_CONNECTIONS } from '../../src/k8s/client-connections.js';
import { writeKubeconfig } from '../../src/k8s/kubeconfig.js';
import { makeOwnedTempDir, removeOwnedTempDir } from '../../src/k8s/temp-dir.js';

/**
 * KubeClient's requests share kept-alive connections (client-node's own transport opened one
 * per request). A plain node:http server counts the TCP connections it accepts.
 */

const REF = {
  apiVersion: 'frrk8s.metallb.io/v1beta1',
  kind: 'BGPSessionState',
  metadata: { name: 'w-1', namespace: 'frr-k8s-system' },
};

const DISCOVERY = {
  kind: 'APIResourceList',
  apiVersion: 'v1',
  groupVersion: 'frrk8s.metallb.io/v1beta1',
  resources: [
    { name: 'bgpsessionstates', namespaced: true, kind: 'BGPSessionState', verbs: ['patch'] },
  ],
};

interface Counted {
  client: KubeClient;
  server: http.Server;
  connections(): number;
  bodies: string[];
}

const open: Array<{ server: http.Server; dir: string }> = [];

async function countingServer(): Promise<Counted> {
  let connections = 0;
  const bodies: string[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      if (req.method === 'GET') {
        // client-node's discovery of the kind's path (asked once, then cached)
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(DISCOVERY));
        return;
      }
      bodies.push(`${req.method} ${req.url} ${body}`);
      const reply = JSON.stringify({ ...REF, status: JSON.parse(body || '{}').status ?? {} });
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(reply);
    });
  });
  server.on('connection', () => connections++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const dir = makeOwnedTempDir('speakersim-conn-');
  const kubeconfig = path.join(dir, 'kubeconfig');
  writeKubeconfig(kubeconfig, {
    server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
  });
  open.push({ server, dir });
  return {
    client: KubeClient.fromKubeconfigFile(kubeconfig),
    server,
    connections: () => connections,
    bodies,
  };
}

afterEach(async () => {
  for (const { server, dir } of open.splice(0)) {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    removeOwnedTempDir(dir);
  }
});

describe('KubeClient connections', () => {
  it('sends sequential writes over one connection', async () => {
    const s = await countingServer();
    for (let i = 0; i < 50; i++) {
      const r = await s.client.patchStatus(REF, { status: { n: i } });
      expect((r as { status?: { n?: number } }).status?.n).toBe(i);
    }
    expect(s.bodies).toHaveLength(50);
    expect(s.bodies[7]).toBe(
      'PATCH /apis/frrk8s.metallb.io/v1beta1/namespaces/frr-k8s-system/bgpsessionstates/w-1/status {"status":{"n":7}}',
    );
    expect(s.connections()).toBe(1);
  });

  it('bounds concurrent writes to MAX_CONNECTIONS connections', async () => {
    const s = await countingServer();
    const n = MAX_CONNECTIONS * 4;
    await Promise.all(
      Array.from({ length: n }, (_, i) => s.client.patchStatus(REF, { status: { n: i } })),
    );
    expect(s.bodies).toHaveLength(n);
    expect(s.connections()).toBeGreaterThan(1);
    expect(s.connections()).toBeLessThanOrEqual(MAX_CONNECTIONS);
  });

  it('opens a new connection when the server closed an idle one', async () => {
    const s = await countingServer();
    await s.client.patchStatus(REF, { status: { n: 1 } });
    s.server.closeIdleConnections();
    await new Promise((r) => setTimeout(r, 100));
    const r = await s.client.patchStatus(REF, { status: { n: 2 } });
    expect((r as { status?: { n?: number } }).status?.n).toBe(2);
    expect(s.connections()).toBe(2);
  });
});
