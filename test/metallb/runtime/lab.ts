/**
 * The MetalLB runtime against one builtin router (r1, 198.18.0.1, AS 64500) on in-memory
 * transports, with a Node object per simulated node: what the runtime tests share.
 */
import { SystemClock } from '../../../src/core/clock.js';
import type { Random } from '../../../src/core/random.js';
import { MemoryNetwork } from '../../../src/bgp/io/memory.js';
import { InMemoryBfdNetwork } from '../../../src/bfd/io/memory-transport.js';
import { KubeClient, type KubeResource } from '../../../src/k8s/client.js';
import { BuiltinRouter } from '../../../src/lab/builtin/router.js';
import { MetallbRuntime } from '../../../src/metallb/runtime/runtime.js';
import type { L2Port } from '../../../src/l2/port.js';

export async function startRuntimeLab(options: {
  kubeconfigPath: string;
  nodes: { name: string; ip: string }[];
  random: Random;
  frrK8sNamespace?: string;
  cleanups: (() => Promise<void>)[];
  /** Each node's L2 port (L2 mode on the wire); none: status only. */
  l2Port?: (node: string) => Promise<L2Port>;
}): Promise<{ client: KubeClient; router: BuiltinRouter; rt: MetallbRuntime }> {
  const { random, cleanups, nodes } = options;
  const clock = new SystemClock();
  const client = KubeClient.fromKubeconfigFile(options.kubeconfigPath);
  const bgpNet = new MemoryNetwork(clock);
  const bfdNet = new InMemoryBfdNetwork({ clock, random });
  const router = new BuiltinRouter(
    {
      name: 'r1',
      asn: 64500,
      routerId: '198.18.0.1',
      interfaces: [{ segment: 'lan', ipv4: '198.18.0.1' }],
      neighbors: nodes.map((n) => ({
        address: n.ip,
        remoteAsn: 64501,
        timers: { keepaliveS: 1, holdS: 3 },
      })),
    },
    {
      clock,
      random,
      bgpTransport: bgpNet.transport(),
      bfdTransport: (a) => bfdNet.createTransport({ localAddress: a }),
    },
  );
  await router.start();
  cleanups.push(() => router.stop());
  for (const n of nodes) {
    await client.create({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: n.name, labels: { 'kubernetes.io/hostname': n.name } },
    });
    await client.patchStatus(
      { apiVersion: 'v1', kind: 'Node', metadata: { name: n.name } },
      { status: { addresses: [{ type: 'InternalIP', address: n.ip }] } },
    );
  }
  const rt = await MetallbRuntime.start(
    {
      nodes: nodes.map((n) => n.name),
      ...(options.frrK8sNamespace ? { frrK8sNamespace: options.frrK8sNamespace } : {}),
    },
    {
      client,
      clock,
      random,
      bgpTransport: bgpNet.transport(),
      bfdTransport: (a) => bfdNet.createTransport({ localAddress: a }),
      ...(options.l2Port ? { l2Port: options.l2Port } : {}),
    },
  );
  cleanups.push(() => rt.stop());
  return { client, router, rt };
}

/** Service `web` (LoadBalancer) with a ready endpoint on each node, as the runtime tests use it. */
export function webServiceWithEndpoints(nodes: { name: string }[]): KubeResource[] {
  return [
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: 'default' },
      spec: { type: 'LoadBalancer', selector: { app: 'web' }, ports: [{ port: 80 }] },
    },
    {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: {
        name: 'web-abcde',
        namespace: 'default',
        labels: { 'kubernetes.io/service-name': 'web' },
      },
      addressType: 'IPv4',
      endpoints: nodes.map((n, i) => ({
        addresses: [`198.19.0.${i + 1}`],
        conditions: { ready: true },
        nodeName: n.name,
      })),
      ports: [{ port: 80, protocol: 'TCP' }],
    } as KubeResource,
  ];
}
