import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { KubeClient } from '../../src/k8s/client.js';
import { CLOSE_WAIT_MS } from '../../src/scenario/runner/status-mirror.js';
import {
  cli,
  clusterProcesses,
  kubectlTable,
  ROOT,
  sessionRows,
  until,
} from '../support/cluster-process.js';

// `speakersim lab up --kubeconfig`: the lab's status CRs go into another API server process
// (the "cluster"), reached through its kubeconfig only; `lab down` leaves its last state.
const clusters = clusterProcesses();
afterAll(() => clusters.stop());
const FIXTURE = join(ROOT, 'test/cli/fixtures/kubeconfig-lab.yaml');
const run = promisify(execFile);

describe('lab up --kubeconfig', () => {
  it('mirrors BGPSessionState and ServiceBGPStatus for the life of the lab; lab down leaves them', async () => {
    const kubeconfig = await clusters.start();
    const lab = cli(['lab', 'up', FIXTURE, '--allow-outside-files', '--kubeconfig', kubeconfig]);
    try {
      // The last line of lab up's banner: the lines before it have all arrived.
      await until(
        () => lab.stdout().includes('speakersim lab down kcfglab'),
        60_000,
        () => lab.stdout(),
      );
      expect(lab.stdout()).toContain(`status CRs also go to the cluster in ${kubeconfig}`);
      const c = KubeClient.fromKubeconfigFile(kubeconfig);
      await until(
        async () =>
          JSON.stringify(await sessionRows(c, 'openshift-frr-k8s')) ===
          JSON.stringify([['worker0', '198.18.0.1', 'Established', 'Up']]),
        60_000,
      );
      await until(
        async () =>
          (await c.list('metallb.io/v1beta1', 'ServiceBGPStatus', { namespace: 'metallb-system' }))
            .length === 1,
        30_000,
      );
      // What a user of the cluster sees, with the real kubectl.
      const table = await kubectlTable(kubeconfig, ['bgpsessionstates', '-A', '-o', 'wide']);
      expect(table.header).toEqual(['NAMESPACE', 'NAME', 'NODE', 'PEER', 'VRF', 'BGP', 'BFD']);
      expect(table.rows.length).toBe(1);
      const [ns, name, ...status] = table.rows[0]!;
      expect(ns).toBe('openshift-frr-k8s');
      expect(name).toMatch(/^worker0-[a-z0-9]{5}$/);
      expect(status).toEqual(['worker0', '198.18.0.1', '', 'Established', 'Up']);
      // lab down (another process, through the lab's control port) ends the lab process.
      const down = await run(
        process.execPath,
        ['--import', 'tsx', 'src/cli/main.ts', 'lab', 'down', 'kcfglab'],
        {
          cwd: ROOT,
        },
      );
      expect(down.stdout).toContain('lab kcfglab: shutting down');
      expect(await lab.exited).toBe(0);
      // The cluster keeps the lab's last state.
      expect(await sessionRows(c, 'openshift-frr-k8s')).toEqual([
        ['worker0', '198.18.0.1', 'Established', 'Up'],
      ]);
    } finally {
      lab.kill();
    }
  }, 180_000);

  it('a cluster that stops answering does not keep lab down from ending the lab', async () => {
    const kubeconfig = await clusters.start();
    const c = KubeClient.fromKubeconfigFile(kubeconfig);
    const lab = cli(['lab', 'up', FIXTURE, '--allow-outside-files', '--kubeconfig', kubeconfig]);
    try {
      // BFD Up first: the session is Established with BFD still Down for a moment after start,
      // and a drop then would change nothing (no write pending, as this test needs).
      await until(
        async () =>
          JSON.stringify(await sessionRows(c, 'openshift-frr-k8s')) ===
          JSON.stringify([['worker0', '198.18.0.1', 'Established', 'Up']]),
        60_000,
      );
      clusters.signal(kubeconfig, 'SIGSTOP');
      // A change while the cluster hangs, so that a write is pending when the lab goes down.
      const cmd = (args: string[]) =>
        run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: ROOT });
      await cmd(['inject', 'drop-bfd', '--router', 'r1', '--lab', 'kcfglab']);
      // The lab's own API server holds the BFD Down (lab status may show it before the status
      // queue wrote it): the mirror has a write for the hung cluster from then on.
      const own = KubeClient.fromKubeconfigFile(/export KUBECONFIG=(\S+)/.exec(lab.stdout())![1]!);
      await until(
        async () => (await sessionRows(own, 'openshift-frr-k8s')).some((row) => row[3] === 'Down'),
        30_000,
      );
      const t0 = Date.now();
      await run(
        process.execPath,
        ['--import', 'tsx', 'src/cli/main.ts', 'lab', 'down', 'kcfglab'],
        {
          cwd: ROOT,
        },
      );
      expect(await lab.exited).toBe(0);
      // CLOSE_WAIT_MS for the cluster, then the lab's own teardown.
      expect(Date.now() - t0).toBeGreaterThanOrEqual(CLOSE_WAIT_MS);
      expect(Date.now() - t0).toBeLessThan(CLOSE_WAIT_MS + 30_000);
    } finally {
      clusters.signal(kubeconfig, 'SIGCONT');
      lab.kill();
    }
  }, 180_000);

  it('a cluster without the CRDs: lab up exits 1 with ERR_SCENARIO_CLUSTER_CRD_MISSING', async () => {
    const kubeconfig = await clusters.start({ crds: false });
    const lab = cli(['lab', 'up', FIXTURE, '--allow-outside-files', '--kubeconfig', kubeconfig]);
    try {
      expect(await lab.exited).toBe(1);
      expect(lab.stderr()).toMatch(/ERR_SCENARIO_CLUSTER_CRD_MISSING: .*crds\//);
      expect(lab.stdout()).not.toContain('is up');
    } finally {
      lab.kill();
    }
  }, 120_000);
});
