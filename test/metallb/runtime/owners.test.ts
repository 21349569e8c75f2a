import { afterEach, describe, expect, it } from 'vitest';
import { SeededRandom } from '../../../src/core/random.js';
import type { KubeClient } from '../../../src/k8s/client.js';
import { type KubeResource } from '../../../src/k8s/client.js';
import { waitFor } from './wait-for.js';
import { startRuntimeLab, webServiceWithEndpoints } from './lab.js';
import { l2ElectionOrder } from '../../../src/metallb/l2.js';
import { kubectlAvailable, parseTable, startHarness } from '../../k8s/helpers.js';

// What a node's speaker wrote goes away with its pods (ownerReferences + the API server's
// garbage collector), and the new L2 leader removes the old leader's object: after a failover
// kubectl shows one ServiceL2Status, as on a real cluster.
const NS = 'metallb-system';
const FRR_NS = 'frr-k8s-system';
const NODES = [
  { name: 'worker0', ip: '198.18.0.10' },
  { name: 'worker1', ip: '198.18.0.11' },
];
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const statusOf = (o: KubeResource) => (o as { status?: Record<string, unknown> }).status ?? {};
const owners = (o: KubeResource) =>
  (o.metadata as { ownerReferences?: { kind: string; name: string; uid: string }[] })
    .ownerReferences ?? [];

async function setup() {
  const h = await startHarness(Date.UTC(2026, 3, 21, 9, 0, 0), {
    namespaces: [NS, FRR_NS, 'default'],
  });
  cleanups.push(() => h.close());
  const random = new SeededRandom(11);
  const { client, rt } = await startRuntimeLab({
    kubeconfigPath: h.server.kubeconfigPath,
    nodes: NODES,
    random,
    frrK8sNamespace: FRR_NS,
    cleanups,
  });
  const objects: KubeResource[] = [
    {
      apiVersion: 'metallb.io/v1beta1',
      kind: 'IPAddressPool',
      metadata: { name: 'pool', namespace: NS },
      spec: { addresses: ['198.18.100.10/32'] },
    },
    {
      apiVersion: 'metallb.io/v1beta1',
      kind: 'L2Advertisement',
      metadata: { name: 'l2', namespace: NS },
      spec: { ipAddressPools: ['pool'] },
    },
    {
      apiVersion: 'metallb.io/v1beta1',
      kind: 'BGPAdvertisement',
      metadata: { name: 'bgp', namespace: NS },
      spec: { ipAddressPools: ['pool'] },
    },
    {
      apiVersion: 'metallb.io/v1beta2',
      kind: 'BGPPeer',
      metadata: { name: 'r1', namespace: NS },
      spec: { myASN: 64501, peerASN: 64500, peerAddress: '198.18.0.1' },
    },
    ...webServiceWithEndpoints(NODES),
  ];
  for (const o of objects) await client.create(o);
  return { h, client, rt };
}

const list = (client: KubeClient, kind: string, ns = NS) =>
  client.list(
    kind === 'BGPSessionState' ? 'frrk8s.metallb.io/v1beta1' : 'metallb.io/v1beta1',
    kind,
    {
      namespace: ns,
    },
  );

