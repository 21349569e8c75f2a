import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { STOP_CLUSTER_WAIT_MS } from '../../src/cli/speaker.js';
import { KubeClient } from '../../src/k8s/client.js';
import {
  cli,
  clusterProcesses,
  kubectlTable,
  sessionRows,
  until,
} from '../support/cluster-process.js';

// The `speakersim speaker --kubeconfig` process against a second API server process (the
// "cluster"), reached through its kubeconfig only. Its peer is a loopback port nobody listens
// on, so the session stays short of Established (speaker-run.test.ts drives it to Established
// and through BFD Down in virtual time); this proves the command's wiring, the namespace
// option, kubectl's view and the deletion on SIGTERM.
const clusters = clusterProcesses();
afterAll(() => clusters.stop());

/** A loopback TCP port with no listener (taken, then freed). */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

async function speakerFile(): Promise<string> {
  const file = join(clusters.dir, `speaker-${Date.now()}.yaml`);
  writeFileSync(
    file,
    [
      'node: kcfg-node',
      'asn: 64501',
      'localAddress: 127.0.0.1',
      'listenPort: 0',
      'peers:',
      `  - {address: 127.0.0.1, asn: 64500, port: ${await closedPort()}, connectRetry: 1}`,
      'routes: [{prefix: 198.18.100.10/32}]',
      '',
    ].join('\n'),
  );
  return file;
}

describe('speakersim speaker --kubeconfig (process)', () => {
  it('its peer shows in kubectl get bgpsessionstates -A -o wide, in --frr-k8s-namespace; gone after SIGTERM', async () => {
    const kubeconfig = await clusters.start();
    const c = KubeClient.fromKubeconfigFile(kubeconfig);
    const speaker = cli([
      'speaker',
      '--config',
      await speakerFile(),
      '--kubeconfig',
      kubeconfig,
      '--frr-k8s-namespace',
      'kcfg-speakers',
    ]);
    try {
      await until(
        async () => (await sessionRows(c, 'kcfg-speakers')).length === 1,
        30_000,
        () => speaker.stdout() + speaker.stderr(),
      );
      const table = await kubectlTable(kubeconfig, ['bgpsessionstates', '-A', '-o', 'wide']);
      expect(table.header).toEqual(['NAMESPACE', 'NAME', 'NODE', 'PEER', 'VRF', 'BGP', 'BFD']);
      expect(table.rows.length).toBe(1);
      const [ns, name, node, peer, vrf, bgp, bfd] = table.rows[0]!;
      expect([ns, node, peer, vrf, bfd]).toEqual([
        'kcfg-speakers',
        'kcfg-node',
        '127.0.0.1',
        '',
        'N/A',
      ]);
      expect(name).toMatch(/^kcfg-node-[a-z0-9]{5}$/);
      // Refused connections: never Established (RFC 4271 8.2.2 states only).
      expect(['Idle', 'Connect', 'Active']).toContain(bgp);
      speaker.kill();
      expect(await speaker.exited).toBe(0);
      expect(await sessionRows(c, 'kcfg-speakers')).toEqual([]);
    } finally {
      speaker.kill();
    }
  }, 120_000);

  it('a cluster that stops answering does not keep SIGTERM from ending the speaker (exit 1, reported)', async () => {
    const kubeconfig = await clusters.start();
    const c = KubeClient.fromKubeconfigFile(kubeconfig);
    const speaker = cli(['speaker', '--config', await speakerFile(), '--kubeconfig', kubeconfig]);
    try {
      await until(async () => (await sessionRows(c, 'openshift-frr-k8s')).length === 1, 30_000);
      clusters.signal(kubeconfig, 'SIGSTOP');
      const t0 = Date.now();
      speaker.kill();
      expect(await speaker.exited).toBe(1);
      const ms = Date.now() - t0;
      // STOP_CLUSTER_WAIT_MS (5 s), then the 200 ms the command gives packets to leave.
      expect(ms).toBeGreaterThanOrEqual(STOP_CLUSTER_WAIT_MS);
      expect(ms).toBeLessThan(STOP_CLUSTER_WAIT_MS + 20_000);
      expect(speaker.stderr()).toContain('not deleted, the cluster did not answer');
    } finally {
      clusters.signal(kubeconfig, 'SIGCONT');
      speaker.kill();
    }
  }, 120_000);

  it('a cluster without the CRD: exit 1 with ERR_SCENARIO_CLUSTER_CRD_MISSING', async () => {
    const kubeconfig = await clusters.start({ crds: false });
    const speaker = cli(['speaker', '--config', await speakerFile(), '--kubeconfig', kubeconfig]);
    try {
      expect(await speaker.exited).toBe(1);
      expect(speaker.stderr()).toMatch(/ERR_SCENARIO_CLUSTER_CRD_MISSING: .*crds\//);
      expect(speaker.stdout()).not.toContain('started');
    } finally {
      speaker.kill();
    }
  }, 120_000);
});
