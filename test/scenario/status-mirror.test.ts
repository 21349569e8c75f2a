import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KubeClient } from '../../src/k8s/client.js';
import { loadScenario } from '../../src/scenario/load.js';
import { runScenario } from '../../src/scenario/runner/run.js';

const root = resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'speakersim-cluster-'));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) c.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});

/** A second speakersim API server in its own process, standing in for an existing cluster. */
async function cluster(args: string[]): Promise<string> {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  let text = '';
  return new Promise((ok, fail) => {
    child.stdout!.on('data', (c: Buffer) => {
      text += c.toString();
      const line = text.split('\n').find((l) => l.startsWith('{'));
      if (line) ok((JSON.parse(line) as { kubeconfig: string }).kubeconfig);
    });
    child.on('exit', (code) => fail(new Error(`API server exited with ${code}`)));
  });
}

describe('run --kubeconfig: status CRs into an existing cluster', () => {
  it('the cluster gets BGPSessionState and ServiceBGPStatus, through its kubeconfig only', async () => {
    const kubeconfig = await cluster([
      'src/cli/main.ts',
      'apiserver',
      '--kubeconfig',
      join(dir, 'cluster.kubeconfig'),
    ]);
    const scenario = await loadScenario(join(root, 'scenarios/bfd-down-recovery.yaml'));
    const out = await runScenario(scenario, { clusterKubeconfig: kubeconfig });
    expect(out.failures).toEqual([]);
    const c = KubeClient.fromKubeconfigFile(kubeconfig);
    const sessions = await c.list('frrk8s.metallb.io/v1beta1', 'BGPSessionState', {
      namespace: 'openshift-frr-k8s',
    });
    expect(
      sessions.map((s) => {
        const st = s['status'] as {
          node: string;
          peer: string;
          bgpStatus: string;
          bfdStatus: string;
        };
        return [st.node, st.peer, st.bgpStatus, st.bfdStatus];
      }),
    ).toEqual([['worker0', '198.18.0.1', 'Established', 'Up']]);
    // No uid-bound fields from the embedded server.
    expect(sessions[0]!.metadata?.ownerReferences).toBeUndefined();
    const svc = await c.list('metallb.io/v1beta1', 'ServiceBGPStatus', {
      namespace: 'metallb-system',
    });
    expect(svc.length).toBe(1);
    // The scenario's own objects stay out of the cluster.
    expect(
      await c.get({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'worker0' } }),
    ).toBeUndefined();
  }, 120_000);

  it('a cluster without the CRDs is a setup error that says to apply crds/', async () => {
    const kubeconfig = await cluster([
      '--input-type=module',
      '-e',
      `const m = await import('./src/k8s/main.ts'); await m.runApiServer(['--port', '0', '--no-crds', '--kubeconfig', ${JSON.stringify(join(dir, 'bare.kubeconfig'))}]);`,
    ]);
    const scenario = await loadScenario(join(root, 'scenarios/bfd-down-recovery.yaml'));
    const out = await runScenario(scenario, { clusterKubeconfig: kubeconfig });
    expect(out.run.setupError).toMatch(/^ERR_SCENARIO_CLUSTER_CRD_MISSING: .*crds\//);
  }, 120_000);
});