describe('status objects of a stopped node', () => {
  it('are owned by the node pods, go with them, and leave one ServiceL2Status after failover', async () => {
    const { h, client, rt } = await setup();
    const [leader, other] = l2ElectionOrder(
      NODES.map((n) => n.name),
      '198.18.100.10',
    ) as [string, string];
    await waitFor('both nodes Established and reported', async () => {
      const sessions = await list(client, 'BGPSessionState', FRR_NS);
      const bgp = await list(client, 'ServiceBGPStatus');
      const l2 = await list(client, 'ServiceL2Status');
      return (
        sessions.filter((s) => statusOf(s)['bgpStatus'] === 'Established').length === 2 &&
        bgp.length === 2 &&
        l2.length === 1 &&
        statusOf(l2[0]!)['node'] === leader
      );
    });
    const pods = await client.list('v1', 'Pod', {});
    const podOf = (node: string, ns: string) =>
      pods.find(
        (p) =>
          p.metadata?.namespace === ns &&
          (p as { spec?: { nodeName?: string } }).spec?.nodeName === node,
      );
    const speakerPod = podOf(leader, NS)!;
    const frrPod = podOf(leader, FRR_NS)!;
    expect(speakerPod.metadata?.name).toMatch(/^speaker-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    expect(frrPod.metadata?.name).toMatch(/^frr-k8s-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    const [l2Before] = await list(client, 'ServiceL2Status');
    // controllerutil.SetOwnerReference: apiVersion, kind, name, uid and nothing else.
    expect(owners(l2Before!)).toEqual([
      {
        apiVersion: 'v1',
        kind: 'Pod',
        name: speakerPod.metadata?.name,
        uid: speakerPod.metadata?.uid,
      },
    ]);
    const leaderSession = (await list(client, 'BGPSessionState', FRR_NS)).find(
      (s) => statusOf(s)['node'] === leader,
    )!;
    expect(owners(leaderSession).map((o) => o.uid)).toEqual([frrPod.metadata?.uid]);

    const deleted: string[] = [];
    const stopWatch = await client.watch(
      'metallb.io/v1beta1',
      'ServiceL2Status',
      { namespace: NS },
      (type, o) => {
        if (type === 'DELETED') deleted.push(String(statusOf(o)['node']));
      },
    );
    cleanups.push(async () => stopWatch());
    await rt.stopNode(leader);
    const after = await waitFor('failover to the other node', async () => {
      const l2 = await list(client, 'ServiceL2Status');
      return l2.length === 1 && statusOf(l2[0]!)['node'] === other ? l2 : undefined;
    });
    expect(after).toHaveLength(1);
    await waitFor('the watcher saw the old leader object deleted', () => deleted.includes(leader));
    // The garbage collector took the stopped node's BGP statuses with its pods.
    await waitFor('stopped node statuses collected', async () => {
      const bgp = await list(client, 'ServiceBGPStatus');
      const sessions = await list(client, 'BGPSessionState', FRR_NS);
      return (
        bgp.map((o) => statusOf(o)['node']).join() === other &&
        sessions.map((o) => statusOf(o)['node']).join() === other
      );
    });
    const podsLeft = await client.list('v1', 'Pod', {});
    expect(podsLeft.map((p) => (p as { spec?: { nodeName?: string } }).spec?.nodeName)).toEqual([
      other,
      other,
    ]);

    if (kubectlAvailable()) {
      const out = await h.kubectl(['get', 'servicel2statuses', '-n', NS]);
      expect(out.code).toBe(0);
      const table = parseTable(out.stdout);
      expect(table.header).toEqual(['NAME', 'ALLOCATED NODE', 'SERVICE NAME', 'SERVICE NAMESPACE']);
      expect(table.rows.map((r) => r.slice(1))).toEqual([[other, 'web', 'default']]);
    }

    // Back again: new pods, new owners; still one ServiceL2Status (the leader takes it back).
    await rt.restartNode(leader);
    const back = await waitFor('leader again', async () => {
      const l2 = await list(client, 'ServiceL2Status');
      return l2.length === 1 && statusOf(l2[0]!)['node'] === leader ? l2[0] : undefined;
    });
    const newPod = (await client.list('v1', 'Pod', { namespace: NS })).find(
      (p) => (p as { spec?: { nodeName?: string } }).spec?.nodeName === leader,
    );
    expect(newPod?.metadata?.uid).not.toBe(speakerPod.metadata?.uid);
    expect(owners(back).map((o) => o.uid)).toEqual([newPod?.metadata?.uid]);
    expect(rt.problems).toEqual([]);
  }, 40_000);
});
