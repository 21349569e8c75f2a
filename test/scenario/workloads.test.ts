import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadScenario } from '../../src/scenario/load.js';
import { ScenarioSession } from '../../src/scenario/runner/session.js';
import { podTemplateHash } from '../../src/scenario/runner/workloads.js';
import type { Manifest } from '../../src/scenario/types.js';
import { KUBECTL, kubectlAvailable, parseTable } from '../k8s/helpers.js';

// The seed's "Deploy an application" step: the Deployment's Pods run and are Ready, so
// `kubectl get deploy` and `kubectl get pods -o wide` answer as on a cluster.
const root = path.join(import.meta.dirname, '../..');
const deployment = parseAllDocuments(
  readFileSync(path.join(root, 'scenarios/manifests/seed-bgp/deployment.yaml'), 'utf8'),
)[0]!.toJS() as Manifest;

let session: ScenarioSession;
const kubectl = (args: string[]) =>
  new Promise<string>((resolve, reject) =>
    execFile(
      KUBECTL,
      ['--kubeconfig', session.kubeconfigPath, ...args],
      { timeout: 30_000 },
      (err, stdout, stderr) => (err ? reject(new Error(stderr || String(err))) : resolve(stdout)),
    ),
  );

beforeAll(async () => {
  const scenario = await loadScenario(path.join(root, 'test/ui/fixtures/live-view.yaml'));
  session = await ScenarioSession.start(scenario, { clock: 'real' });
  await session.apply(deployment, 'test');
  await session.settle();
});
afterAll(async () => {
  await session?.close();
});

describe('simulated workloads', () => {
  it('runs spec.replicas Ready pods across the nodes and reports them in the status', async () => {
    const d = await session.client.get<Manifest & { status?: Record<string, unknown> }>({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'test-app', namespace: 'default' },
    });
    expect(d?.status).toMatchObject({
      replicas: 2,
      updatedReplicas: 2,
      readyReplicas: 2,
      availableReplicas: 2,
      conditions: [
        { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable' },
        { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable' },
      ],
    });
    const pods = await session.client.list('v1', 'Pod', {
      namespace: 'default',
      labelSelector: 'app=test-app',
    });
    const hash = podTemplateHash((deployment['spec'] as { template: unknown }).template);
    expect(hash).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]{6,10}$/);
    expect(
      pods
        .map((p) => {
          const x = p as Manifest & {
            spec: { nodeName: string };
            status: { phase: string; conditions: { type: string; status: string }[] };
          };
          return [
            x.spec.nodeName,
            x.status.phase,
            x.status.conditions.find((c) => c.type === 'Ready')?.status,
            x.metadata?.name?.startsWith(`test-app-${hash}-`),
          ];
        })
        .sort(),
    ).toEqual([
      ['worker0', 'Running', 'True', true],
      ['worker1', 'Running', 'True', true],
    ]);
  });

  it('follows scaling, and the pods go with their Deployment', async () => {
    const ref = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'test-app', namespace: 'default' },
    };
    await session.client.patch(ref, { spec: { replicas: 3 } }, 'merge');
    await session.settle();
    const count = async () =>
      (
        await session.client.list('v1', 'Pod', {
          namespace: 'default',
          labelSelector: 'app=test-app',
        })
      ).length;
    expect(await count()).toBe(3);
    await session.client.patch(ref, { spec: { replicas: 1 } }, 'merge');
    await session.settle();
    expect(await count()).toBe(1);
    await session.client.patch(ref, { spec: { replicas: 2 } }, 'merge');
    await session.settle();
    expect(await count()).toBe(2);
  });

  it.runIf(kubectlAvailable())(
    'kubectl get deploy shows 2/2 ready, get pods Running 1/1',
    async () => {
      const deploy = parseTable(await kubectl(['get', 'deploy', '-n', 'default']));
      expect(deploy.header).toEqual(['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE']);
      expect(deploy.rows.map((r) => r.slice(0, 4))).toEqual([['test-app', '2/2', '2', '2']]);
      const pods = parseTable(await kubectl(['get', 'pods', '-n', 'default', '-o', 'wide']));
      expect(pods.rows.map((r) => [r[1], r[2], r[6]]).sort()).toEqual([
        ['1/1', 'Running', 'worker0'],
        ['1/1', 'Running', 'worker1'],
      ]);
    },
  );
});
