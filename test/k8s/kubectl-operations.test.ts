import * as fs from 'node:fs';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient } from '../../src/k8s/client.js';
import { type Harness, KUBECTL, kubectlAvailable, parseTable, startHarness } from './helpers.js';

/** Everyday kubectl against the server: output formats, selectors, scopes, delete, watch. */

const hasKubectl = kubectlAvailable();

const PEER = (name: string, address: string, extra = '') => `apiVersion: metallb.io/v1beta2
kind: BGPPeer
metadata:
  name: ${name}
  namespace: metallb-system
  labels:
    site: ${name === 'peer-a' ? 'east' : 'west'}
spec:
  myASN: 64501
  peerASN: 64500
  peerAddress: ${address}
${extra}`;

describe.skipIf(!hasKubectl)('kubectl operations', () => {
  let h: Harness;
  let client: KubeClient;
  beforeAll(async () => {
    // The subject is the API server under kubectl, with objects in a second namespace that
    // MetalLB's webhooks would refuse (`resource must be created in metallb-system namespace`).
    h = await startHarness(Date.parse('2026-01-01T00:00:00Z'), {
      namespaces: ['metallb-system', 'other'],
      admission: false,
    });
    client = KubeClient.fromKubeconfigFile(h.server.kubeconfigPath);
    for (const doc of [
      PEER('peer-a', '192.0.2.1', '  bfdProfile: fast\n'),
      PEER('peer-b', '192.0.2.2', '  ebgpMultiHop: true\n'),
    ]) {
      const r = await h.kubectl(['apply', '-f', '-'], doc);
      expect(r.code).toBe(0);
    }
    const adv = `apiVersion: metallb.io/v1beta1
kind: BGPAdvertisement
metadata:
  name: adv
  namespace: other
spec:
  ipAddressPools: [pool-a, pool-b]
  nodeSelectors:
  - matchLabels:
      kubernetes.io/hostname: worker0
`;
    expect((await h.kubectl(['apply', '-f', '-'], adv)).code).toBe(0);
  });
  afterAll(async () => {
    await h.close();
  });

  it('prints CRD printer columns, blank for missing paths, JSON for arrays, wide columns only with -o wide', async () => {
    const peers = parseTable((await h.kubectl(['get', 'bgppeers', '-n', 'metallb-system'])).stdout);
    expect(peers.header).toEqual(['NAME', 'ADDRESS', 'ASN', 'BFD PROFILE', 'MULTI HOPS']);
    expect(peers.rows).toEqual([
      ['peer-a', '192.0.2.1', '64500', 'fast', ''],
      ['peer-b', '192.0.2.2', '64500', '', 'true'],
    ]);
    const adv = parseTable((await h.kubectl(['get', 'bgpadvertisements', '-A'])).stdout);
    expect(adv.header).toEqual([
      'NAMESPACE',
      'NAME',
      'IPADDRESSPOOLS',
      'IPADDRESSPOOL SELECTORS',
      'PEERS',
    ]);
    expect(adv.rows).toEqual([['other', 'adv', '["pool-a","pool-b"]', '', '']]);
    const wide = parseTable(
      (await h.kubectl(['get', 'bgpadvertisements', '-A', '-o', 'wide'])).stdout,
    );
    expect(wide.header).toEqual([
      'NAMESPACE',
      'NAME',
      'IPADDRESSPOOLS',
      'IPADDRESSPOOL SELECTORS',
      'PEERS',
      'NODE SELECTORS',
    ]);
    expect(wide.rows[0]?.[5]).toBe('[{"matchLabels":{"kubernetes.io/hostname":"worker0"}}]');
  });

  it('filters with -l and field selectors, and says so when nothing matches', async () => {
    const east = parseTable(
      (await h.kubectl(['get', 'bgppeers', '-n', 'metallb-system', '-l', 'site=east'])).stdout,
    );
    expect(east.rows.map((r) => r[0])).toEqual(['peer-a']);
    const notEast = parseTable(
      (await h.kubectl(['get', 'bgppeers', '-n', 'metallb-system', '-l', 'site!=east'])).stdout,
    );
    expect(notEast.rows.map((r) => r[0])).toEqual(['peer-b']);
    const byField = await h.kubectl([
      'get',
      'bgppeers',
      '-A',
      '--field-selector',
      'metadata.name=peer-b',
      '-o',
      'name',
    ]);
    expect(byField.stdout).toBe('bgppeer.metallb.io/peer-b\n');
    const none = await h.kubectl(['get', 'bgppeers', '-n', 'metallb-system', '-l', 'site=north']);
    expect(none.stdout).toBe('');
    expect(none.stderr.trim()).toBe('No resources found in metallb-system namespace.');
  });

  it('prints -o json and -o jsonpath from the stored object; v1beta1 reads the same peer', async () => {
    const json = JSON.parse(
      (await h.kubectl(['get', 'bgppeer', 'peer-a', '-n', 'metallb-system', '-o', 'json'])).stdout,
    ) as {
      apiVersion: string;
      spec: Record<string, unknown>;
      metadata: Record<string, unknown>;
    };
    expect(json.apiVersion).toBe('metallb.io/v1beta2');
    expect(json.spec).toEqual({
      bfdProfile: 'fast',
      disableMP: false,
      dualStackAddressFamily: false,
      myASN: 64501,
      peerASN: 64500,
      peerAddress: '192.0.2.1',
      peerPort: 179,
    });
    expect(json.metadata['generation']).toBe(1);
    const jp = await h.kubectl([
      'get',
      'bgppeers',
      '-n',
      'metallb-system',
      '-o',
      'jsonpath={.items[*].spec.peerAddress}',
    ]);
    expect(jp.stdout).toBe('192.0.2.1 192.0.2.2');
    const old = await h.kubectl([
      'get',
      'bgppeers.v1beta1.metallb.io',
      'peer-a',
      '-n',
      'metallb-system',
      '-o',
      'jsonpath={.apiVersion}',
    ]);
    expect(old.stdout).toBe('metallb.io/v1beta1');
    expect(old.stderr).toContain('v1beta1 is deprecated, please use v1beta2');
  });

  it('reports a missing object and an unknown kind like a real cluster', async () => {
    const missing = await h.kubectl(['get', 'bgppeer', 'nope', '-n', 'metallb-system']);
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toBe(
      'Error from server (NotFound): bgppeers.metallb.io "nope" not found',
    );
    const unknown = await h.kubectl(['get', 'widgets']);
    expect(unknown.stderr.trim()).toBe('error: the server doesn\'t have a resource type "widgets"');
  });

  it('server-side apply records the field manager and reapplies without conflict', async () => {
    const doc = `apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata:
  name: ssa-pool
  namespace: metallb-system
spec:
  addresses: [198.18.0.0/24]
`;
    const first = await h.kubectl(['apply', '--server-side', '-f', '-'], doc);
    expect(first.stdout.trim()).toBe('ipaddresspool.metallb.io/ssa-pool serverside-applied');
    const again = await h.kubectl(
      ['apply', '--server-side', '-f', '-'],
      doc.replace('198.18.0.0/24', '198.18.1.0/24'),
    );
    expect(again.code).toBe(0);
    const obj = JSON.parse(
      (
        await h.kubectl([
          'get',
          'ipaddresspool',
          'ssa-pool',
          '-n',
          'metallb-system',
          '-o',
          'json',
          '--show-managed-fields',
        ])
      ).stdout,
    ) as {
      spec: { addresses: string[]; autoAssign: boolean };
      metadata: {
        generation: number;
        managedFields: Array<{ manager: string; operation: string }>;
      };
    };
    expect(obj.spec.addresses).toEqual(['198.18.1.0/24']);
    expect(obj.spec.autoAssign).toBe(true);
    expect(obj.metadata.generation).toBe(2);
    expect(obj.metadata.managedFields.map((m) => [m.manager, m.operation])).toContainEqual([
      'kubectl',
      'Apply',
    ]);
  });

  it('kubectl apply --server-side by a second field manager is not a conflict', async () => {
    const doc = (key: string) => `apiVersion: v1
kind: ConfigMap
metadata:
  name: two-managers
  namespace: default
data:
  ${key}: "1"
`;
    const first = await h.kubectl(
      ['apply', '--server-side', '--field-manager=one', '-f', '-'],
      doc('a'),
    );
    expect(first.code).toBe(0);
    const second = await h.kubectl(
      ['apply', '--server-side', '--field-manager=two', '-f', '-'],
      doc('b'),
    );
    expect([second.code, second.stderr]).toEqual([0, '']);
    const data = await h.kubectl(['get', 'cm', 'two-managers', '-o', 'jsonpath={.data}']);
    expect(JSON.parse(data.stdout)).toEqual({ a: '1', b: '1' });
  });

  it('deletes, and a finalizer holds the object with a deletionTimestamp until it is removed', async () => {
    const doc = `apiVersion: metallb.io/v1beta1
kind: Community
metadata:
  name: held
  namespace: metallb-system
  finalizers: [example.com/hold]
spec:
  communities: [{name: a, value: "1234:1"}]
`;
    expect((await h.kubectl(['apply', '-f', '-'], doc)).code).toBe(0);
    const del = await h.kubectl([
      'delete',
      'community',
      'held',
      '-n',
      'metallb-system',
      '--wait=false',
    ]);
    expect(del.stdout.trim()).toBe('community.metallb.io "held" deleted');
    const held = await client.get({
      apiVersion: 'metallb.io/v1beta1',
      kind: 'Community',
      metadata: { name: 'held', namespace: 'metallb-system' },
    });
    expect((held?.metadata as { deletionTimestamp?: string }).deletionTimestamp).toBe(
      '2026-01-01T00:00:00Z',
    );
    await client.patch(held ?? {}, { metadata: { finalizers: null } });
    const gone = await h.kubectl(['get', 'community', 'held', '-n', 'metallb-system']);
    expect(gone.stderr.trim()).toBe(
      'Error from server (NotFound): communities.metallb.io "held" not found',
    );
  });

  it('kubectl create namespace/secret/configmap (protobuf bodies) and kubectl scale work', async () => {
    expect((await h.kubectl(['create', 'namespace', 'made-by-create'])).stdout.trim()).toBe(
      'namespace/made-by-create created',
    );
    expect(
      (
        await h.kubectl([
          'create',
          'secret',
          'generic',
          'pw',
          '--from-literal=password=s3cret',
          '-n',
          'made-by-create',
        ])
      ).code,
    ).toBe(0);
    expect(
      (await h.kubectl(['create', 'configmap', 'cm', '--from-literal=k=v', '-n', 'made-by-create']))
        .code,
    ).toBe(0);
    const secrets = parseTable(
      (await h.kubectl(['get', 'secrets', '-n', 'made-by-create'])).stdout,
    );
    expect(secrets.header).toEqual(['NAME', 'TYPE', 'DATA', 'AGE']);
    expect(secrets.rows).toEqual([['pw', 'Opaque', '1', '0s']]);
    const pw = await h.kubectl([
      'get',
      'secret',
      'pw',
      '-n',
      'made-by-create',
      '-o',
      'jsonpath={.data.password}',
    ]);
    expect(Buffer.from(pw.stdout, 'base64').toString()).toBe('s3cret');
    const cm = await h.kubectl([
      'get',
      'configmap',
      'cm',
      '-n',
      'made-by-create',
      '-o',
      'jsonpath={.data.k}',
    ]);
    expect(cm.stdout).toBe('v');

    const deployment = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: made-by-create}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: example/web:1}]}
