import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { KubeClient } from '../../src/k8s/client.js';
import { vtyshCommands } from '../../src/lab/router-state.js';
import type { LabTopology } from '../../src/lab/topology.js';
import {
  cli,
  clusterProcesses,
  kubectlTable,
  sessionRows,
  until,
  type CliProcess,
} from '../support/cluster-process.js';
import { integration, labForFile } from './require.js';

// `speakersim speaker --kubeconfig` (its own process, host namespace, binding node1's address)
// against FRR 8.4 in a namespace with BFD; the "cluster" is a second speakersim API server
// process, read through its kubeconfig and with the real kubectl.
const LAB = 'kcf';
const R1 = { lab: LAB, router: 'r1' };
const RTR = '198.18.214.1';
const NODE = '198.18.214.10';
const topology: LabTopology = {
  name: LAB,
  segments: [{ name: 'lan', ipv4Prefix: '198.18.214.0/24', ipv6Prefix: '2001:db8:214::/64' }],
  routers: [
    {
      name: 'r1',
      asn: 64500,
      routerId: RTR,
      interfaces: [{ segment: 'lan', ipv4: RTR, ipv6: '2001:db8:214::1' }],
      neighbors: [
        {
          address: NODE,
          remoteAsn: 64501,
          timers: { keepaliveS: 1, holdS: 3 },
          connectRetryS: 1,
          bfd: {
            name: 'fast',
            receiveIntervalMs: 200,
            transmitIntervalMs: 200,
            detectMultiplier: 3,
            passive: false,
          },
        },
      ],
    },
  ],
  nodes: [{ name: 'node1', asn: 64501, segment: 'lan', ipv4: NODE }],
};

integration(['root', 'frr', 'vtysh', 'ip', 'nft'])(
  'speaker --kubeconfig against FRR: BGPSessionState in the cluster',
  () => {
    labForFile(topology);
    const clusters = clusterProcesses();
    let kubeconfig: string;
    let c: KubeClient;
    let speaker: CliProcess;
    const rows = () => sessionRows(c, 'openshift-frr-k8s');
    const show = () => speaker.stdout() + speaker.stderr();

    beforeAll(async () => {
      kubeconfig = await clusters.start();
      c = KubeClient.fromKubeconfigFile(kubeconfig);
      const file = join(clusters.dir, 'speaker.yaml');
      writeFileSync(
        file,
        [
          'node: node1',
          'asn: 64501',
          `localAddress: ${NODE}`,
          'listenPort: 0',
          'peers:',
          `  - address: ${RTR}`,
          '    asn: 64500',
          '    holdTime: 3',
          '    keepalive: 1',
          '    connectRetry: 1',
          '    bfd: {receiveInterval: 200, transmitInterval: 200, detectMultiplier: 3}',
          'routes: [{prefix: 198.18.215.10/32}]',
          '',
        ].join('\n'),
      );
      speaker = cli(['speaker', '--config', file, '--kubeconfig', kubeconfig]);
    }, 60_000);

    afterAll(() => {
      speaker?.kill();
      clusters.stop();
    });

    it('Established with BFD Up, as kubectl get bgpsessionstates -A -o wide shows it', async () => {
      const t0 = Date.now();
      await until(
        async () =>
          JSON.stringify(await rows()) === JSON.stringify([['node1', RTR, 'Established', 'Up']]),
        60_000,
        show,
      );
      console.log(
        `[speaker-kubeconfig-frr] Established/Up in the cluster ${Date.now() - t0} ms after start`,
      );
      const table = await kubectlTable(kubeconfig, ['bgpsessionstates', '-A', '-o', 'wide']);
      expect(table.rows.map((r) => [r[0], ...r.slice(2)])).toEqual([
        ['openshift-frr-k8s', 'node1', RTR, '', 'Established', 'Up'],
      ]);
    }, 90_000);

    it('`neighbor X shutdown` on FRR: the object leaves Established; `no ... shutdown` brings it back', async () => {
      await vtyshCommands(R1, [
        'configure terminal',
        'router bgp 64500',
        `neighbor ${NODE} shutdown`,
      ]);
      const t0 = Date.now();
      await until(async () => (await rows())[0]?.[2] !== 'Established', 10_000, show);
      console.log(
        `[speaker-kubeconfig-frr] left Established in the cluster within ${Date.now() - t0} ms`,
      );
      await vtyshCommands(R1, [
        'configure terminal',
        'router bgp 64500',
        `no neighbor ${NODE} shutdown`,
      ]);
      await until(
        async () =>
          JSON.stringify(await rows()) === JSON.stringify([['node1', RTR, 'Established', 'Up']]),
        30_000,
        show,
      );
    }, 60_000);

    it('SIGTERM: the speaker exits 0 and the cluster has no BGPSessionState left', async () => {
      speaker.kill();
      expect(await speaker.exited).toBe(0);
      expect(await rows()).toEqual([]);
    }, 30_000);
  },
);
