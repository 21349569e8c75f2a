import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KubeClient } from '../../src/k8s/client.js';
import { loadScenario } from '../../src/scenario/load.js';
import { runScenario } from '../../src/scenario/runner/run.js';
import { clusterProcesses, ROOT as root } from '../support/cluster-process.js';

const clusters = clusterProcesses();
afterAll(() => clusters.stop());

describe('run --kubeconfig: status CRs into an existing cluster', () => {
  it('the cluster gets BGPSessionState and ServiceBGPStatus, through its kubeconfig only', async () => {
    const kubeconfig = await clusters.start();
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
    const kubeconfig = await clusters.start({ crds: false });
    const scenario = await loadScenario(join(root, 'scenarios/bfd-down-recovery.yaml'));
    const out = await runScenario(scenario, { clusterKubeconfig: kubeconfig });
    expect(out.run.setupError).toMatch(/^ERR_SCENARIO_CLUSTER_CRD_MISSING: .*crds\//);
  }, 120_000);
});