`;
    expect((await h.kubectl(['apply', '-f', '-'], deployment)).code).toBe(0);
    const scaled = await h.kubectl([
      'scale',
      'deployment',
      'web',
      '-n',
      'made-by-create',
      '--replicas=5',
    ]);
    expect(scaled.stdout.trim()).toBe('deployment.apps/web scaled');
    const replicas = await h.kubectl([
      'get',
      'deployment',
      'web',
      '-n',
      'made-by-create',
      '-o',
      'jsonpath={.spec.replicas} {.metadata.generation}',
    ]);
    expect(replicas.stdout).toBe('5 2');
  });

  it('the CRD manifests apply to the server, client-side then server-side', async () => {
    const dir = path.resolve(import.meta.dirname, '../../crds');
    const client = await h.kubectl(['apply', '-f', dir]);
    expect(client.code).toBe(0);
    expect(client.stdout.trim().split('\n')).toHaveLength(
      fs.readdirSync(dir).filter((f) => f.endsWith('.yaml')).length,
    );
    const server = await h.kubectl(['apply', '--server-side', '-f', dir]);
    expect(server.stderr).toBe('');
    expect(
      server.stdout
        .trim()
        .split('\n')
        .every((l) => l.endsWith(' serverside-applied')),
    ).toBe(true);
  });

  it('kubectl get -w shows an update made through the API', async () => {
    const child = spawn(
      KUBECTL,
      [
        '--kubeconfig',
        h.server.kubeconfigPath,
        '--cache-dir',
        path.join(h.tmp, 'cache'),
        'get',
        'bgppeers',
        '-n',
        'metallb-system',
        '-w',
      ],
      {
        env: { PATH: process.env['PATH'] ?? '/usr/bin', HOME: h.tmp },
      },
    );
    let out = '';
    const seen = (pattern: RegExp) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`timed out waiting for ${String(pattern)}; got ${out}`)),
          15_000,
        );
        const check = () => {
          if (pattern.test(out)) {
            clearTimeout(timer);
            resolve();
          }
        };
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          check();
        });
        check();
      });
    try {
      await seen(/peer-b\s+192\.0\.2\.2/);
      await client.patch(
        {
          apiVersion: 'metallb.io/v1beta2',
          kind: 'BGPPeer',
          metadata: { name: 'peer-b', namespace: 'metallb-system' },
        },
        { spec: { peerAddress: '192.0.2.99' } },
      );
      await seen(/peer-b\s+192\.0\.2\.99/);
      expect(parseTable(out).header).toEqual([
        'NAME',
        'ADDRESS',
        'ASN',
        'BFD PROFILE',
        'MULTI HOPS',
      ]);
    } finally {
      child.kill('SIGTERM');
    }
  });
});
