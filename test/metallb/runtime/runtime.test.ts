import { afterEach, describe, expect, it } from 'vitest';
import { SeededRandom } from '../../../src/core/random.js';
import { ApiServer } from '../../../src/k8s/api-server.js';
import { waitFor } from './wait-for.js';
import { startRuntimeLab } from './lab.js';
import { serveMetrics } from '../../../src/metallb/runtime/metrics-server.js';

// The seed's BGP example end to end on builtin peers: controller, speaker, builtin router.
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup() {
  const random = new SeededRandom(5);
  const server = await ApiServer.start({
    port: 0,
    random,
    namespaces: ['metallb-system', 'frr-k8s-system'],
  });
  cleanups.push(() => server.close());
  const lab = await startRuntimeLab({
    kubeconfigPath: server.kubeconfigPath,
    nodes: [{ name: 'worker0', ip: '198.18.0.10' }],
    random,
    cleanups,
  });
  return { server, ...lab };
}

describe('MetalLB runtime against a builtin router', () => {
  it('allocates, announces and reports the seed BGP example', async () => {
    const { client, router, rt } = await setup();
    const ns = 'metallb-system';
    await client.create({
      apiVersion: 'metallb.io/v1beta1',
      kind: 'IPAddressPool',
      metadata: { name: 'bgp-pool', namespace: ns },
      spec: { addresses: ['192.168.122.210-192.168.122.220'], autoAssign: true },
    });
    await client.create({
      apiVersion: 'metallb.io/v1beta2',
      kind: 'BGPPeer',
      metadata: { name: 'bgp-peer', namespace: ns },
      spec: { myASN: 64501, peerASN: 64500, peerAddress: '198.18.0.1' },
    });
    await client.create({
      apiVersion: 'metallb.io/v1beta1',
      kind: 'BGPAdvertisement',
      metadata: { name: 'bgp-advertisement', namespace: ns },
      spec: { ipAddressPools: ['bgp-pool'] },
    });
    await client.create({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'test-service', namespace: 'default' },
      spec: {
        selector: { app: 'test-app' },
        ports: [{ protocol: 'TCP', port: 80, targetPort: 8080 }],
        type: 'LoadBalancer',
      },
    });
    await client.create({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: {
        name: 'test-service-abcde',
        namespace: 'default',
        labels: { 'kubernetes.io/service-name': 'test-service' },
      },
      addressType: 'IPv4',
      endpoints: [{ addresses: ['198.19.0.11'], conditions: { ready: true }, nodeName: 'worker0' }],
      ports: [{ port: 8080, protocol: 'TCP' }],
    });
    const svc = await waitFor('service IP', async () => {
      const s = (await client.get({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'test-service', namespace: 'default' },
      })) as { status?: { loadBalancer?: { ingress?: { ip: string }[] } } } | undefined;
      return s?.status?.loadBalancer?.ingress?.[0]?.ip;
    });
    expect(svc).toBe('192.168.122.210');
    const pool = await waitFor('pool status', async () => {
      const p = (await client.get({
        apiVersion: 'metallb.io/v1beta1',
        kind: 'IPAddressPool',
        metadata: { name: 'bgp-pool', namespace: ns },
      })) as { status?: Record<string, number> } | undefined;
      return p?.status?.assignedIPv4 === 1 ? p.status : undefined;
    });
    expect(pool).toEqual({ assignedIPv4: 1, assignedIPv6: 0, availableIPv4: 10, availableIPv6: 0 });
    const route = await waitFor(
      'route at r1',
      () => router.bgpRoutes('ipv4').routes['192.168.122.210/32'],
    );
    expect(route[0]?.nexthops[0]?.ip).toBe('198.18.0.10');
    const sbs = await waitFor('ServiceBGPStatus', async () => {
      const o = (await client.list('metallb.io/v1beta1', 'ServiceBGPStatus', { namespace: ns }))[0];
      return (o as { status?: unknown } | undefined)?.status ? o : undefined;
    });
    expect(sbs.metadata?.name).toMatch(/^bgp-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    expect((sbs as { status?: unknown }).status).toEqual({
      node: 'worker0',
      peers: ['bgp-peer'],
      serviceName: 'test-service',
      serviceNamespace: 'default',
    });
    const bss = await waitFor('BGPSessionState Established', async () => {
      const l = await client.list('frrk8s.metallb.io/v1beta1', 'BGPSessionState', {
        namespace: 'frr-k8s-system',
      });
      const o = l[0] as { status?: { bgpStatus?: string } } | undefined;
      return o?.status?.bgpStatus === 'Established' ? o : undefined;
    });
    expect(bss.status).toEqual({
      node: 'worker0',
      peer: '198.18.0.1',
      bgpStatus: 'Established',
      bfdStatus: 'N/A',
    });
    // Written in the status half of a pass, independently of the BGPSessionState writes.
    const frr = await waitFor('FRRNodeState with the service network', async () => {
      const o = (await client.get({
        apiVersion: 'frrk8s.metallb.io/v1beta1',
        kind: 'FRRNodeState',
        metadata: { name: 'worker0' },
      })) as { status?: { runningConfig?: string } } | undefined;
      return o?.status?.runningConfig?.includes('network') ? o : undefined;
    });
    expect(frr.status?.runningConfig).toContain('  network 192.168.122.210/32');
    const cs = await client.list('metallb.io/v1beta1', 'ConfigurationState', { namespace: ns });
    expect(
      cs
        .map((c) => [c.metadata?.name, (c as { status?: { result?: string } }).status?.result])
        .sort(),
    ).toEqual([
      ['controller', 'Valid'],
      ['speaker-worker0', 'Valid'],
    ]);
    expect(
      await rt.nodeRegistry('worker0')!.getSingleMetricAsString('metallb_bgp_session_up'),
    ).toContain('metallb_bgp_session_up{peer="198.18.0.1:179",vrf="default"} 1');
    // The controller's allocator gauges, as MetalLB's updatePoolStats sets them.
    const controller = await rt.registry.metrics();
    expect(controller).toContain('metallb_allocator_addresses_total{pool="bgp-pool"} 11');
    expect(controller).toContain('metallb_allocator_addresses_in_use_total{pool="bgp-pool"} 1');
    expect(controller).toContain('metallb_allocator_services_allocated_total{pool="bgp-pool"} 1');
    expect(controller).toContain('metallb_k8s_client_config_loaded_bool 1');
    const metrics = await serveMetrics(rt);
    try {
      const text = await (await fetch(`${metrics.url}/metrics/worker0`)).text();
      expect(text).toContain('metallb_bgp_session_up{peer="198.18.0.1:179",vrf="default"} 1');
      expect(text).toMatch(
        /^metallb_bgp_updates_total\{peer="198.18.0.1:179",vrf="default"\} [1-9]/m,
      );
      expect(text).toContain(
        'metallb_speaker_announced{service="default/test-service",protocol="bgp",node="worker0",ip="192.168.122.210"} 1',
      );
      expect((await fetch(`${metrics.url}/metrics/nosuchnode`)).status).toBe(404);
    } finally {
      await metrics.close();
    }
    expect(rt.problems).toEqual([]);
  }, 30_000);

  it('recreates a BGPSessionState deleted by hand at the next transition, without a problem', async () => {
    const { client, router, rt } = await setup();
    await client.create({
      apiVersion: 'metallb.io/v1beta2',
      kind: 'BGPPeer',
      metadata: { name: 'bgp-peer', namespace: 'metallb-system' },
      spec: { myASN: 64501, peerASN: 64500, peerAddress: '198.18.0.1' },
    });
    const states = () =>
      client.list('frrk8s.metallb.io/v1beta1', 'BGPSessionState', { namespace: 'frr-k8s-system' });
    const statusOf = (o: unknown) =>
      (o as { status?: { bgpStatus?: string } } | undefined)?.status?.bgpStatus;
    const first = await waitFor('Established', async () => {
      const o = (await states())[0];
      return statusOf(o) === 'Established' ? o : undefined;
    });
    await client.delete(first);
    expect(await states()).toEqual([]);
    await router.vtysh(['configure terminal', 'router bgp 64500', 'neighbor 198.18.0.10 shutdown']);
    const down = await waitFor('written again', async () => {
      const o = (await states())[0];
      return o && statusOf(o) !== 'Established' ? o : undefined;
    });
    expect(down.metadata?.name).not.toBe(first.metadata?.name);
    await router.vtysh([
      'configure terminal',
      'router bgp 64500',
      'no neighbor 198.18.0.10 shutdown',
    ]);
    await waitFor('Established again', async () => {
      const l = await states();
      return l.length === 1 && statusOf(l[0]) === 'Established' ? l : undefined;
    });
    expect(rt.problems).toEqual([]);
  });
});
